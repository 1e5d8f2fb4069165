//! The word lists of the rules and the gazetteer: stop words, titles, organisation and place words,
//! first names, each word with the roles it plays, as written (lower-case, Capitalised and UPPER forms
//! where the role allows).

use rustc_hash::FxHashMap;

/// The built-in list of first names (one a line, `#` comments).
const FIRST_NAMES: &str = include_str!("../../schemas/first-names.txt");

/// A common English word: capitalised only because it starts a sentence or a headline.
pub(crate) const STOP: u32 = 1;
/// A title or office written capitalised before a name ("President", "Chancellor").
pub(crate) const TITLE: u32 = 1 << 1;
/// A title or role written in lower case before a name ("spokesman", "coach").
pub(crate) const LTITLE: u32 = 1 << 2;
/// Last word of an organisation ("Corp", "Ministry", "Party").
pub(crate) const ORG_SUFFIX: u32 = 1 << 3;
/// First word of an organisation followed by "of"/"for" ("University of", "Bank of").
pub(crate) const ORG_HEAD: u32 = 1 << 4;
/// Last word of a place ("River", "Street", "City").
pub(crate) const PLACE_SUFFIX: u32 = 1 << 5;
/// First word of a place ("Lake", "Mount", "Gulf of").
pub(crate) const PLACE_HEAD: u32 = 1 << 6;
/// A particle inside personal names ("de", "van", "al").
pub(crate) const PARTICLE: u32 = 1 << 7;
/// A first name.
pub(crate) const FIRST: u32 = 1 << 8;
/// A word that joins two capitalised parts of one name after a head word ("of", "for", "&").
pub(crate) const JOINER: u32 = 1 << 9;
/// A preposition that announces a place ("in", "at", "near").
pub(crate) const LOC_PREP: u32 = 1 << 10;
/// Last word of an event, award or document ("Cup", "Open", "Treaty").
pub(crate) const EVENT: u32 = 1 << 11;
/// A nationality ("German", "Austrian").
pub(crate) const DEMONYM: u32 = 1 << 12;
/// A verb of saying ("said", "told").
pub(crate) const SPEECH_VERB: u32 = 1 << 13;
/// A corporate form that is not part of a company's name ("Inc", "Corp", "Ltd"): folded away from
/// canonical names so that "Chrysler" and "Chrysler Corp" are one entity.
pub(crate) const CORP_SUFFIX: u32 = 1 << 14;

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
const CORP_SUFFIXES: &[&str] = &[
    "Inc", "Incorporated", "Corp", "Corporation", "Co", "Cos", "Company", "Companies", "Ltd",
    "Limited", "Plc", "PLC", "plc", "LLC", "LLP", "LP", "AG", "SA", "S.A", "NV", "N.V", "BV", "GmbH",
    "AB", "ASA", "SpA", "Pty", "Bhd", "KK", "Oyj", "INC", "CORP", "LTD", "CO", "COS",
];

const ORG_SUFFIXES: &[&str] = &[
    "Inc",
    "Inc.",
    "Incorporated",
    "Corp",
    "Corp.",
    "Corporation",
    "Co",
    "Co.",
    "Company",
    "Ltd",
    "Ltd.",
    "Limited",
    "Plc",
    "PLC",
    "plc",
    "LLC",
    "LLP",
    "AG",
    "SA",
    "S.A.",
    "NV",
    "N.V.",
    "BV",
    "GmbH",
    "AB",
    "ASA",
    "SpA",
    "Group",
    "Holdings",
    "Holding",
    "Bank",
    "Bancorp",
    "Bankers",
    "Party",
    "Ministry",
    "Department",
    "Agency",
    "Commission",
    "Committee",
    "Council",
    "Association",
    "Federation",
    "Confederation",
    "Union",
    "University",
    "College",
    "Institute",
    "Institution",
    "Foundation",
    "Fund",
    "Trust",
    "Airlines",
    "Airline",
    "Airways",
    "Motors",
    "Industries",
    "Systems",
    "Technologies",
    "Technology",
    "Electric",
    "Electronics",
    "Petroleum",
    "Oil",
    "Energy",
    "Telecom",
    "Telecommunications",
    "Communications",
    "Reserve",
    "Exchange",
    "Times",
    "Post",
    "Journal",
    "Herald",
    "Tribune",
    "Gazette",
    "Telegraph",
    "Guardian",
    "Observer",
    "Chronicle",
    "Daily",
    "Club",
    "FC",
    "Rovers",
    "Wanderers",
    "Athletic",
    "Assembly",
    "Parliament",
    "Congress",
    "Senate",
    "Court",
    "Army",
    "Navy",
    "Police",
    "Board",
    "Authority",
    "Service",
    "Services",
    "Office",
    "Bureau",
    "Church",
    "Front",
    "Movement",
    "Alliance",
    "Organisation",
    "Organization",
    "Society",
    "League",
    "Network",
    "Securities",
    "Capital",
    "Partners",
    "Investments",
    "Investment",
    "Insurance",
    "Assurance",
    "Pharmaceuticals",
    "Pharmaceutical",
    "Laboratories",
    "Labs",
    "Chemicals",
    "Chemical",
    "Steel",
    "Mining",
    "Resources",
    "Brothers",
    "Bros",
    "Bros.",
    "Railways",
    "Railway",
    "Railroad",
    "Mines",
    "Foods",
    "Stores",
    "Entertainment",
    "Media",
    "Pictures",
    "Studios",
    "Records",
    "Software",
    "Solutions",
    "Enterprises",
    "Ventures",
    "Management",
    "Associates",
    "Consulting",
    "Hospital",
    "School",
    "Academy",
    "Museum",
    "Library",
    "Cabinet",
    "Coalition",
    "Brigade",
    "Brigades",
    "Forces",
    "Command",
    "Guard",
    "Regiment",
    "Squad",
    "Team",
    "Orchestra",
    "Magazine",
    "Broadcasting",
    "Television",
    "TV",
    "Radio",
    "News",
    "Press",
    "Cooperative",
    "Co-operative",
    "Consortium",
    "Syndicate",
    "Cartel",
    "Tribunal",
    "Secretariat",
    "Directorate",
    "Newsroom",
    "United",
    "Agencies",
    "Centre",
    "Center",
    "Force",
    "Sachs",
    "Commissions",
    "Unions",
    "Workers",
    "Federal",
    "Bourse",
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
///
/// Held by the word's FNV-1a hash ([`crate::text::fnv1a`]), which the tagger has already: a second
/// map keyed by the words' strings held the same flags in about 1.2 MB by its size (DESIGN.md 2.9). Two of the
/// lists' words sharing a hash would share their flags; a test checks that none do, and another
/// word taken for a listed one has odds of about one in 2^51.
#[derive(Debug)]
pub(crate) struct Words {
    by_hash: FxHashMap<u64, u32>,
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
        let mut by_hash: FxHashMap<u64, u32> = FxHashMap::default();
        each_listed(|w, flag| {
            *by_hash.entry(crate::text::fnv1a(w.as_bytes())).or_insert(0) |= flag
        });
        by_hash.shrink_to_fit();
        Words { by_hash }
    }

    pub fn has(&self, word: &str, flag: u32) -> bool {
        self.flags_by_hash(crate::text::fnv1a(word.as_bytes())) & flag != 0
    }

    /// [`Words::flags`] of the word whose FNV-1a hash is `hash`.
    pub(crate) fn flags_by_hash(&self, hash: u64) -> u32 {
        self.by_hash.get(&hash).copied().unwrap_or(0)
    }
}

/// Calls `add` with every listed word, as written, and its flag (a word may come more than once).
fn each_listed(mut add: impl FnMut(&str, u32)) {
    for w in STOP_WORDS {
        add(w, STOP);
        add(&capitalise(w), STOP);
        add(&w.to_uppercase(), STOP);
    }
    let lists: [(&[&str], u32); 13] = [
        (TITLES, TITLE),
        (LOWER_TITLES, LTITLE),
        (ORG_SUFFIXES, ORG_SUFFIX),
        (CORP_SUFFIXES, CORP_SUFFIX | ORG_SUFFIX),
        (ORG_HEADS, ORG_HEAD),
        (PLACE_SUFFIXES, PLACE_SUFFIX),
        (PLACE_HEADS, PLACE_HEAD),
        (PARTICLES, PARTICLE),
        (JOINERS, JOINER),
        (DEMONYMS, DEMONYM),
        (SPEECH, SPEECH_VERB),
        (EVENTS, EVENT),
        (LOC_PREPS, LOC_PREP),
    ];
    for (words, flag) in lists {
        for w in words {
            add(w, flag);
        }
    }
    for line in FIRST_NAMES.lines() {
        let name = line.trim();
        if name.is_empty() || name.starts_with('#') {
            continue;
        }
        add(&capitalise(&name.to_lowercase()), FIRST);
        add(name, FIRST);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lists are held by hash: two words sharing one would share their flags.
    #[test]
    fn no_two_listed_words_share_a_hash() {
        let mut seen: FxHashMap<u64, String> = FxHashMap::default();
        let mut words = 0;
        each_listed(|w, _| {
            words += 1;
            let before = seen
                .entry(crate::text::fnv1a(w.as_bytes()))
                .or_insert_with(|| w.to_string());
            assert_eq!(before, w, "{before:?} and {w:?} share a hash");
        });
        assert!(words > 1_000, "{words} words listed");
        let lists = Words::builtin();
        assert!(lists.has("Angela", FIRST) && lists.has("said", SPEECH_VERB));
        assert!(lists.has("THE", STOP) && !lists.has("Merkel", FIRST));
    }
}
