//! Table-driven tests of the extractor. Most cases use a small inline gazetteer so that they do not
//! move when the built-in list grows; the seed article uses the built-in one.

use std::sync::OnceLock;

use super::{EntityKind, Extractor, ExtractorBuilder, Gazetteer};
use crate::Error;

const TEST_GAZETTEER: &str = r#"{"version": 1, "entities": [
  {"type": "person", "name": "Vladimir Putin", "aliases": ["Putin"]},
  {"type": "person", "name": "Donald Trump", "aliases": ["Trump"]},
  {"type": "person", "name": "Angela Merkel", "aliases": ["Merkel"]},
  {"type": "person", "name": "Jens Stoltenberg", "aliases": ["Stoltenberg"], "active": [1990, 2030]},
  {"type": "org", "name": "Kremlin"},
  {"type": "org", "name": "White House", "aliases": []},
  {"type": "place", "name": "Russia", "aliases": ["Russian Federation"]},
  {"type": "place", "name": "Moscow"},
  {"type": "place", "name": "Netherlands", "aliases": ["the Netherlands", "Holland"]},
  {"type": "place", "name": "United States", "aliases": ["U.S.", "US"]},
  {"type": "place", "name": "London"},
  {"type": "place", "name": "Chicago"},
  {"type": "org", "name": "World Health Organization", "aliases": ["WHO"]}
]}"#;

const SEED: &str = include_str!("../../index-fixtures/seeds/000_aecc5211d1b19b5f.txt");

fn extractor() -> &'static Extractor {
    static EXTRACTOR: OnceLock<Extractor> = OnceLock::new();
    EXTRACTOR.get_or_init(|| {
        let gazetteer = Gazetteer::from_json(TEST_GAZETTEER, "test").expect("test gazetteer");
        ExtractorBuilder::new()
            .gazetteer(gazetteer)
            .build()
            .expect("test extractor")
    })
}

fn builtin() -> &'static Extractor {
    static EXTRACTOR: OnceLock<Extractor> = OnceLock::new();
    EXTRACTOR.get_or_init(|| ExtractorBuilder::new().build().expect("builtin extractor"))
}

/// Each case: a text and the exact mentions (kind, canonical name, surface text) in text order.
macro_rules! mentions {
    ($($test:ident: $text:expr => [$(($kind:ident, $name:expr, $surface:expr)),* $(,)?];)*) => {
        $(
            #[test]
            fn $test() {
                let got: Vec<(EntityKind, String, String)> = extractor()
                    .extract($text)
                    .into_iter()
                    .map(|m| {
                        assert_eq!(&$text[m.start..m.end], m.text, "offsets of {:?}", m);
                        (m.kind, m.name, m.text)
                    })
                    .collect();
                let want: Vec<(EntityKind, String, String)> =
                    vec![$((EntityKind::$kind, $name.to_string(), $surface.to_string())),*];
                assert_eq!(got, want, "text: {:?}", $text);
            }
        )*
    };
}

mentions! {
    title_is_not_part_of_name: "President Donald Trump spoke." =>
        [(Person, "Donald Trump", "Donald Trump")];
    lowercase_role_and_short_form: "Kremlin spokesman Dmitry Peskov said Peskov would call." =>
        [(Org, "Kremlin", "Kremlin"), (Person, "Dmitry Peskov", "Dmitry Peskov"),
         (Person, "Dmitry Peskov", "Peskov")];
    short_form_before_full_name: "Peskov added that Dmitry Peskov was tired." =>
        [(Person, "Dmitry Peskov", "Peskov"), (Person, "Dmitry Peskov", "Dmitry Peskov")];
    // A bare surname without evidence keeps its surface name (see `bare_surname_needs_evidence`).
    possessives_straight_and_curly: "Putin's aide met Trump\u{2019}s lawyer." =>
        [(Person, "Putin", "Putin"), (Person, "Trump", "Trump")];
    possessive_after_title: "President Putin's aide met Chancellor Merkel\u{2019}s aide." =>
        [(Person, "Vladimir Putin", "Putin"), (Person, "Angela Merkel", "Merkel")];
    sentence_openers_are_not_names: "Following the talks, nothing changed. Neither side spoke. Prior to that, calm." =>
        [];
    nationality_and_title_dropped: "German Chancellor Angela Merkel met Russian President Vladimir Putin." =>
        [(Person, "Angela Merkel", "Angela Merkel"), (Person, "Vladimir Putin", "Vladimir Putin")];
    // Canonical company names fold corporate suffixes; the text keeps them.
    org_suffix: "He joined Acme Widgets Corp last year." =>
        [(Org, "Acme Widgets", "Acme Widgets Corp")];
    org_head_with_of: "She studied at the University of Chicago in 1990." =>
        [(Org, "University of Chicago", "University of Chicago")];
    org_with_nationality: "The Russian Foreign Ministry said no." =>
        [(Org, "Russian Foreign Ministry", "Russian Foreign Ministry")];
    place_suffix: "Boats sailed down the Volga River on Monday." =>
        [(Place, "Volga River", "Volga River")];
    dateline_in_caps: "MOSCOW 1996-08-30 Shares fell." =>
        [(Place, "Moscow", "MOSCOW")];
    all_caps_headline: "VLADIMIR PUTIN MEETS DONALD TRUMP IN MOSCOW AS TALKS OPEN" =>
        [(Person, "Vladimir Putin", "VLADIMIR PUTIN"), (Person, "Donald Trump", "DONALD TRUMP"),
         (Place, "Moscow", "MOSCOW")];
    shouted_acronym_is_a_word: "ELCOR UPS QTLY DIV" =>
        [];
    no_gazetteer_match_inside_a_word: "Russianness and the Moscowvian words." =>
        [];
    hyphenated_compound: "A Russia-backed plan and President Trump-era rules." =>
        [(Place, "Russia", "Russia"), (Person, "Donald Trump", "Trump")];
    leading_article_not_in_span: "Talks in the Netherlands ended." =>
        [(Place, "Netherlands", "Netherlands")];
    // The full name seen earlier in the article is the evidence for the surname.
    known_surname_with_new_first_name: "Eric Trump spoke, then Trump left." =>
        [(Person, "Eric Trump", "Eric Trump"), (Person, "Eric Trump", "Trump")];
    first_name_rule: "Yesterday Michael Flynn resigned." =>
        [(Person, "Michael Flynn", "Michael Flynn")];
    dotted_acronym_place: "Troops from the U.S. arrived." =>
        [(Place, "United States", "U.S.")];
    acronym_that_is_a_word_in_caps_run: "WHO IS IT" =>
        [];
    acronym_in_caps_run: "US TROOPS LAND" =>
        [(Place, "United States", "US")];
    line_wrapped_name: "said Kremlin spokesman Dmitry\nPeskov on Friday." =>
        [(Org, "Kremlin", "Kremlin"), (Person, "Dmitry Peskov", "Dmitry\nPeskov")];
    place_after_in: "The meeting took place in Ulan-Ude, officials said." =>
        [(Place, "Ulan-Ude", "Ulan-Ude")];
    dateline_agency_is_an_org: "MOSCOW (Meridian Wire) - Dmitry Peskov said." =>
        [(Place, "Moscow", "MOSCOW"), (Org, "Meridian Wire", "Meridian Wire"),
         (Person, "Dmitry Peskov", "Dmitry Peskov")];
    name_wrapped_across_lines: "Talks at the White\n    House ended; the  Russian\tFederation left." =>
        [(Org, "White House", "White\n    House"), (Place, "Russia", "Russian\tFederation")];
    empty_text: "" => [];
    only_spaces_and_marks: " \u{301}\u{301} \n\n \u{200b} " => [];
    combining_marks_stay_in_words: "Moscowe\u{301} is not Moscow." =>
        [(Place, "Moscow", "Moscow")];
}

/// Each case: text, then names (any kind) that must NOT be extracted.
macro_rules! never {
    ($($test:ident: $text:expr => [$($name:expr),* $(,)?];)*) => {
        $(
            #[test]
            fn $test() {
                let got = builtin().extract($text);
                for bad in [$($name),*] {
                    assert!(
                        got.iter().all(|m| m.name != bad && m.text != bad),
                        "{bad:?} extracted from {:?}: {got:?}", $text
                    );
                }
            }
        )*
    };
}

never! {
    seed_false_positives: SEED => ["Following", "Prior", "Neither", "Kremlin spokesman",
        "Pres Putin", "The"];
    title_alone: "The President said the Chancellor would call the Prime Minister." =>
        ["President", "Chancellor", "Prime Minister", "Minister"];
    weekday_and_month: "On Monday in March the markets rose." => ["Monday", "March", "On"];
}

#[test]
fn seed_article_entities() {
    let found = builtin().extract_article(None, SEED);
    let want = [
        (EntityKind::Person, "Donald Trump"),
        (EntityKind::Person, "Vladimir Putin"),
        (EntityKind::Person, "Angela Merkel"),
        (EntityKind::Person, "Dmitry Peskov"),
        (EntityKind::Person, "Sean Spicer"),
        (EntityKind::Person, "Michael Flynn"),
        (EntityKind::Person, "Reince Priebus"),
        (EntityKind::Person, "Stephen K. Bannon"),
        (EntityKind::Person, "Mike Pence"),
        (EntityKind::Person, "Malcolm Turnbull"),
        (EntityKind::Person, "Shinzo Abe"),
        (EntityKind::Person, "Barack Obama"),
        (EntityKind::Org, "White House"),
        (EntityKind::Org, "Kremlin"),
        (EntityKind::Place, "Russia"),
        (EntityKind::Place, "Moscow"),
        (EntityKind::Place, "United States"),
        (EntityKind::Place, "Middle East"),
    ];
    for (kind, name) in want {
        assert!(
            found.iter().any(|(k, n)| *k == kind && n == name),
            "{kind} {name} missing from {found:?}"
        );
    }
    assert!(
        found
            .iter()
            .any(|(k, n)| *k == EntityKind::Org && n.eq_ignore_ascii_case("buzzfeed")),
        "Buzzfeed missing from {found:?}"
    );
    let mut sorted = found.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(found, sorted, "extract_article is sorted and distinct");
}

#[test]
fn headline_resolved_with_body_context() {
    let body = "Kremlin spokesman Dmitry Peskov said the call with Donald Trump went well. Peskov added more.";
    for title in [
        "Peskov Says Call With Trump Went Well",
        "PESKOV SAYS CALL WITH TRUMP WENT WELL",
        "Peskov says call went well",
    ] {
        let got = extractor().extract_article(Some(title), body);
        assert_eq!(
            got,
            vec![
                (EntityKind::Person, "Dmitry Peskov".to_string()),
                (EntityKind::Person, "Donald Trump".to_string()),
                (EntityKind::Org, "Kremlin".to_string()),
            ],
            "title {title:?}"
        );
    }
    // In a Title Case headline, capitals alone make no entity.
    let got = extractor().extract_article(Some("Markets Rally As Investors Cheer"), "prices rose.");
    assert!(got.is_empty(), "{got:?}");
}

macro_rules! kinds {
    ($($input:expr => $want:expr;)*) => {
        #[test]
        fn entity_kind_from_str() {
            $(
                let got: Option<EntityKind> = $input.parse().ok();
                assert_eq!(got, $want, "parsing {:?}", $input);
            )*
        }
    };
}

kinds! {
    "person" => Some(EntityKind::Person);
    "PER" => Some(EntityKind::Person);
    "people" => Some(EntityKind::Person);
    "org" => Some(EntityKind::Org);
    "Organisation" => Some(EntityKind::Org);
    "organization" => Some(EntityKind::Org);
    "place" => Some(EntityKind::Place);
    "loc" => Some(EntityKind::Place);
    "location" => Some(EntityKind::Place);
    "thing" => None;
    "" => None;
}

#[test]
fn entity_kind_names_round_trip() {
    for kind in EntityKind::ALL {
        assert_eq!(kind.as_str().parse::<EntityKind>().ok(), Some(kind));
        assert_eq!(kind.to_string(), kind.as_str());
        let json = serde_json::to_string(&kind).expect("serialise");
        assert_eq!(json, format!("\"{}\"", kind.as_str()));
    }
}

/// Each case: gazetteer JSON and a fragment the error message must contain (with the origin).
macro_rules! bad_gazetteers {
    ($($test:ident: $json:expr => $fragment:expr;)*) => {
        $(
            #[test]
            fn $test() {
                match Gazetteer::from_json($json, "my.json") {
                    Err(Error::Gazetteer { origin, message }) => {
                        assert_eq!(origin, "my.json");
                        assert!(message.contains($fragment), "{message:?} lacks {:?}", $fragment);
                    }
                    other => panic!("expected a gazetteer error, got {other:?}"),
                }
            }
        )*
    };
}

bad_gazetteers! {
    gazetteer_not_json: "{not json" => "not valid gazetteer JSON";
    gazetteer_wrong_version: r#"{"version": 2, "entities": []}"# => "unsupported version 2";
    gazetteer_no_version: r#"{"entities": []}"# => "version";
    gazetteer_no_entities: r#"{"version": 1}"# => "entities";
    gazetteer_bad_type: r#"{"version": 1, "entities": [{"type": "thing", "name": "X"}]}"# =>
        "entities[0] (\"X\"): unknown type \"thing\"";
    gazetteer_empty_name: r#"{"version": 1, "entities": [{"type": "org", "name": " "}]}"# =>
        "entities[0]: empty name";
    gazetteer_empty_alias: r#"{"version": 1, "entities": [{"type": "org", "name": "A", "aliases": [""]}]}"# =>
        "aliases[0] is empty";
    gazetteer_missing_name: r#"{"version": 1, "entities": [{"type": "org"}]}"# => "entities[0]";
}

#[test]
fn merge_lets_the_other_gazetteer_win() {
    let mut base = Gazetteer::from_json(TEST_GAZETTEER, "base").expect("base");
    let n = base.len();
    let user = Gazetteer::from_json(
        r#"{"version": 1, "entities": [
            {"type": "org", "name": "Putin Fan Club", "aliases": ["Putin"]},
            {"type": "place", "name": "moscow", "aliases": ["Moskva"]},
            {"type": "org", "name": "Acme"}
        ]}"#,
        "user",
    )
    .expect("user");
    base.merge(user);
    assert_eq!(
        base.len(),
        n + 2,
        "moscow replaced Moscow, two entities added"
    );
    let ex = ExtractorBuilder::new()
        .gazetteer(base)
        .build()
        .expect("build");
    let got: Vec<(EntityKind, String)> = ex
        .extract("Putin visited Moskva and Acme.")
        .into_iter()
        .map(|m| (m.kind, m.name))
        .collect();
    assert_eq!(
        got,
        vec![
            (EntityKind::Org, "Putin Fan Club".to_string()),
            (EntityKind::Place, "moscow".to_string()),
            (EntityKind::Org, "Acme".to_string()),
        ]
    );
}

#[test]
fn lookup_matches_names_and_aliases_ignoring_case() {
    let ex = extractor();
    let putin = vec![(EntityKind::Person, "Vladimir Putin".to_string())];
    assert_eq!(ex.lookup("putin"), putin);
    assert_eq!(ex.lookup("VLADIMIR PUTIN"), putin);
    assert_eq!(ex.lookup(" Putin "), putin);
    assert_eq!(
        ex.lookup("the netherlands"),
        vec![(EntityKind::Place, "Netherlands".to_string())]
    );
    assert!(ex.lookup("nobody").is_empty());
}

/// A gazetteer answers a lookup as the extractor compiled from it does: the built-in one merged
/// with a user file whose names collide with built-in ones, for a sample of its names and aliases
/// in several spellings, and for names it does not hold.
#[test]
fn a_gazetteer_looks_names_up_as_its_compiled_extractor_does() {
    let user = r#"{"version": 1, "entities": [
      {"type": "org", "name": "The Cartel", "aliases": ["OPEC", "the cartel"]},
      {"type": "person", "name": "Vladimir Putin", "aliases": ["Vova", "The Boss"]},
      {"type": "place", "name": "Baker", "aliases": ["Baker City", "the"]}
    ]}"#;
    let user = Gazetteer::from_json(user, "user").expect("user gazetteer");
    let gazetteer = Gazetteer::builtin_with(Some(user)).expect("builtin");
    let ex = ExtractorBuilder::new()
        .gazetteer(gazetteer.clone())
        .rules(false)
        .build()
        .expect("build");
    let raw: serde_json::Value =
        serde_json::from_str(include_str!("../../schemas/entities.json")).expect("json");
    let mut forms: Vec<String> = ["vova", "opec", "The Cartel", "baker city", "the", "boss"]
        .map(String::from)
        .to_vec();
    for entity in raw["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .step_by(23)
    {
        forms.extend(entity["name"].as_str().map(String::from));
        for alias in entity["aliases"].as_array().into_iter().flatten() {
            forms.extend(alias.as_str().map(String::from));
        }
    }
    let mut found = 0;
    for form in &forms {
        for spelled in [
            form.clone(),
            form.to_uppercase(),
            form.to_lowercase(),
            format!("  {form} "),
            format!("the {form}"),
            format!("The {form}"),
            format!("{form}x"),
        ] {
            let want = ex.lookup(&spelled);
            found += usize::from(!want.is_empty());
            assert_eq!(gazetteer.lookup(&spelled), want, "{spelled:?}");
        }
    }
    assert!(
        forms.len() > 300 && found > 3 * forms.len(),
        "{found} of {}",
        forms.len()
    );
}

#[test]
fn rules_can_be_switched_off() {
    let gazetteer = Gazetteer::from_json(TEST_GAZETTEER, "test").expect("gazetteer");
    let ex = ExtractorBuilder::new()
        .gazetteer(gazetteer)
        .rules(false)
        .build()
        .expect("build");
    let got: Vec<String> = ex
        .extract("Kremlin spokesman Dmitry Peskov met Angela Merkel; Merkel smiled.")
        .into_iter()
        .map(|m| m.name)
        .collect();
    assert_eq!(got, ["Kremlin", "Angela Merkel", "Angela Merkel"]);
}

#[test]
fn builtin_gazetteer_loads() {
    let g = Gazetteer::builtin().expect("builtin gazetteer parses");
    assert!(g.len() > 100, "builtin gazetteer has {} entities", g.len());
    assert!(!builtin().lookup("putin").is_empty());
}

#[test]
fn extractor_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Extractor>();
}

#[test]
fn never_panics_and_offsets_are_char_boundaries() {
    let nasty = [
        "\u{0}\u{1}\u{7f}",
        "É\u{301}\u{301}cole Ñandú ÜBER ALLES İstanbul ß ẞ ﬁ",
        "'s ’s - -- ' ' . . . K. K. U.S. U.S.A. A.B.C.D.E.F",
        "Putin'",
        "Putin's",
        "Trump\u{2019}",
        "President",
        "of of of & & de de",
        "a\u{200d}b \u{1f1f7}\u{1f1fa} \u{1f600}Moscow\u{1f600}",
        "МОСКВА Москва 北京 東京 القاهرة",
        "Mr.",
        "Dr. Dr. Dr.",
        "-\u{301}- Ki-",
        "IN MOSCOW\nin moscow\n\n\nMOSCOW",
    ];
    let long = "Vladimir Putin met Angela Merkel in Moscow. ".repeat(2_000);
    for text in nasty.iter().copied().chain(std::iter::once(long.as_str())) {
        for ex in [extractor(), builtin()] {
            // Every char-boundary prefix and suffix of the short texts, the whole of the long one.
            let cuts: Vec<usize> = if text.len() < 200 {
                (0..=text.len())
                    .filter(|&i| text.is_char_boundary(i))
                    .collect()
            } else {
                vec![0, text.len()]
            };
            for &cut in &cuts {
                for piece in [&text[..cut], &text[cut..]] {
                    for m in ex.extract(piece) {
                        assert!(piece.is_char_boundary(m.start) && piece.is_char_boundary(m.end));
                        assert!(m.start < m.end && m.end <= piece.len());
                        assert_eq!(&piece[m.start..m.end], m.text);
                    }
                    let _ = ex.extract_article(Some(piece), piece);
                }
            }
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 1024,
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// The entity tokens read from the shared word stream are those the char-by-char tokenizer cut.
    #[test]
    fn tokens_from_the_shared_stream_equal_the_char_tokenizer(
        pieces in proptest::collection::vec(proptest::sample::select(&[
            "Putin", "Putin's", "O'Neill", "U.S.", "U.N", "K.", "Stephen", "x", "S", "'s", "'", "\u{2019}",
            ".", "..", "-", "Trump-era", "Zu\u{308}rich", "\u{308}", "\u{308}a", "1,750", "5.93", "A.",
            "東京", "\n", "\n\n", " ", "\t", "(", "\"", "ÉLAN", "é\u{301}", "AT&T", "Dr.", "a.b.c",
        ][..]), 0..30),
    ) {
        let text = pieces.concat();
        let got = super::tokens::tokenize(&text, &crate::text::Tokens::new(&text));
        let want = super::tokens::tokenize_chars(&text);
        let key = |t: &super::tokens::Token| (t.start, t.end, t.flags);
        proptest::prop_assert_eq!(
            got.iter().map(key).collect::<Vec<_>>(),
            want.iter().map(key).collect::<Vec<_>>(),
            "text {:?}", text
        );
    }
}

/// Cases read with the built-in gazetteer and its names as features (the small test list lacks
/// them): (text, [(kind, surface)]).
#[test]
fn titles_and_roles_stay_out_of_names() {
    for (text, want) in [
        (
            "White House Press Secretary Sean Spicer posted a photo.",
            &[
                (EntityKind::Org, "White House"),
                (EntityKind::Person, "Sean Spicer"),
            ][..],
        ),
        (
            "Mr. Peskov and Dr. Jane Roe spoke.",
            &[
                (EntityKind::Person, "Peskov"),
                (EntityKind::Person, "Jane Roe"),
            ][..],
        ),
    ] {
        let got: Vec<(EntityKind, String)> = builtin()
            .extract(text)
            .into_iter()
            .map(|m| (m.kind, m.text))
            .collect();
        let want: Vec<(EntityKind, String)> =
            want.iter().map(|(k, t)| (*k, t.to_string())).collect();
        assert_eq!(got, want, "{text}");
    }
}

#[test]
fn acronyms_count_in_mixed_case_but_not_when_shouted() {
    let gazetteer = Gazetteer::from_json(TEST_GAZETTEER, "test").unwrap();
    let lists_only = ExtractorBuilder::new()
        .gazetteer(gazetteer)
        .rules(false)
        .build()
        .unwrap();
    let names = |text: &str| -> Vec<String> {
        lists_only
            .extract(text)
            .into_iter()
            .map(|m| m.name)
            .collect()
    };
    assert_eq!(names("The WHO said so."), ["World Health Organization"]);
    assert!(names("THE WHO SAID SO AND WHO KNOWS").is_empty());
}

#[test]
fn a_title_short_form_resolves_to_the_full_name() {
    let got: Vec<(EntityKind, String, String)> = builtin()
        .extract("Prime Minister Shinzo Abe spoke. Later Prime Minister Abe left.")
        .into_iter()
        .map(|m| (m.kind, m.name, m.text))
        .collect();
    let want = [("Shinzo Abe", "Shinzo Abe"), ("Shinzo Abe", "Abe")]
        .map(|(n, t)| (EntityKind::Person, n.to_string(), t.to_string()));
    assert_eq!(got, want);
}

#[test]
fn events_are_not_entities() {
    // The learned tagger may still read "Chicago" inside the event as the city (a known miss).
    let got = extractor().extract("Australia won the Davis Cup and the Chicago Marathon.");
    assert!(
        got.iter()
            .all(|m| !m.text.contains("Cup") && !m.text.contains("Marathon")),
        "{got:?}"
    );
    assert!(got.iter().any(|m| m.name == "Australia"), "{got:?}");
}

#[test]
fn titles_split_a_chunk() {
    // With the built-in gazetteer's first names as evidence (the small test list has none).
    let got: Vec<(EntityKind, String)> = builtin()
        .extract("Chief Strategist and Senior Counselor Stephen K. Bannon left.")
        .into_iter()
        .map(|m| (m.kind, m.text))
        .collect();
    assert_eq!(got, [(EntityKind::Person, "Stephen K. Bannon".to_string())]);
}

#[test]
fn bare_surname_needs_evidence() {
    use crate::text::Tokens;
    let x = extractor();
    // Names of any type: which type the tagger gives a lone surname is its own guess.
    let people = |body: &str, year: Option<i32>| -> Vec<String> {
        let meta = super::Meta { year, source: None };
        x.extract_article_meta(None, (body, &Tokens::new(body)), meta)
            .into_iter()
            .filter(|(_, n)| n.contains("Stoltenberg"))
            .map(|(_, n)| n)
            .collect()
    };
    let body = "Ministers met in Bonn. Finance Minister Stoltenberg said the mark would stay firm.";
    // 1987: the gazetteer's Jens Stoltenberg was not yet in the news; the surface name stays.
    assert_eq!(people(body, Some(1987)), ["Stoltenberg"]);
    assert_eq!(people(body, Some(2015)), ["Jens Stoltenberg"]);
    // A full name in the article is evidence, whatever the date.
    let full = "Gerhard Stoltenberg arrived. Stoltenberg said the mark would stay firm.";
    assert_eq!(people(full, Some(1987)), ["Gerhard Stoltenberg"]);
}

#[test]
fn a_line_break_after_a_short_line_ends_a_name() {
    let got = extractor().extract_article(
        None,
        "By Robert Kitson\nLONDON, March 3 - Shares in Imperial Chemical Industries rose.",
    );
    assert!(
        got.iter()
            .any(|(k, n)| *k == EntityKind::Person && n == "Robert Kitson"),
        "{got:?}"
    );
    assert!(
        got.iter()
            .all(|(_, n)| !n.contains('\n') && !n.contains("LONDON")),
        "{got:?}"
    );
}

#[test]
fn the_wire_is_not_an_entity_of_its_own_story() {
    let body =
        "LONDON, March 3 (Reuters) - Imperial Chemical Industries said profits rose.\n Reuter\n";
    let got = extractor().extract_article(None, body);
    assert!(got.iter().all(|(_, n)| !n.starts_with("Reuter")), "{got:?}");
}

#[test]
fn a_shouted_surname_is_the_person_named_in_full() {
    let got: Vec<(String, String)> = extractor()
        .extract("Zoltan Kerekes spoke on Monday.\n\nKEREKES SAYS TALKS WENT WELL")
        .into_iter()
        .map(|m| (m.name, m.text))
        .collect();
    assert!(
        got.contains(&("Zoltan Kerekes".to_string(), "KEREKES".to_string())),
        "{got:?}"
    );
}

/// A name-dense text of about `bytes` bytes: every sentence names two people never named before
/// (made-up names, so the article's own list of names grows with it) and places the gazetteer
/// knows, and refers back to both by surname.
fn name_dense(bytes: usize) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ru", "ten", "vos", "dar", "bel", "sor", "nu", "pra", "gel", "tam", "ri",
        "zo", "hen",
    ];
    let name = |k: usize, salt: usize| -> String {
        let mut word: String = (0..3)
            .map(|d| SYLLABLES[((k >> (4 * d)) + salt) % 16])
            .collect();
        word[..1].make_ascii_uppercase();
        word
    };
    let surname = |full: &str| full.rsplit(' ').next().unwrap_or_default().to_string();
    let mut text = String::new();
    let mut k = 0;
    while text.len() < bytes {
        let a = format!("{} {}", name(k, 0), name(k, 7));
        let b = format!("{} {}", name(k + 1, 3), name(k + 1, 11));
        text.push_str(&format!(
            "{a} met {b} in Moscow on Monday. {} said {} would visit London and Chicago.\n",
            surname(&a),
            surname(&b)
        ));
        k += 2;
    }
    text
}

/// Names and hits looked at while extracting `text` with the built-in extractor.
fn compared(text: &str) -> u64 {
    let before = super::COMPARED.with(std::cell::Cell::get);
    let mentions = builtin().extract(text);
    assert!(mentions.len() > text.len() / 100, "{}", mentions.len());
    super::COMPARED.with(std::cell::Cell::get) - before
}

/// Issue 16: resolving a record's names compared each mention with every name before it, and each
/// tagged span with every gazetteer hit of the record (`extract` took 7.4 s at 1 MB, 37.5 s at
/// 2 MB). Four times the text must cost about four times the lookups, not sixteen.
#[test]
fn extraction_looks_at_a_bounded_number_of_names_per_mention() {
    let small = compared(&name_dense(32 * 1024));
    let large = compared(&name_dense(128 * 1024));
    assert!(small > 0);
    assert!(
        large <= 6 * small,
        "{small} names and hits looked at for 32 KB, {large} for 128 KB"
    );
    eprintln!("{small} names and hits looked at for 32 KB, {large} for 128 KB");
}

#[test]
fn extractors_are_told_apart_by_gazetteer_tagger_and_confidence() {
    let identity = |builder: ExtractorBuilder| builder.build().expect("extractor").identity();
    let plain = identity(ExtractorBuilder::new());
    assert_eq!(plain, identity(ExtractorBuilder::new()), "deterministic");
    assert_eq!(plain, builtin().identity());
    let mut more = Gazetteer::builtin().expect("builtin");
    more.merge(
        Gazetteer::from_json(
            r#"{"version":1,"entities":[{"type":"org","name":"Acme Widgets"}]}"#,
            "test",
        )
        .expect("gazetteer"),
    );
    let others = [
        identity(ExtractorBuilder::new().gazetteer(more)),
        identity(ExtractorBuilder::new().rules(false)),
        identity(ExtractorBuilder::new().min_confidence(0.9)),
    ];
    for other in others {
        assert_ne!(other, plain);
    }
    let tagger = super::Tagger::builtin().expect("tagger");
    let bytes = tagger.to_bytes();
    let again = super::Tagger::from_bytes(&bytes, "copy").expect("copy");
    assert_eq!(tagger.identity(), again.identity(), "a model read back");
    let mut changed = bytes.clone();
    let last = changed.len() - 1;
    changed[last] ^= 1;
    let changed = super::Tagger::from_bytes(&changed, "changed").expect("changed");
    assert_ne!(tagger.identity(), changed.identity(), "one weight differs");
}

/// The built-in model is read in place from the binary; a model file of the first layout (features
/// as sorted records, which earlier versions wrote) is still read, to the same model and the same
/// spans.
#[test]
fn the_builtin_model_is_read_in_place_and_older_model_files_still_read() {
    let tagger = super::Tagger::builtin().expect("tagger");
    assert!(tagger.in_place());
    let copy = super::Tagger::from_bytes(&tagger.to_bytes(), "copy").expect("copy");
    assert!(!copy.in_place());
    let older = super::Tagger::from_bytes(&tagger.to_record_bytes(), "older.bin").expect("older");
    assert_eq!(older.identity(), tagger.identity());
    assert_eq!(older.to_bytes(), tagger.to_bytes());
    let extract = |t: super::Tagger| {
        ExtractorBuilder::new()
            .tagger(t)
            .build()
            .expect("extractor")
            .extract("Angela Merkel met Vladimir Putin in Moscow; Gazprom said talks went on.")
    };
    assert_eq!(extract(older), extract(tagger));
}

/// A model file whose header claims more features than any file could hold is refused with an
/// error naming it, not a panic (the table's size is computed from that count).
#[test]
fn a_model_claiming_impossibly_many_features_is_an_error() {
    let bytes = super::Tagger::builtin().expect("tagger").to_bytes();
    let magic = super::tagger::MAGIC.len();
    let record = 4 + 2 * super::tagger::LABELS;
    let len = u32::from_le_bytes(bytes[magic..magic + 4].try_into().expect("4 bytes")) as usize;
    let mut header: serde_json::Value =
        serde_json::from_slice(&bytes[magic + 4..magic + 4 + len]).expect("header");
    for claimed in [usize::MAX, usize::MAX / 2, usize::MAX / record + 1] {
        header["features"] = serde_json::json!(claimed);
        let header = serde_json::to_vec(&header).expect("json");
        let mut model = bytes[..magic].to_vec();
        model.extend_from_slice(&(header.len() as u32).to_le_bytes());
        model.extend_from_slice(&header);
        model.extend_from_slice(&bytes[magic + 4 + len..]);
        let err = super::Tagger::from_bytes(&model, "claims.bin").expect_err("refused");
        assert!(err.to_string().contains("claims.bin"), "{err}");
    }
}

/// The tagger's context computes facts only for the tokens its plan reads; every feature of every
/// island token, and every span's confidence, is what the context of all tokens gives.
#[test]
fn tagger_context_of_the_planned_tokens_equals_the_full_one() {
    let ex = builtin();
    let tagger = ex.tagger.as_ref().expect("built-in tagger");
    let letters: Vec<String> = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/index-fixtures/letters"
    ))
    .map(|dir| {
        dir.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
            .collect()
    })
    .unwrap_or_default();
    let wire = include_str!("../../index-fixtures/wire.jsonl");
    let texts = [
        SEED,
        wire,
        "IN MOSCOW\nin moscow\n\n\nMOSCOW said Kremlin spokesman Dmitry\nPeskov.",
    ]
    .into_iter()
    .chain(letters.iter().map(String::as_str));
    let mut compared = 0;
    for text in texts {
        for headline in [false, true] {
            let mut toks = super::tokens::tokenize(text, &crate::text::Tokens::new(text));
            super::tokens::mark_context(text, &mut toks, headline);
            let hits = ex.compiled.find(text, &toks);
            let seqs = super::tagger::sequences(text, &toks);
            let plan = super::tagger::plan(text, &toks, &seqs);
            let kind = |id| ex.compiled.entity(id).0;
            let full = super::tagger::Context::new(text, &toks, &hits, kind, &ex.words, None);
            let planned = super::tagger::Context::new(
                text,
                &toks,
                &hits,
                kind,
                &ex.words,
                Some(&plan.needed),
            );
            for (seq, island) in &plan.islands {
                for i in island.clone() {
                    let (mut a, mut b) = (Vec::new(), Vec::new());
                    full.features(i, seq.clone(), &mut a);
                    planned.features(i, seq.clone(), &mut b);
                    assert_eq!(
                        a,
                        b,
                        "features of token {i} of {:?}",
                        &text[..text.len().min(60)]
                    );
                    assert_eq!(
                        full.capitalised_by_position(i),
                        planned.capitalised_by_position(i)
                    );
                    compared += 1;
                }
            }
            let spans = |ctx| -> Vec<_> {
                tagger
                    .margin_spans(ctx, &plan)
                    .into_iter()
                    .map(|(s, m)| {
                        (
                            s.first,
                            s.last,
                            s.class,
                            s.confidence.to_bits(),
                            s.by_position,
                            m.to_bits(),
                        )
                    })
                    .collect()
            };
            assert_eq!(spans(&full), spans(&planned));
        }
    }
    assert!(compared > 1_000, "only {compared} tokens compared");
}
