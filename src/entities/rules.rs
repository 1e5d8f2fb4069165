//! Rules for names the gazetteer lacks. Capitalised words are grouped into chunks ("White House
//! Press Secretary Sean Spicer"), titles split a chunk and make the words after them a person
//! ("Sean Spicer"), and the rest is typed by shape: an organisation suffix ("... Corp", "... Ministry"),
//! a place word ("... River", "Gulf of ..."), a first name or an initial ("Stephen K. Bannon"). What no
//! rule types is kept as untyped for the resolver, which may match it against a full name seen
//! elsewhere in the article; otherwise it is dropped.

use rustc_hash::FxHashMap;

use super::gazetteer::{Compiled, Hit};
use super::text::{self, Token, CAP, INITIAL, LOWER, SENT_START, SHOUT, SPACE_BEFORE, WORD};
use super::EntityKind;

/// The built-in list of first names (one a line, `#` comments).
const FIRST_NAMES: &str = include_str!("../../schemas/first-names.txt");

/// A common English word: capitalised only because it starts a sentence or a headline.
pub(crate) const STOP: u32 = 1;
/// A title or office written capitalised before a name ("President", "Chancellor").
const TITLE: u32 = 1 << 1;
/// A title or role written in lower case before a name ("spokesman", "coach").
const LTITLE: u32 = 1 << 2;
/// Last word of an organisation ("Corp", "Ministry", "Party").
const ORG_SUFFIX: u32 = 1 << 3;
/// First word of an organisation followed by "of"/"for" ("University of", "Bank of").
const ORG_HEAD: u32 = 1 << 4;
/// Last word of a place ("River", "Street", "City").
const PLACE_SUFFIX: u32 = 1 << 5;
/// First word of a place ("Lake", "Mount", "Gulf of").
const PLACE_HEAD: u32 = 1 << 6;
/// A particle inside personal names ("de", "van", "al").
const PARTICLE: u32 = 1 << 7;
/// A first name.
const FIRST: u32 = 1 << 8;
/// A word that joins two capitalised parts of one name after a head word ("of", "for", "&").
const JOINER: u32 = 1 << 9;
/// A preposition that announces a place ("in", "at", "near").
const LOC_PREP: u32 = 1 << 10;
/// Last word of an event, award or document ("Cup", "Open", "Treaty").
const EVENT: u32 = 1 << 11;
/// A nationality ("German", "Austrian").
const DEMONYM: u32 = 1 << 12;
/// A verb of saying ("said", "told").
const SPEECH_VERB: u32 = 1 << 13;

#[rustfmt::skip]
const STOP_WORDS: &[&str] = &[
    // function words
    "a", "about", "above", "across", "after", "afterwards", "again", "against", "ago", "ahead",
    "all", "almost", "alone", "along", "already", "also", "although", "always", "am", "among",
    "amongst", "an", "and", "another", "any", "anyone", "anything", "anyway", "are", "around",
    "as", "at", "back", "be", "because", "been", "before", "behind", "being", "below", "beside",
    "besides", "between", "beyond", "both", "but", "by", "can", "cannot", "could", "did", "do",
    "does", "doing", "done", "down", "during", "each", "either", "else", "elsewhere", "enough",
    "even", "ever", "every", "everyone", "everything", "except", "few", "for", "from", "further",
    "had", "has", "have", "having", "he", "hence", "her", "here", "hers", "herself", "him",
    "himself", "his", "how", "however", "i", "if", "in", "indeed", "inside", "instead", "into",
    "is", "it", "its", "itself", "just", "last", "later", "least", "less", "let", "like", "many",
    "may", "maybe", "me", "meanwhile", "might", "mine", "more", "moreover", "most", "mostly",
    "much", "must", "my", "myself", "neither", "never", "nevertheless", "next", "no", "nobody",
    "none", "nor", "not", "nothing", "now", "of", "off", "often", "on", "once", "one", "only",
    "onto", "or", "other", "others", "otherwise", "our", "ours", "ourselves", "out", "outside",
    "over", "own", "per", "perhaps", "please", "prior", "quite", "rather", "really", "same",
    "several", "shall", "she", "should", "since", "so", "some", "someone", "something",
    "sometimes", "still", "such", "than", "that", "the", "their", "theirs", "them", "themselves",
    "then", "there", "thereby", "therefore", "these", "they", "this", "those", "though", "through",
    "throughout", "thus", "to", "together", "too", "toward", "towards", "under", "unless", "until",
    "up", "upon", "very", "via", "was", "we", "well", "were", "what", "whatever", "when",
    "whenever", "where", "whereas", "whether", "which", "while", "who", "whoever", "whole", "whom",
    "whose", "why", "will", "with", "within", "without", "would", "yet", "you", "your", "yours",
    "yourself", "yes", "oh", "ok", "okay", "hi", "hello", "dear", "thanks", "thank", "sorry",
    "wow",
    // sentence openers and headline words
    "following", "according", "despite", "given", "including", "regarding", "concerning", "asked",
    "speaking", "meanwhile", "earlier", "first", "second", "third", "finally", "today", "tomorrow",
    "yesterday", "tonight", "recently", "currently", "overall", "total", "new", "old", "big",
    "top", "high", "low", "more", "less", "full", "half", "early", "late", "major", "minor",
    "latest", "official", "officials", "analysts", "sources", "traders", "dealers", "shares",
    "prices", "results", "reports", "report", "news", "update", "breaking", "exclusive",
    "analysis", "opinion", "editorial", "comment", "note", "notes", "source", "photo", "video",
    "read", "see", "says", "said", "say", "told", "tell", "adds", "added", "updated", "note",
    "advertisement", "related", "more", "home", "page", "click", "share", "follow", "subscribe",
    "sign", "log", "login", "menu", "search", "contact", "here", "there", "why", "what", "how",
    "who", "when", "where", "which", "whose", "yes", "good", "great", "best", "better", "bad",
    "worse", "worst", "other", "another", "certain", "people", "some", "many", "most", "few",
    "all", "any", "each", "every", "both", "several", "police", "government", "state", "federal",
    "national", "international", "local", "world", "global", "public", "private", "general",
    "special", "senior", "chief", "former", "acting", "deputy", "vice", "under", "our", "their",
    "his", "her", "its", "we", "they", "he", "she", "if", "unless", "whether", "because", "as",
    "so", "though", "although", "while", "once", "now", "then", "thus", "hence", "instead",
    "rather", "indeed", "also", "still", "even", "already", "again", "never", "always", "often",
    "sometimes", "usually", "just", "only", "nor", "not", "no", "none", "nothing", "neither",
    "either", "unlike", "like", "let", "can", "could", "may", "might", "must", "shall", "should",
    "will", "would", "up", "down", "in", "out", "on", "off", "over", "under", "above", "below",
    "into", "onto", "after", "before", "during", "since", "until", "upon", "within", "without",
    "about", "against", "among", "between", "beyond", "through", "throughout", "toward", "towards",
    "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "do", "does", "did",
    "am", "pm", "est", "gmt", "edt", "pst", "utc", "vs", "etc", "inc", "corp", "co", "ltd", "plc",
    "llc", "no", "nos", "pct", "mln", "bln", "dlrs", "cts", "page", "section", "part", "chapter",
    "figure", "table", "group", "division", "round", "game", "match", "week", "month", "year",
    "day", "days", "weeks", "months", "years", "one", "two", "three", "four", "five", "six",
    "seven", "eight", "nine", "ten", "eleven", "twelve", "twenty", "thirty", "hundred", "thousand",
    "million", "billion",
    // days and months
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "tue",
    "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "january", "february", "march",
    "april", "june", "july", "august", "september", "october", "november", "december", "jan",
    "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "christmas",
    "easter", "ramadan",
];

/// Capitalised titles and offices. Words after the last of them in a chunk are a person.
#[rustfmt::skip]
const TITLES: &[&str] = &[
    "President", "Pres", "Pres.", "Vice", "Prime", "Minister", "Ministers", "Chancellor",
    "Secretary", "Secretary-General", "Spokesman", "Spokeswoman", "Spokesperson", "Senator", "Sen",
    "Sen.", "Rep", "Rep.", "Representative", "Congressman", "Congresswoman", "Governor", "Gov",
    "Gov.", "Mayor", "King", "Queen", "Prince", "Princess", "Emperor", "Empress", "Pope", "Sheikh",
    "Sheik", "Emir", "Sultan", "Ayatollah", "Imam", "Archbishop", "Bishop", "Cardinal", "Rabbi",
    "Reverend", "Rev", "Rev.", "General", "Gen", "Gen.", "Colonel", "Col", "Col.", "Lieutenant",
    "Lt", "Lt.", "Major", "Maj", "Maj.", "Captain", "Capt", "Capt.", "Admiral", "Adm", "Adm.",
    "Sergeant", "Sgt", "Sgt.", "Commander", "Marshal", "Judge", "Justice", "Chairman",
    "Chairwoman", "Chairperson", "Chief", "Executive", "Director", "Adviser", "Advisor",
    "Counselor", "Counsellor", "Strategist", "Ambassador", "Envoy", "Commissioner", "Deputy",
    "Senior", "Press", "Foreign", "Defence", "Defense", "Finance", "Interior", "Trade", "Attorney",
    "Treasurer", "Premier", "Leader", "Speaker", "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Miss",
    "Dr", "Dr.", "Prof", "Prof.", "Professor", "Sir", "Dame", "Lord", "Lady", "Baroness", "Baron",
    "Count", "Countess", "Duke", "Duchess", "Coach", "Manager", "Officer", "Secretary-general",
    "Assistant", "Undersecretary", "Under-Secretary", "Economy", "Energy", "Health", "Labour",
    "Labor", "Education", "Agriculture", "Transport", "Environment", "Industry", "Commerce",
    "Treasury", "Home", "Security", "Intelligence", "Staff", "State", "Affairs", "Presidential",
    "Candidate", "Nominee", "President-elect", "Chief-of-Staff", "Dictator", "Commander-in-Chief",
    "Inspector", "Superintendent", "Detective", "Constable", "Officer", "Pastor", "Father",
    "Mother", "Brother", "Sister", "Saint", "Cllr", "Councillor", "Councilman", "Councilwoman",
    "Sheriff", "Ald", "Alderman", "CEO", "CFO", "COO", "Founder", "Co-founder", "Economist",
    "Analyst", "Lawmaker", "Legislator", "Delegate", "Consul", "Anchor", "Host", "Correspondent",
    "Editor", "Columnist", "Author", "Writer", "Actor", "Actress", "Singer", "Striker",
    "Midfielder", "Defender", "Goalkeeper", "Skipper", "Rapporteur", "Mufti", "Patriarch",
];

/// Roles written in lower case right before a name: "spokesman Dmitry Peskov".
#[rustfmt::skip]
const LOWER_TITLES: &[&str] = &[
    "president", "minister", "chancellor", "secretary", "spokesman", "spokeswoman", "spokesperson",
    "senator", "governor", "mayor", "king", "queen", "prince", "chairman", "chairwoman",
    "director", "adviser", "advisor", "counselor", "counsellor", "strategist", "ambassador",
    "envoy", "commissioner", "premier", "leader", "speaker", "coach", "manager", "striker",
    "midfielder", "defender", "goalkeeper", "skipper", "captain", "batsman", "bowler", "player",
    "champion", "driver", "rider", "officer", "economist", "analyst", "lawmaker", "legislator",
    "candidate", "nominee", "actor", "actress", "singer", "author", "writer", "journalist",
    "reporter", "correspondent", "editor", "columnist", "executive", "founder", "co-founder",
    "lawyer", "attorney", "judge", "prosecutor", "colonel", "lieutenant", "commander", "sergeant",
    "cardinal", "bishop", "archbishop", "rabbi", "imam", "cleric", "dissident", "activist",
    "businessman", "businesswoman", "tycoon", "billionaire", "millionaire", "son", "daughter",
    "wife", "husband", "widow", "brother", "sister", "father", "mother", "uncle", "aunt", "cousin",
    "nephew", "niece", "grandson", "granddaughter", "boss", "aide", "diplomat", "negotiator",
    "mediator", "dictator", "ruler", "monarch", "politician", "presenter", "host", "anchor",
    "winger", "forward", "keeper", "pitcher", "quarterback", "shortstop", "outfielder", "jockey",
    "trainer", "cyclist", "sprinter", "swimmer", "boxer", "golfer", "seed", "compatriot",
    "teammate", "rival", "opponent", "challenger", "incumbent", "predecessor", "successor",
    "economist", "strategist", "spokeswoman", "pianist", "composer", "conductor", "director",
    "producer", "novelist", "poet", "artist", "designer", "architect", "scientist", "professor",
    "dr", "mr", "mrs", "ms",
];

#[rustfmt::skip]
const ORG_SUFFIXES: &[&str] = &[
    "Inc", "Inc.", "Incorporated", "Corp", "Corp.", "Corporation", "Co", "Co.", "Company", "Ltd",
    "Ltd.", "Limited", "Plc", "PLC", "plc", "LLC", "LLP", "AG", "SA", "S.A.", "NV", "N.V.", "BV",
    "GmbH", "AB", "ASA", "SpA", "Group", "Holdings", "Holding", "Bank", "Bancorp", "Bankers",
    "Party", "Ministry", "Department", "Agency", "Commission", "Committee", "Council",
    "Association", "Federation", "Confederation", "Union", "University", "College", "Institute",
    "Institution", "Foundation", "Fund", "Trust", "Airlines", "Airline", "Airways", "Motors",
    "Industries", "Systems", "Technologies", "Technology", "Electric", "Electronics", "Petroleum",
    "Oil", "Energy", "Telecom", "Telecommunications", "Communications", "Reserve", "Exchange",
    "Times", "Post", "Journal", "Herald", "Tribune", "Gazette", "Telegraph", "Guardian",
    "Observer", "Chronicle", "Daily", "Club", "FC", "Rovers", "Wanderers", "Athletic", "Assembly",
    "Parliament", "Congress", "Senate", "Court", "Army", "Navy", "Police", "Board", "Authority",
    "Service", "Services", "Office", "Bureau", "Church", "Front", "Movement", "Alliance",
    "Organisation", "Organization", "Society", "League", "Network", "Securities", "Capital",
    "Partners", "Investments", "Investment", "Insurance", "Assurance", "Pharmaceuticals",
    "Pharmaceutical", "Laboratories", "Labs", "Chemicals", "Chemical", "Steel", "Mining",
    "Resources", "Brothers", "Bros", "Bros.", "Railways", "Railway", "Railroad", "Mines", "Foods",
    "Stores", "Entertainment", "Media", "Pictures", "Studios", "Records", "Software", "Solutions",
    "Enterprises", "Ventures", "Management", "Associates", "Consulting", "Hospital", "School",
    "Academy", "Museum", "Library", "Cabinet", "Coalition", "Brigade", "Brigades", "Forces",
    "Command", "Guard", "Regiment", "Squad", "Team", "Orchestra", "Magazine", "Broadcasting",
    "Television", "TV", "Radio", "News", "Press", "Cooperative", "Co-operative", "Consortium",
    "Syndicate", "Cartel", "Tribunal", "Secretariat", "Directorate", "Newsroom", "United",
    "Agencies", "Centre", "Center", "Force", "Sachs", "Commissions", "Unions", "Workers",
    "Federal", "Bourse",
];

#[rustfmt::skip]
const ORG_HEADS: &[&str] = &[
    "University", "Bank", "Ministry", "Department", "Council", "Court", "Church", "House",
    "Institute", "Federation", "Association", "Union", "Board", "Organisation", "Organization",
    "League", "Commission", "Committee", "Office", "Bureau", "Society", "Academy", "Museum",
    "College", "School", "Chamber", "Party", "Centre", "Center", "Agency", "Order", "Friends",
    "Congress", "Conference", "Federal", "Fund", "Foundation", "Movement", "Front", "Army",
    "Confederation", "Secretariat", "Directorate", "Coalition", "Alliance", "Assembly",
];

#[rustfmt::skip]
const PLACE_SUFFIXES: &[&str] = &[
    "River", "Valley", "Island", "Islands", "Isles", "Mountains", "Mountain", "Mount", "Lake",
    "Sea", "Ocean", "Bay", "Gulf", "Strait", "Straits", "Peninsula", "Desert", "Coast", "Heights",
    "Hills", "Hill", "Street", "St", "St.", "Avenue", "Ave", "Ave.", "Road", "Rd", "Boulevard",
    "Square", "Bridge", "Canal", "Airport", "Province", "County", "Region", "District",
    "Prefecture", "City", "Town", "Village", "Harbour", "Harbor", "Port", "Beach", "Park",
    "Forest", "Basin", "Delta", "Plateau", "Plain", "Plains", "Falls", "Glacier", "Channel",
    "Cape", "Highway", "Territory", "Territories", "Oblast", "Krai", "Governorate", "State",
];

#[rustfmt::skip]
const PLACE_HEADS: &[&str] = &[
    "Lake", "Mount", "Mt", "Mt.", "Cape", "Gulf", "Bay", "Sea", "Isle", "Port", "Fort", "Lake",
    "Republic", "Kingdom", "Principality", "Sultanate", "Emirate", "Strait", "Straits", "Rio",
    "San", "Santa", "Sao", "São", "Saint", "St", "St.", "Los", "Las", "El", "Le", "La", "New",
    "North", "South", "East", "West", "Northern", "Southern", "Eastern", "Western", "Upper",
    "Lower", "Greater",
];

#[rustfmt::skip]
const PARTICLES: &[&str] = &[
    "de", "da", "das", "do", "dos", "del", "della", "di", "du", "van", "von", "der", "den", "ter",
    "ten", "la", "le", "al", "el", "bin", "ibn", "ben", "y", "zu", "af", "av", "mac", "st",
];

/// Last words of events, awards and documents: such a chunk is no person, place or organisation
/// ("Davis Cup", "U.S. Open", "Paris Agreement").
#[rustfmt::skip]
const EVENTS: &[&str] = &[
    "Cup", "Prix", "Open", "Championship", "Championships", "Games", "Trophy", "Award", "Awards",
    "Prize", "Olympics", "Olympiad", "Series", "Tour", "Classic", "Masters", "Marathon", "Rally",
    "Festival", "Day", "Week", "War", "Act", "Bill", "Treaty", "Accord", "Accords", "Agreement",
    "Plan", "Index", "Summit", "Conference", "Show", "Expo", "Fair", "Cup-winners", "Slam",
    "Derby", "Stakes", "Bowl", "Final", "Finals", "Doctrine", "Protocol", "Convention", "Charter",
    "Year", "Holiday", "Eve", "Prize", "Medal", "Revolution", "Crisis", "Affair", "Scandal",
];

/// Nationality words: before a name they mark a person ("Austrian Judith Wiesner") and are not part
/// of it.
#[rustfmt::skip]
const DEMONYMS: &[&str] = &[
    "Afghan", "Albanian", "Algerian", "American", "Angolan", "Argentine", "Argentinian",
    "Armenian", "Australian", "Austrian", "Azerbaijani", "Bahraini", "Bangladeshi", "Belarusian",
    "Belgian", "Bolivian", "Bosnian", "Brazilian", "British", "Bulgarian", "Burmese", "Burundian",
    "Cambodian", "Cameroonian", "Canadian", "Chadian", "Chilean", "Chinese", "Colombian",
    "Congolese", "Croatian", "Cuban", "Cypriot", "Czech", "Danish", "Dutch", "Ecuadorean",
    "Ecuadorian", "Egyptian", "Emirati", "English", "Eritrean", "Estonian", "Ethiopian",
    "Filipino", "Finnish", "French", "Georgian", "German", "Ghanaian", "Greek", "Guatemalan",
    "Haitian", "Honduran", "Hungarian", "Icelandic", "Indian", "Indonesian", "Iranian", "Iraqi",
    "Irish", "Israeli", "Italian", "Ivorian", "Jamaican", "Japanese", "Jordanian", "Kazakh",
    "Kenyan", "Korean", "Kosovar", "Kurdish", "Kuwaiti", "Kyrgyz", "Latvian", "Lebanese",
    "Liberian", "Libyan", "Lithuanian", "Macedonian", "Malaysian", "Malian", "Maltese", "Mexican",
    "Moldovan", "Mongolian", "Moroccan", "Mozambican", "Namibian", "Nepalese", "Nicaraguan",
    "Nigerian", "Nigerien", "Norwegian", "Omani", "Pakistani", "Palestinian", "Panamanian",
    "Paraguayan", "Peruvian", "Polish", "Portuguese", "Qatari", "Romanian", "Russian", "Rwandan",
    "Salvadoran", "Saudi", "Scottish", "Senegalese", "Serb", "Serbian", "Slovak", "Slovakian",
    "Slovenian", "Somali", "Spanish", "Sri", "Sudanese", "Swedish", "Swiss", "Syrian", "Taiwanese",
    "Tajik", "Tanzanian", "Thai", "Tibetan", "Tunisian", "Turkish", "Turkmen", "Ugandan",
    "Ukrainian", "Uruguayan", "Uzbek", "Venezuelan", "Vietnamese", "Welsh", "Yemeni", "Yugoslav",
    "Zambian", "Zimbabwean", "Soviet", "European", "African", "Asian", "Arab", "Arabs", "Latin",
    "Scandinavian", "Balkan", "Caribbean", "Persian", "Catholic", "Catholics", "Protestant",
    "Muslim", "Muslims", "Moslem", "Moslems", "Jewish", "Sunni", "Shi'ite", "Shiite", "Shia",
    "Roman", "Hindu", "Sikh", "Buddhist", "Orthodox", "Rican", "Korean", "Koreans", "Americans",
    "Europeans", "Africans", "Asians", "Tamil", "Khmer", "Pashtun", "Baltic", "Nordic", "Western",
    "Eastern", "Democratic", "Republican", "Liberal", "Conservative", "Socialist", "Communist",
    "Islamic", "Christian",
];

/// Verbs of saying: a full name right next to one is a person ("said Hilary Gush").
#[rustfmt::skip]
const SPEECH: &[&str] = &[
    "said", "says", "told", "added", "adds", "stated", "declared", "announced", "explained",
    "asked", "replied", "insisted", "argued", "warned", "wrote", "tweeted", "noted", "recalled",
];

const JOINERS: &[&str] = &["of", "for", "&", "and"];

const LOC_PREPS: &[&str] = &["in", "at", "near", "from", "outside", "across", "to"];

/// Word lists, keyed by the word as written (lists are expanded to their lower-case, Capitalised
/// and UPPER forms where the role allows).
#[derive(Debug)]
pub(crate) struct Words {
    map: FxHashMap<String, u32>,
}

fn capitalise(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl Words {
    pub fn builtin() -> Words {
        let mut map: FxHashMap<String, u32> =
            FxHashMap::with_capacity_and_hasher(16_384, Default::default());
        let mut add = |w: &str, flag: u32| *map.entry(w.to_string()).or_insert(0) |= flag;
        for w in STOP_WORDS {
            add(w, STOP);
            add(&capitalise(w), STOP);
            add(&w.to_uppercase(), STOP);
        }
        for w in TITLES {
            add(w, TITLE);
        }
        for w in LOWER_TITLES {
            add(w, LTITLE);
        }
        for w in ORG_SUFFIXES {
            add(w, ORG_SUFFIX);
        }
        for w in ORG_HEADS {
            add(w, ORG_HEAD);
        }
        for w in PLACE_SUFFIXES {
            add(w, PLACE_SUFFIX);
        }
        for w in PLACE_HEADS {
            add(w, PLACE_HEAD);
        }
        for w in PARTICLES {
            add(w, PARTICLE);
        }
        for w in JOINERS {
            add(w, JOINER);
        }
        for w in DEMONYMS {
            add(w, DEMONYM);
        }
        for w in SPEECH {
            add(w, SPEECH_VERB);
        }
        for w in EVENTS {
            add(w, EVENT);
        }
        for w in LOC_PREPS {
            add(w, LOC_PREP);
        }
        for line in FIRST_NAMES.lines() {
            let name = line.trim();
            if name.is_empty() || name.starts_with('#') {
                continue;
            }
            add(&capitalise(&name.to_lowercase()), FIRST);
            add(name, FIRST);
        }
        Words { map }
    }

    pub fn has(&self, word: &str, flag: u32) -> bool {
        self.map.get(word).is_some_and(|f| f & flag != 0)
    }

    fn flags(&self, word: &str) -> u32 {
        self.map.get(word).copied().unwrap_or(0)
    }
}

/// Where a candidate's type came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// A gazetteer entity (index into the compiled gazetteer).
    Gazetteer(u32),
    /// A rule; the name is the surface text.
    Rule(EntityKind),
    /// Capitalised words no rule could type: the resolver may still match them.
    Untyped,
}

/// A candidate entity over the tokens `first..last`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate {
    pub first: usize,
    pub last: usize,
    pub source: Source,
}

/// The output of the rules: candidates in text order.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub candidates: Vec<Candidate>,
}

const NO_HIT: u32 = u32::MAX;

/// Experimental: two unknown capitalised words make a person.
const BARE_PAIRS: bool = true;

struct Ctx<'a> {
    text: &'a str,
    tokens: &'a [Token],
    hits: &'a [Hit],
    hit_at: Vec<u32>,
    compiled: &'a Compiled,
    words: &'a Words,
    out: &'a mut Found,
}

/// Runs the gazetteer hits and (when `rules` is on) the shape rules over the tokens.
pub(crate) fn apply(
    text: &str,
    tokens: &[Token],
    hits: &[Hit],
    compiled: &Compiled,
    words: &Words,
    rules: bool,
    out: &mut Found,
) {
    let mut hit_at = vec![NO_HIT; tokens.len()];
    for (h, hit) in hits.iter().enumerate() {
        for slot in &mut hit_at[hit.first..hit.last] {
            *slot = h as u32;
        }
    }
    let mut cx = Ctx {
        text,
        tokens,
        hits,
        hit_at,
        compiled,
        words,
        out,
    };
    let n = tokens.len();
    let mut i = 0;
    while i < n {
        let t = tokens[i];
        let h = cx.hit_at[i];
        if h != NO_HIT && (!rules || t.is(SHOUT)) {
            let hit = cx.hits[h as usize];
            cx.push(hit.first, hit.last, Source::Gazetteer(hit.entity));
            i = hit.last;
            continue;
        }
        if !t.is(WORD) {
            i += 1;
            continue;
        }
        if t.is(SHOUT) || !rules {
            // Shouted or rule-less text: runs of capitalised words are kept for the resolver only.
            let mut j = i;
            while j < n
                && cx.hit_at[j] == NO_HIT
                && tokens[j].is(WORD)
                && (tokens[j].is(CAP) || tokens[j].is(text::ALLCAPS))
            {
                j += 1;
            }
            if j > i {
                cx.push(i, j, Source::Untyped);
                i = j;
            } else {
                i += 1;
            }
            continue;
        }
        if !cx.chunkable(i) {
            i += 1;
            continue;
        }
        let end = cx.chunk_end(i);
        cx.chunk(i, end);
        i = end.max(i + 1);
    }
}

impl Ctx<'_> {
    fn push(&mut self, first: usize, last: usize, source: Source) {
        if first < last {
            self.out.candidates.push(Candidate {
                first,
                last,
                source,
            });
        }
    }

    fn word(&self, i: usize) -> &str {
        self.tokens[i].text(self.text)
    }

    fn flags(&self, i: usize) -> u32 {
        self.words.flags(self.word(i))
    }

    fn has(&self, i: usize, flag: u32) -> bool {
        self.flags(i) & flag != 0
    }

    /// Can start or continue a chunk: a capitalised word, an initial or part of a gazetteer name.
    fn chunkable(&self, i: usize) -> bool {
        let t = self.tokens[i];
        t.is(WORD) && !t.is(SHOUT) && (t.is(CAP) || t.is(INITIAL) || self.hit_at[i] != NO_HIT)
    }

    fn tight(&self, i: usize) -> bool {
        !self.tokens[i].is(SPACE_BEFORE)
    }

    /// One past the last token of the chunk that starts at `start`.
    fn chunk_end(&self, start: usize) -> usize {
        let n = self.tokens.len();
        let mut j = start + 1;
        // Inside a gazetteer hit, take the whole hit.
        if self.hit_at[start] != NO_HIT {
            j = self.hits[self.hit_at[start] as usize].last;
        }
        while j < n {
            let t = self.tokens[j];
            if t.is(text::BREAK_BEFORE) && text::paragraph_break_at(self.text, t.start) {
                break;
            }
            let h = self.hit_at[j];
            if h != NO_HIT && self.hits[h as usize].first == j {
                // A gazetteer name continues the chunk only if its first token would.
                if self.chunkable(j) && t.is(WORD) {
                    j = self.hits[h as usize].last;
                    continue;
                }
                break;
            }
            if self.chunkable(j) {
                j += 1;
                continue;
            }
            let word = self.word(j);
            // "Mr. Smith", "Gen. Lee".
            if word == "."
                && self.tight(j)
                && text::ABBREVIATIONS.contains(&self.word(j - 1))
                && j + 1 < n
                && self.chunkable(j + 1)
            {
                j += 1;
                continue;
            }
            // "Jean-Claude", "Ki-moon", "Trump-Putin": a hyphen with no space on either side.
            if word == "-" && self.tight(j) && j + 1 < n && self.tight(j + 1) {
                let next = self.tokens[j + 1];
                let left = self.tokens[j - 1];
                let short_left = left.end - left.start <= 3;
                if next.is(WORD)
                    && (next.is(CAP)
                        || (short_left && next.is(LOWER) && next.end - next.start <= 4))
                {
                    j += 2;
                    continue;
                }
                break;
            }
            // Particles inside names: "Charles de Gaulle", "Bashar al-Assad".
            if t.is(WORD) && t.is(LOWER) && self.has(j, PARTICLE) && j + 1 < n {
                let next = self.tokens[j + 1];
                let hyphen_next =
                    self.word(j + 1) == "-" && j + 2 < n && self.tokens[j + 2].is(CAP);
                if (next.is(CAP) && next.is(WORD) && !next.is(SHOUT)) || hyphen_next {
                    j += 1;
                    continue;
                }
                break;
            }
            // "Bank of England", "Secretary of State", "Procter & Gamble".
            if self.has(j, JOINER) && j + 1 < n && self.chunkable(j + 1) {
                let prev = j - 1;
                let head = self.has(prev, ORG_HEAD | PLACE_HEAD | TITLE);
                if word == "&" || (word != "and" && head) {
                    j += 1;
                    continue;
                }
            }
            break;
        }
        j.min(n)
    }

    fn is_name_word(&self, i: usize) -> bool {
        let t = self.tokens[i];
        if t.is(INITIAL) {
            return true;
        }
        if !t.is(WORD) {
            return self.word(i) == "-";
        }
        if t.is(LOWER) {
            return self.has(i, PARTICLE) || (i > 0 && self.word(i - 1) == "-");
        }
        t.is(CAP) && !self.has(i, STOP | TITLE | ORG_SUFFIX) && !t.is(text::DIGIT)
    }

    /// Word tokens in `a..b`, not counting hyphens.
    fn word_count(&self, a: usize, b: usize) -> usize {
        (a..b).filter(|&i| self.tokens[i].is(WORD)).count()
    }

    fn covered(&self, a: usize, b: usize) -> bool {
        (a..b).all(|i| self.hit_at[i] != NO_HIT)
            && self.hit_at[a] != NO_HIT
            && self.hits[self.hit_at[a] as usize].first == a
            && self.hits[self.hit_at[b - 1] as usize].last == b
    }

    fn emit_hits(&mut self, a: usize, b: usize) {
        let mut i = a;
        while i < b {
            let h = self.hit_at[i];
            if h != NO_HIT {
                let hit = self.hits[h as usize];
                if hit.first >= a && hit.last <= b {
                    self.push(hit.first, hit.last, Source::Gazetteer(hit.entity));
                }
                i = hit.last.max(i + 1);
            } else {
                i += 1;
            }
        }
    }

    /// Gazetteer hits in `a..b`, and the capitalised runs between them as untyped candidates.
    fn emit_hits_and_rest(&mut self, a: usize, b: usize) {
        let mut i = a;
        let mut run = None;
        while i < b {
            let h = self.hit_at[i];
            if h != NO_HIT {
                if let Some(s) = run.take() {
                    self.untyped(s, i);
                }
                let hit = self.hits[h as usize];
                if hit.first >= a && hit.last <= b {
                    self.push(hit.first, hit.last, Source::Gazetteer(hit.entity));
                }
                i = hit.last.max(i + 1);
            } else {
                if run.is_none() {
                    run = Some(i);
                }
                i += 1;
            }
        }
        if let Some(s) = run {
            self.untyped(s, b);
        }
    }

    /// An untyped run, trimmed of stop words and punctuation.
    fn untyped(&mut self, mut a: usize, mut b: usize) {
        while a < b
            && (!self.tokens[a].is(WORD) || self.has(a, STOP | TITLE) || self.tokens[a].is(LOWER))
        {
            a += 1;
        }
        while b > a && (!self.tokens[b - 1].is(WORD) || self.tokens[b - 1].is(LOWER)) {
            b -= 1;
        }
        if a >= b {
            return;
        }
        // "in Bonn", "at Wimbledon": a lone capitalised word after a place preposition, mid-sentence.
        let one_word = (a + 1..b).all(|i| !self.tokens[i].is(SPACE_BEFORE));
        if one_word
            && a > 0
            && !self.tokens[a].is(SENT_START)
            && !self.tokens[a].is(INITIAL)
            && self.tokens[a - 1].is(LOWER)
            && self.has(a - 1, LOC_PREP)
            && self.loc_follow(b)
        {
            self.push(a, b, Source::Rule(EntityKind::Place));
            return;
        }
        self.push(a, b, Source::Untyped);
    }

    /// What follows a place after "in X": the end, punctuation, or a lower-case word.
    fn loc_follow(&self, b: usize) -> bool {
        match self.tokens.get(b) {
            None => true,
            Some(t) if !t.is(WORD) => matches!(self.word(b), "," | "." | ";" | ")" | ":"),
            Some(t) => t.is(LOWER) && !self.has(b, PARTICLE),
        }
    }

    /// Types the chunk `a..b`.
    fn chunk(&mut self, start: usize, b: usize) {
        let Some(a) = self.settle(start, b) else {
            return;
        };
        // Titles: the last title word splits the chunk; what follows it is a person.
        if let Some(ti) = (a..b).rev().find(|&i| self.is_title(i)) {
            let mut ts = ti;
            while ts > a
                && (self.is_title(ts - 1)
                    || (self.word(ts - 1) == "of" && ts >= a + 2 && self.is_title(ts - 2)))
            {
                ts -= 1;
            }
            let mut after = ti + 1;
            // "Secretary of State Rex Tillerson": the complement belongs to the title when a name follows.
            if after + 2 < b && self.word(after) == "of" {
                after += 2;
            } else if after < b && self.word(after) == "of" {
                after += 1;
            }
            while after < b && !self.tokens[after].is(WORD) {
                after += 1;
            }
            self.segment(a, ts, false);
            if after < b {
                self.person_after_title(after, b);
            }
            return;
        }
        // "spokesman Dmitry Peskov", "coach Bobby Robson".
        if a == start && a > 0 && self.tokens[a - 1].is(LOWER) && self.has(a - 1, LTITLE) {
            self.person_after_title(a, b);
            return;
        }
        self.segment(a, b, true);
    }

    fn is_title(&self, i: usize) -> bool {
        let t = self.tokens[i];
        t.is(WORD) && t.is(CAP) && self.hit_at[i] == NO_HIT && self.has(i, TITLE)
    }

    /// The kind a chunk has by its first or last word: "... Corp", "University of ...", "Lake ...".
    fn shape(&self, a: usize, b: usize) -> Option<EntityKind> {
        let last = b - 1;
        let first_joined = a + 1 < b && self.has(a + 1, JOINER);
        if self.has(last, ORG_SUFFIX) && self.hit_at[last] == NO_HIT {
            return Some(EntityKind::Org);
        }
        if self.has(a, ORG_HEAD) && first_joined {
            return Some(EntityKind::Org);
        }
        if self.has(last, PLACE_SUFFIX) && self.hit_at[last] == NO_HIT {
            return Some(EntityKind::Place);
        }
        if self.has(a, PLACE_HEAD) && first_joined && matches!(self.word(a + 1), "of") {
            return Some(EntityKind::Place);
        }
        if matches!(
            self.word(a),
            "Lake" | "Mount" | "Mt" | "Mt." | "Cape" | "Gulf" | "Fort" | "Port" | "Isle"
        ) && self.word_count(a, b) == 2
        {
            return Some(EntityKind::Place);
        }
        None
    }

    /// A typed rule candidate; a chunk that is one gazetteer name plus a person's first words keeps
    /// the gazetteer's canonical name ("Donald J. Trump" is "Donald Trump").
    fn typed(&mut self, a: usize, b: usize, kind: EntityKind) {
        if kind == EntityKind::Person {
            let h = self.hit_at[b - 1];
            if h != NO_HIT {
                let hit = self.hits[h as usize];
                let (gkind, name) = self.compiled.entity(hit.entity);
                if gkind == EntityKind::Person && hit.last == b {
                    let first_word = name.split_whitespace().next().unwrap_or("");
                    if hit.first == a || first_word == self.word(a) {
                        self.push(a, b, Source::Gazetteer(hit.entity));
                        return;
                    }
                }
            }
        }
        self.push(a, b, Source::Rule(kind));
    }

    /// The words after a title: a person unless they are a known non-person or an organisation.
    fn person_after_title(&mut self, a: usize, b: usize) {
        if self.covered(a, b) {
            self.emit_hits(a, b);
            return;
        }
        let words = self.word_count(a, b);
        if words <= 4
            && (a..b).all(|i| self.is_name_word(i) || self.hit_at[i] != NO_HIT)
            && self.tokens[a].is(CAP)
        {
            self.typed(a, b, EntityKind::Person);
            return;
        }
        self.segment(a, b, true);
    }

    /// What every chunk goes through first: sentence openers and stop words ("Following", "The", "On
    /// Monday") are skipped; a chunk that is all gazetteer names, an event, or has an organisation or
    /// place shape is emitted. Returns where the rest of the chunk starts, or `None` when it is done.
    fn settle(&mut self, mut a: usize, b: usize) -> Option<usize> {
        while a < b
            && self.hit_at[a] == NO_HIT
            && (self.has(a, STOP) || !self.tokens[a].is(WORD) || self.tokens[a].is(LOWER))
        {
            a += 1;
        }
        if a >= b {
            return None;
        }
        if self.covered(a, b) {
            self.emit_hits(a, b);
            return None;
        }
        if self.event(a, b) {
            return None;
        }
        if self.word_count(a, b) >= 2 {
            if let Some(kind) = self.shape(a, b) {
                self.typed(a, b, kind);
                return None;
            }
        }
        Some(a)
    }

    /// Types a title-free piece of a chunk.
    fn segment(&mut self, a: usize, b: usize, person: bool) {
        let Some(a) = self.settle(a, b) else {
            return;
        };
        let words = self.word_count(a, b);
        // "Austrian Judith Wiesner": a nationality before a full name.
        if person && words >= 3 && self.has(a, DEMONYM) && self.hit_at[a] == NO_HIT {
            let rest = a + 1;
            if self.word_count(rest, b) <= 3
                && (rest..b).all(|i| self.is_name_word(i) || self.hit_at[i] != NO_HIT)
            {
                self.typed(rest, b, EntityKind::Person);
                return;
            }
        }
        // "MOSCOW (Meridian Wire) -": the parenthesised name after a dateline is the news agency.
        if self.dateline_source(a, b) {
            self.typed(a, b, EntityKind::Org);
            return;
        }
        if person
            && (2..=3).contains(&words)
            && (a..b).all(|i| self.is_name_word(i) && self.hit_at[i] == NO_HIT)
        {
            let speech = (b < self.tokens.len() && self.has(b, SPEECH_VERB))
                || (a > 0 && self.has(a - 1, SPEECH_VERB))
                || (b + 1 < self.tokens.len()
                    && self.word(b) == ","
                    && self.has(b + 1, SPEECH_VERB));
            let bare = BARE_PAIRS && words == 2 && b - a == 2 && self.bare_pair(a, b);
            if speech || bare {
                self.typed(a, b, EntityKind::Person);
                return;
            }
        }
        if person && (2..=4).contains(&words) && (a..b).all(|i| self.is_name_word(i)) {
            let first_name = self.has(a, FIRST) && self.tokens[a].is(CAP);
            let initials = (a..b).any(|i| self.tokens[i].is(INITIAL))
                && !self.tokens[b - 1].is(INITIAL)
                && self.tokens[b - 1].is(CAP);
            if first_name || initials {
                self.typed(a, b, EntityKind::Person);
                return;
            }
        }
        if self.glued_hits(a, b, person) {
            return;
        }
        self.emit_hits_and_rest(a, b);
    }

    /// Unknown capitalised words in parentheses right after an ALL-CAPS dateline word.
    fn dateline_source(&self, a: usize, b: usize) -> bool {
        a >= 2
            && b < self.tokens.len()
            && self.word(a - 1) == "("
            && self.word(b) == ")"
            && self.tokens[a - 2].is(text::ALLCAPS)
            && (a..b).all(|i| self.hit_at[i] == NO_HIT)
    }

    /// Two unknown capitalised words, mid-sentence, that look like a given name and a surname: no
    /// nationality or place word, no acronym, no digits.
    fn bare_pair(&self, a: usize, b: usize) -> bool {
        !self.tokens[a].is(SENT_START)
            && (a..b).all(|i| {
                let t = self.tokens[i];
                t.is(WORD)
                    && !t.is(text::ALLCAPS)
                    && !t.is(INITIAL)
                    && !self.has(i, DEMONYM | PLACE_HEAD | PLACE_SUFFIX | ORG_HEAD | EVENT)
            })
    }

    /// A chunk ending in an event word is dropped whole, gazetteer names inside it too.
    fn event(&mut self, a: usize, b: usize) -> bool {
        let last = b - 1;
        if self.word_count(a, b) >= 2 && self.hit_at[last] == NO_HIT && self.has(last, EVENT) {
            self.push(a, b, Source::Untyped);
            return true;
        }
        false
    }

    /// A gazetteer name glued to other capitalised words is part of a longer name: "Wasim Akram"
    /// (a person's first names before a known surname) is a person; "London Newsroom" or
    /// "Chicago Bulls" is something the gazetteer does not know, so nothing is emitted for it.
    fn glued_hits(&mut self, a: usize, b: usize, person: bool) -> bool {
        let mut glued = false;
        for i in a..b {
            let h = self.hit_at[i];
            if h == NO_HIT {
                continue;
            }
            let hit = self.hits[h as usize];
            let before = hit.first > a
                && self.hit_at[hit.first - 1] == NO_HIT
                && self.is_name_word(hit.first - 1);
            let after =
                hit.last < b && self.hit_at[hit.last] == NO_HIT && self.is_name_word(hit.last);
            if before || after {
                glued = true;
                if person
                    && hit.last == b
                    && self.compiled.entity(hit.entity).0 == EntityKind::Person
                    && (a..hit.first).all(|j| self.is_name_word(j) && !self.has(j, DEMONYM))
                    && self.word_count(a, hit.first) <= 3
                    && self.tokens[a].is(CAP)
                {
                    self.typed(a, b, EntityKind::Person);
                    return true;
                }
            }
        }
        if glued {
            self.push(a, b, Source::Untyped);
        }
        glued
    }
}
