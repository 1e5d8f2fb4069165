use super::minhash::VERSION_BYTE;
use super::story::Bands;
use super::*;

const SEED_0: &str = include_str!("../../index-fixtures/seeds/000_aecc5211d1b19b5f.txt");
const SEED_1: &str = include_str!("../../index-fixtures/seeds/001_a6f8cf2398086dd3.txt");
const SEED_2: &str = include_str!("../../index-fixtures/seeds/002_b9033812e55315ed.txt");

const UNRELATED: &str = "Showers continued throughout the week in the Bahia cocoa zone, alleviating the \
        drought since early January and improving prospects for the coming temporao, although normal \
        humidity levels have not been restored, Comissaria Smith said in its weekly review. The dry \
        period means the temporao will be late this year.";

const DIVIDEND: &str =
    "Qtly div 35 cts vs 35 cts prior\n    Payable March 31\n    Record March nine\n\n Reuter";

/// Distance cases, one per line: `name: (title, body) vs (title, body) => near | far`.
/// `near` means within [`DEFAULT_MAX_DISTANCE`]; `far` means beyond it.
macro_rules! distance_cases {
        ($($name:ident: ($ta:expr, $a:expr) vs ($tb:expr, $b:expr) => $want:ident;)*) => {$(
            #[test]
            fn $name() {
                let d = distance(&Signature::of($ta, &$a), &Signature::of($tb, &$b));
                distance_cases!(@check $want, d);
            }
        )*};
        (@check near, $d:expr) => { assert!($d <= DEFAULT_MAX_DISTANCE, "distance {} > {}", $d, DEFAULT_MAX_DISTANCE) };
        (@check far, $d:expr) => { assert!($d > DEFAULT_MAX_DISTANCE, "distance {} too small", $d) };
    }

fn straighten(text: &str) -> String {
    text.replace(['\u{201C}', '\u{201D}'], "\"")
        .replace('\u{2019}', "'")
}

fn one_paragraph_per_sentence(text: &str) -> String {
    text.replace(". ", ".\n\n    ")
}

fn with_debris(text: &str) -> String {
    format!("{text}\nRead more: Kremlin says no breakthrough expected\nhttps://example.com/a/b pic.twitter.com/Xy12")
}

/// The first `percent` of the words of `text`.
fn cut(text: &str, percent: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    words[..words.len() * percent / 100].join(" ")
}

distance_cases! {
    seed_0_vs_1: (None, SEED_0) vs (None, SEED_1) => near;
    seed_0_vs_2: (None, SEED_0) vs (None, SEED_2) => near;
    seed_1_vs_2: (None, SEED_1) vs (None, SEED_2) => near;
    seed_vs_itself: (Some("Trump calls Putin"), SEED_2) vs (Some("Trump calls Putin"), SEED_2) => near;
    seed_straight_quotes: (None, SEED_2) vs (None, straighten(SEED_2)) => near;
    seed_reparagraphed: (None, SEED_2) vs (None, one_paragraph_per_sentence(SEED_2)) => near;
    seed_debris: (None, SEED_2) vs (None, with_debris(SEED_2)) => near;
    seed_cut_by_a_third: (None, SEED_2) vs (None, cut(SEED_2, 67)) => near;
    // Cut to a fifth, the copy's shingles are 21% of the original's: 39.5 by exact sets, too
    // close to the default for a test. Cut to a twentieth it is short, and far.
    seed_cut_to_a_twentieth: (None, SEED_2) vs (None, cut(SEED_2, 5)) => far;
    seed_vs_unrelated: (None, SEED_2) vs (None, UNRELATED) => far;
    seed_vs_unrelated_same_title: (Some("News"), SEED_2) vs (Some("News"), UNRELATED) => far;
    dividend_same_company: (Some("EMHART CORP <EMH> QTLY DIVIDEND"), DIVIDEND) vs (Some("Emhart Corp QTLY DIVIDEND"), DIVIDEND) => near;
    dividend_other_company: (Some("EMHART CORP <EMH> QTLY DIVIDEND"), DIVIDEND) vs (Some("TULTEX CORP <TTX> QTLY DIVIDEND"), DIVIDEND) => far;
    empty_vs_empty: (None, "") vs (None, "") => far;
}

#[test]
fn distance_is_symmetric_and_zero_on_equal_text() {
    let a = Signature::of(Some("Trump calls Putin"), SEED_0);
    let b = Signature::of(None, SEED_1);
    assert_eq!(distance(&a, &b), distance(&b, &a));
    assert_eq!(distance(&a, &a), 0);
    assert_eq!(distance(&a, &Signature::of(None, "")), 100);
}

#[test]
fn jaccard_estimate_is_close() {
    // Two texts of 400 distinct words sharing the first `shared` of them: 399 shingles each, of
    // which `shared - 1` are common.
    for shared in [0usize, 100, 200, 300, 400] {
        let a: Vec<String> = (0..400).map(|i| format!("w{i}")).collect();
        let b: Vec<String> = (0..400)
            .map(|i| {
                if i < shared {
                    format!("w{i}")
                } else {
                    format!("x{i}")
                }
            })
            .collect();
        let (a, b) = (
            Signature::of(None, &a.join(" ")),
            Signature::of(None, &b.join(" ")),
        );
        let common = shared.saturating_sub(1) as f64;
        let truth = common / (2.0 * 399.0 - common);
        let estimate = a.minhash.jaccard(&b.minhash);
        assert!(
            (estimate - truth).abs() < 0.1,
            "{shared}: {estimate} vs {truth}"
        );
    }
}

#[test]
fn signature_bytes_round_trip() {
    let sig = Signature::of(Some("Trump calls Putin"), SEED_1);
    assert_eq!(sig.minhash.to_bytes().len(), MinHash::BYTES);
    assert_eq!(
        MinHash::from_bytes(&sig.minhash.to_bytes()).ok(),
        Some(sig.minhash.clone())
    );
    let packed = sig.to_packed();
    assert_eq!(packed.len(), packed.capacity(), "sized in one allocation");
    assert_eq!(Signature::from_packed(&packed).ok(), Some(sig));
    for end in 0..packed.len() {
        assert!(
            Signature::from_packed(&packed[..end]).is_err(),
            "cut at {end}"
        );
    }
}

/// Junk for `MinHash::from_bytes`, and for `Signature::from_packed` with it as the MinHash: `name:
/// bytes => accepted`.
macro_rules! from_bytes_cases {
        ($($name:ident: $bytes:expr => $ok:expr;)*) => {$(
            #[test]
            fn $name() {
                let bytes: Vec<u8> = $bytes;
                assert_eq!(MinHash::from_bytes(&bytes).is_ok(), $ok, "MinHash of {} bytes", bytes.len());
                let mut long = bytes.clone();
                long.extend_from_slice(&[0; 8]);
                long.extend_from_slice(&Facts::default().to_packed());
                assert_eq!(Signature::from_packed(&long).is_ok(), $ok, "Signature of {} bytes", long.len());
            }
        )*};
    }

fn versioned(len: usize, fill: u8) -> Vec<u8> {
    let mut bytes = vec![fill; len];
    if let Some(first) = bytes.first_mut() {
        *first = VERSION_BYTE;
    }
    bytes
}

from_bytes_cases! {
    from_bytes_empty: vec![] => false;
    from_bytes_one: vec![VERSION_BYTE] => false;
    from_bytes_short: versioned(MinHash::BYTES - 1, 7) => false;
    from_bytes_long: versioned(MinHash::BYTES + 1, 7) => false;
    from_bytes_old_version: vec![2; MinHash::BYTES] => false;
    from_bytes_other_version: vec![0xff; MinHash::BYTES] => false;
    from_bytes_any_values: versioned(MinHash::BYTES, 0xab) => true;
    from_bytes_zeros: versioned(MinHash::BYTES, 0) => true;
}

#[test]
fn empty_and_odd_input_do_not_panic() {
    for (title, body) in [
        (None, ""),
        (Some(""), ""),
        (Some("x"), ""),
        (None, "a"),
        (None, "..."),
    ] {
        let sig = Signature::of(title, body);
        let _ = distance(&sig, &sig);
    }
    assert_eq!(Signature::of(None, "").simhash, Fingerprint(0));
    assert_eq!(Signature::of(None, "...").minhash.shingles(), 0);
    assert_eq!(Signature::of(Some("x"), "a").minhash.shingles(), 3);
}

#[test]
fn signature_is_stable() {
    // Stored signatures must not change silently: bump ALGORITHM_VERSION with these values.
    assert_eq!(ALGORITHM_VERSION, 5);
    let sig = Signature::of(None, "one two three four");
    assert_eq!(sig, Signature::of(None, "One, two: three four!"));
    assert_eq!(sig.minhash.shingles(), 3);
    assert_eq!(sig.minhash.to_bytes()[..5], [5, 3, 0, 0, 0]);
}

#[test]
fn bands_are_chosen_by_threshold() {
    assert_eq!(
        Bands::choose(20_000, DEFAULT_MAX_DISTANCE),
        Some(Bands { rows: 2 })
    );
    assert_eq!(Bands::choose(20_000, 10), Some(Bands { rows: 4 }));
    assert_eq!(Bands::choose(20_000, 100), None);
    assert_eq!(Bands::choose(100, 10), None);
    assert!((Bands::jaccard_at(0) - 1.0).abs() < 1e-9);
    assert!(Bands::jaccard_at(100).abs() < 1e-9);
}

/// A small deterministic generator (xorshift*), so the tests need no crate.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }
}

/// Stories of 20-200 words from a small vocabulary (so unrelated ones share shingles too), each
/// followed by 0-3 copies with words changed and the ending cut, at distances around any threshold.
fn planted(n: usize, seed: u64) -> Vec<Signature> {
    let mut rng = Rng(seed);
    let mut sigs = Vec::with_capacity(n);
    while sigs.len() < n {
        let len = 20 + rng.below(180);
        let story: Vec<String> = (0..len).map(|_| format!("w{}", rng.below(300))).collect();
        sigs.push(Signature::of(None, &story.join(" ")));
        for _ in 0..rng.below(4) {
            let mut copy = story.clone();
            for _ in 0..rng.below(len / 4 + 1) {
                let at = rng.below(copy.len());
                copy[at] = format!("w{}", rng.below(300));
            }
            copy.truncate(len - rng.below(len / 3 + 1));
            sigs.push(Signature::of(None, &copy.join(" ")));
        }
    }
    sigs.truncate(n);
    sigs
}

/// [`stories`] by comparing every pair: in order, each item joins the nearest earlier leader.
fn brute_force(sigs: &[Signature], k: u32) -> Vec<Vec<usize>> {
    let rule = StoryRule::new(k);
    let mut leaders: Vec<usize> = Vec::new();
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for i in 0..sigs.len() {
        let nearest = leaders
            .iter()
            .filter_map(|&l| rule.accepts(&sigs[l], &sigs[i]).map(|d| (d, l)))
            .min();
        match nearest {
            Some((_, l)) => groups.entry(l).or_insert_with(|| vec![l]).push(i),
            None => leaders.push(i),
        }
    }
    groups.into_values().collect()
}

/// `stories` against brute force: `name: (n, seed, max_distance)`.
macro_rules! story_cases {
        ($($name:ident: ($n:expr, $seed:expr, $k:expr);)*) => {$(
            #[test]
            fn $name() {
                let sigs = planted($n, $seed);
                let groups = stories(&sigs, StoryRule::new($k));
                assert_eq!(groups, brute_force(&sigs, $k));
                assert!($n < 300 || !groups.is_empty());
            }
        )*};
    }

story_cases! {
    stories_empty: (0, 1, 10);
    stories_one: (1, 1, 10);
    stories_small_brute_path: (50, 2, 35);
    stories_k0: (800, 3, 0);
    stories_k5: (800, 4, 5);
    stories_k10: (800, 5, 10);
    stories_k20: (800, 6, 20);
    stories_default: (800, 7, DEFAULT_MAX_DISTANCE);
    stories_k45: (800, 8, 45);
    stories_k100: (300, 9, 100);
}

#[test]
fn clusters_on_duplicated_signatures() {
    let sigs = vec![Signature::of(None, UNRELATED); 5];
    assert_eq!(stories(&sigs, StoryRule::new(0)), vec![vec![0, 1, 2, 3, 4]]);
    let empty = vec![Signature::of(None, ""); 300];
    assert!(stories(&empty, StoryRule::new(50)).is_empty());
}

/// `collapse` cases over texts: `name: [texts] within k => [(leader, [members])]`; each member's
/// distance must be its [`distance`] to the leader.
macro_rules! collapse_cases {
        ($($name:ident: [$($text:expr),*] within $k:expr => [$(($leader:expr, [$($m:expr),*])),*];)*) => {$(
            #[test]
            fn $name() {
                let sigs: Vec<Signature> = vec![$(Signature::of(None, &$text)),*];
                let want: Vec<Story> = vec![$(Story {
                    leader: $leader,
                    members: vec![$(($m, distance(&sigs[$leader], &sigs[$m]))),*],
                }),*];
                assert_eq!(collapse(&sigs, StoryRule::new($k)), want);
            }
        )*};
    }

collapse_cases! {
    collapse_empty: [] within 30 => [];
    collapse_singletons: [SEED_2, UNRELATED] within 30 => [(0, []), (1, [])];
    collapse_copies: [SEED_0, UNRELATED, SEED_1, with_debris(UNRELATED), SEED_2] within 30 => [(0, [2, 4]), (1, [3])];
    collapse_leader_is_best: [cut(SEED_2, 70), UNRELATED, SEED_2] within 30 => [(0, [2]), (1, [])];
    collapse_no_chain: [cut(SEED_2, 40), cut(SEED_2, 70), SEED_2] within 25 => [(0, [1]), (2, [])];
    collapse_zero: [SEED_2, straighten(SEED_2), SEED_1] within 0 => [(0, [1]), (2, [])];
}

#[test]
fn collapse_agrees_with_stories() {
    let sigs = planted(400, 99);
    let from_collapse: Vec<Vec<usize>> = collapse(&sigs, StoryRule::new(20))
        .into_iter()
        .filter(|g| !g.members.is_empty())
        .map(|g| {
            std::iter::once(g.leader)
                .chain(g.members.iter().map(|m| m.0))
                .collect()
        })
        .collect();
    assert_eq!(from_collapse, stories(&sigs, StoryRule::new(20)));
}

/// Facts cases: `name: (title, body) vs (title, body) => conflict | agree`, on the facts alone.
macro_rules! facts_cases {
    ($($name:ident: ($ta:expr, $a:expr) vs ($tb:expr, $b:expr) => $want:ident;)*) => {$(
        #[test]
        fn $name() {
            let a = Signature::of($ta, &$a);
            let b = Signature::of($tb, &$b);
            let want = stringify!($want) == "conflict";
            assert_eq!(a.facts.conflict(&b.facts), want, "a->b");
            assert_eq!(b.facts.conflict(&a.facts), want, "b->a");
        }
    )*};
}

const FORECAST: &str = "The Bank of England said it forecast a shortage of around 800 mln stg in the \
    money market today. Among the main factors, bills maturing in official hands and the treasury bill \
    take-up will drain some 1,050 mln stg, while below target bankers' balances take out 120 mln.";

const REPOS: &str = "The Federal Reserve entered the U.S. Government securities market to arrange \
    1.5 billion dlrs of customer repurchase agreements, a Fed spokesman said. Dealers said Federal \
    funds were trading at 6-3/16 pct when the Fed began its temporary supply of reserves.";

facts_cases! {
    facts_other_amount: (None, REPOS) vs (None, REPOS.replace("1.5", "2.5")) => conflict;
    facts_amount_in_words: (None, REPOS) vs (None, REPOS.replace("1.5", "two")) => conflict;
    facts_same_amount_in_words: (None, REPOS.replace("6-3/16", "6")) vs (None, REPOS.replace("6-3/16", "six")) => agree;
    facts_same_text: (Some("Forecast"), FORECAST) vs (Some("Forecast"), FORECAST) => agree;
    facts_other_figures: (None, FORECAST) vs (None, FORECAST.replace("800", "450").replace("1,050", "730")) => conflict;
    facts_one_figure_of_few: (None, FORECAST) vs (None, FORECAST.replace("800", "450")) => conflict;
    facts_thousands_separator: (None, FORECAST) vs (None, FORECAST.replace("1,050", "1050")) => agree;
    facts_percent_sign: (None, "Rates rose to 5.5 pct on May 05.") vs (None, "Rates rose to 5.5% on May 5.") => agree;
    facts_other_rate: (None, "Rates rose to 5.5 pct.") vs (None, "Rates rose to 5.75 pct.") => conflict;
    facts_cut_copy: (None, FORECAST) vs (None, cut(FORECAST, 50)) => agree;
    facts_no_figures: (None, UNRELATED) vs (None, SEED_2) => agree;
    facts_correction: (Some("CORRECTED - Forecast"), FORECAST.replace("800", "850")) vs (Some("Forecast"), FORECAST) => agree;
    facts_seeds: (None, SEED_0) vs (None, SEED_1) => agree;
    facts_seeds_2: (None, SEED_1) vs (None, SEED_2) => agree;
}

#[test]
fn parties_conflict_only_when_both_lead_with_someone_the_other_never_names() {
    let mut a = Facts::default();
    let mut b = Facts::default();
    a.set_parties(["Comerica", "Detroit"], ["Comerica"]);
    b.set_parties(["Chemical", "Detroit"], ["Chemical"]);
    assert!(a.conflict(&b) && b.conflict(&a));
    // A new headline naming another party: the other copy's lead is still named in its body.
    let mut c = Facts::default();
    c.set_parties(["Comerica", "Jane Doe"], ["Jane Doe"]);
    assert!(!a.conflict(&c) && !c.conflict(&a));
    // Nothing named on one side: nothing to conflict with.
    assert!(!a.conflict(&Facts::default()));
    // One name spelt with and without its diacritics, in another case.
    let mut d = Facts::default();
    let mut e = Facts::default();
    d.set_parties(["Wrocław", "Norvale"], ["Wrocław"]);
    e.set_parties(["WROCLAW", "Poland"], ["Poland"]);
    let mut f = Facts::default();
    f.set_parties(["Poland"], ["Poland"]);
    assert!(!d.conflict(&e));
    assert!(d.conflict(&f));
}

#[test]
fn facts_round_trip_and_reject_bad_bytes() {
    let mut facts = Signature::of(Some("CORRECTED - Forecast"), FORECAST).facts;
    facts.set_parties(["Bank of England"], ["Bank of England"]);
    let bytes = facts.to_packed();
    assert_eq!(Facts::from_packed(&bytes), Some(facts));
    // Flags past the three the form has.
    let mut bad = bytes.to_vec();
    bad[2] = 8;
    assert_eq!(Facts::from_packed(&bad), None);
    assert_eq!(Facts::from_packed(&bytes[1..]), None);
}

#[test]
fn no_member_is_beyond_the_threshold_of_its_leader() {
    let sigs = planted(600, 17);
    for k in [10, 20, DEFAULT_MAX_DISTANCE] {
        let rule = StoryRule::new(k);
        let groups = collapse(&sigs, rule);
        for g in &groups {
            for &(m, d) in &g.members {
                assert!(d <= k && story_distance(&sigs[g.leader], &sigs[m]) == d);
            }
        }
        // A leader is never acceptable to an earlier leader.
        for (x, gx) in groups.iter().enumerate() {
            for gy in &groups[..x] {
                assert!(rule.accepts(&sigs[gy.leader], &sigs[gx.leader]).is_none());
            }
        }
    }
}

#[test]
fn copies_further_apart_than_the_time_bound_are_other_stories() {
    let mut a = Signature::of(None, SEED_1);
    let mut b = Signature::of(None, SEED_2);
    a.published = Some(1_000_000);
    b.published = Some(1_000_000 + 2 * 86_400);
    let rule = StoryRule {
        max_distance: DEFAULT_MAX_DISTANCE,
        within_days: Some(3),
    };
    assert!(rule.accepts(&a, &b).is_some());
    b.published = Some(1_000_000 + 4 * 86_400);
    assert!(rule.accepts(&a, &b).is_none());
    assert!(StoryRule {
        within_days: None,
        ..rule
    }
    .accepts(&a, &b)
    .is_some());
    b.published = None;
    assert!(rule.accepts(&a, &b).is_some());
}

#[test]
fn probe_keys_find_the_pairs_that_stories_finds() {
    let sigs = planted(800, 23);
    let probe = Probe::new(DEFAULT_MAX_DISTANCE);
    assert_eq!(probe.len(), 30);
    let rule = StoryRule::new(DEFAULT_MAX_DISTANCE);
    for i in 0..sigs.len() {
        for j in i + 1..sigs.len() {
            if rule.accepts(&sigs[i], &sigs[j]).is_some() {
                let a: std::collections::HashSet<u64> = probe.keys(&sigs[i]).collect();
                assert!(probe.keys(&sigs[j]).any(|k| a.contains(&k)), "{i} {j}");
            }
        }
    }
}

/// `published_close` is the time check of `accepts`: a pair beyond the bound is never accepted,
/// whatever the text, and an undated article is close to every other.
#[test]
fn published_close_is_the_time_bound_of_accepts() {
    let rule = StoryRule::default();
    let day = 86_400;
    let bound = i64::from(DEFAULT_WITHIN_DAYS) * day;
    let text = "The same report, word for word, about the central bank raising its main rate.";
    for (a, b, close) in [
        (Some(0), Some(bound), true),
        (Some(0), Some(bound + 1), false),
        (Some(bound + 1), Some(0), false),
        (None, Some(0), true),
        (Some(0), None, true),
        (None, None, true),
    ] {
        assert_eq!(rule.published_close(a, b), close, "{a:?} {b:?}");
        let (mut x, mut y) = (Signature::of(None, text), Signature::of(None, text));
        (x.published, y.published) = (a, b);
        assert_eq!(rule.accepts(&x, &y).is_some(), close, "{a:?} {b:?}");
    }
    assert!(StoryRule {
        within_days: None,
        ..rule
    }
    .published_close(Some(0), Some(100 * bound)));
}

/// A signature held compactly is accepted exactly as the whole one is: same answers and distances
/// over every pair of planted near-duplicates, with figures that differ between copies, parties that
/// conflict and dates near and far; and it keeps every part of the signature.
#[test]
fn a_held_signature_is_accepted_as_the_whole_one_is() {
    let mut sigs = planted(240, 31);
    let parties = [
        "Bundesbank",
        "Kremlin",
        "OPEC",
        "Nestle",
        "Angela Merkel",
        "Ford",
    ];
    for (i, sig) in sigs.iter_mut().enumerate() {
        if i % 3 != 0 {
            let named = [parties[i % 6], parties[(i / 2) % 6], parties[(i / 5) % 6]];
            sig.facts.set_parties(named, [parties[i % 6]]);
        }
        sig.published = (i % 7 != 0).then_some((i as i64 % 11) * 86_400);
    }
    let (mut accepted, mut refused_for_facts) = (0, 0);
    for k in [10, DEFAULT_MAX_DISTANCE, 60] {
        let rule = StoryRule::new(k);
        for a in &sigs {
            let held = HeldSignature::new(a);
            assert_eq!(held.facts(), a.facts);
            assert_eq!(
                (held.simhash, &held.minhash, held.published),
                (a.simhash, &a.minhash, a.published)
            );
            for b in &sigs {
                let whole = rule.accepts(a, b);
                assert_eq!(rule.accepts_held(&held, b), whole);
                accepted += usize::from(whole.is_some());
                refused_for_facts += usize::from(
                    whole.is_none()
                        && rule.published_close(a.published, b.published)
                        && distance(a, b) <= k
                        && a.facts.conflict(&b.facts),
                );
            }
        }
    }
    assert!(accepted > 240 * 3, "{accepted} pairs accepted");
    assert!(refused_for_facts > 0, "no pair refused for its facts");
}
