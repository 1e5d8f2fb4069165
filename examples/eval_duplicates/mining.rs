//! Real positives and hard negatives mined from the corpus itself: stories Reuters sent twice (repeats,
//! and corrections with a "CORRECTED - " or "CORRECTION" headline), and families of different reports
//! written from one template (rate tables, money-market forecasts, dividend and earnings notices, Fed
//! operations, price reports).
//!
//! Both are found by general rules, never by naming a company or a title. Articles are keyed by their
//! *masked headline*: figures, month names, the company before a `<TICKER>` and the words the body only
//! ever capitalises mid-sentence (names) are masked, so "COMERICA <CMCA> RAISES PRIME RATE" and
//! "CHEMICAL <CHL> RAISES PRIME RATE TO 7-3/4 PCT" share "N <T> RAISES PRIME RATE ...". Within a key,
//! pairs are compared on their body with figures masked (template similarity) and unmasked (text
//! similarity), and on their figures.

use std::collections::{BTreeMap, HashMap};

use newsidx::text::fold::{fold, words};
use time::OffsetDateTime;

/// What one article offers the mining rules.
pub struct Doc<'a> {
    pub title: Option<&'a str>,
    pub body: &'a str,
    pub published: Option<OffsetDateTime>,
}

/// A pair of corpus articles the rules labelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Label {
    /// The same text sent again (same figures).
    Repeat,
    /// A "CORRECTED"/"CORRECTION" story and the earlier one it corrects.
    Correction,
    /// Two different reports from one template (a figure or the company named differs).
    Template(Kind),
    /// Same template and near-identical text, but the rules cannot tell a silent correction from a
    /// different report (other figures on the same day), or a repeat from a report that recurs
    /// unchanged (the same text more than two days apart): left out of every count.
    Unsure,
}

/// Template kinds, by a rule on the masked headline. `FedOperation` covers the operations and
/// reserve figures of the Fed and other central banks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Rate,
    MoneyMarket,
    Dividend,
    Earnings,
    FedOperation,
    Commodity,
    Other,
}

pub const KINDS: [Kind; 7] = [
    Kind::Rate,
    Kind::MoneyMarket,
    Kind::Dividend,
    Kind::Earnings,
    Kind::FedOperation,
    Kind::Commodity,
    Kind::Other,
];

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Rate => "rate",
            Kind::MoneyMarket => "money-market",
            Kind::Dividend => "dividend",
            Kind::Earnings => "earnings",
            Kind::FedOperation => "fed-operation",
            Kind::Commodity => "commodity",
            Kind::Other => "other",
        }
    }

    /// The kind of a masked headline: the first rule whose words it holds (whole words, or word
    /// prefixes where marked `*`).
    pub fn of(masked: &str) -> Kind {
        const RULES: [(Kind, &[&str]); 7] = [
            (
                Kind::FedOperation,
                &["RESERVES", "REPURCHASE*", "MATCHED", "BALANCES AT FED"],
            ),
            (
                Kind::MoneyMarket,
                &[
                    "MONEY MARKET",
                    "SHORTAGE",
                    "LIQUIDITY",
                    "BILLS",
                    "ASSISTANCE",
                    "HELP",
                ],
            ),
            (
                Kind::Dividend,
                &[
                    "DIV*",
                    "PAYOUT",
                    "QUARTERLY",
                    "QTLY",
                    "DISTRIBUTION",
                    "SPLIT",
                ],
            ),
            (
                Kind::Earnings,
                &[
                    "QTR", "NET", "LOSS", "PROFIT*", "EARNINGS", "SHR", "OPER", "REVS",
                ],
            ),
            (
                Kind::Rate,
                &["RATE*", "RATES", "PRIME", "YIELD*", "DISCOUNT", "LIBOR"],
            ),
            (
                Kind::Commodity,
                &[
                    "OIL",
                    "CRUDE",
                    "GASOLINE",
                    "HEATING",
                    "WHEAT",
                    "CORN",
                    "SOYBEAN*",
                    "GRAIN*",
                    "SUGAR",
                    "COFFEE",
                    "COCOA",
                    "GOLD",
                    "SILVER",
                    "COPPER",
                    "ALUMINUM",
                    "ZINC",
                    "TIN",
                    "HOG*",
                    "CATTLE",
                    "L-CATTLE",
                    "PORK",
                    "LIVESTOCK",
                    "SLAUGHTER",
                    "FUTURES",
                    "PRICE*",
                    "COMEX",
                    "CBT",
                    "CME",
                    "NYMEX",
                    "RUBBER",
                    "COTTON",
                    "PALM",
                    "COMMODITY",
                    "DISTILLATE",
                    "LARD",
                    "RAPESEED",
                    "SOY*",
                ],
            ),
            // Weaker signs of results, after the commodities ("... SUGAR SALES", "OIL DEMAND UP
            // ... FROM YEAR AGO").
            (Kind::Earnings, &["YEAR", "SALES"]),
        ];
        let ws: Vec<&str> = masked.split(' ').collect();
        let padded = format!(" {masked} ");
        RULES
            .iter()
            .find(|(_, keys)| {
                keys.iter().any(|k| {
                    if let Some(prefix) = k.strip_suffix('*') {
                        ws.iter().any(|w| w.starts_with(prefix))
                    } else if k.contains(' ') {
                        padded.contains(&format!(" {k} "))
                    } else {
                        ws.contains(k)
                    }
                })
            })
            .map_or(Kind::Other, |(kind, _)| *kind)
    }
}

const MONTHS: [&str; 24] = [
    "JAN",
    "FEB",
    "MAR",
    "APR",
    "MAY",
    "JUN",
    "JUL",
    "AUG",
    "SEP",
    "SEPT",
    "OCT",
    "NOV",
    "DEC",
    "JANUARY",
    "FEBRUARY",
    "MARCH",
    "APRIL",
    "JUNE",
    "JULY",
    "AUGUST",
    "SEPTEMBER",
    "OCTOBER",
    "NOVEMBER",
    "DECEMBER",
];

fn has_digit(w: &str) -> bool {
    w.bytes().any(|b| b.is_ascii_digit())
}

/// A headline flagged as a correction ("CORRECTED - ", "CORRECTION:"), and the headline without the
/// flag or a repeat flag ("RPT - ").
pub fn strip_flags(title: &str) -> (bool, &str) {
    let t = title.trim_start();
    for (flag, corrected) in [
        ("CORRECTED", true),
        ("CORRECTION", true),
        ("RPT", false),
        ("REPEAT", false),
    ] {
        let Some(head) = t.get(..flag.len()) else {
            continue;
        };
        let rest = &t[flag.len()..];
        let sep = |c: char| c.is_whitespace() || c == '-' || c == ':' || c == '\u{2014}';
        // A whole word followed by a separator: "CORRECTIONS <CCAX.O>" names a company.
        if head.eq_ignore_ascii_case(flag) && rest.starts_with(sep) {
            return (corrected, rest.trim_start_matches(sep));
        }
    }
    (false, t)
}

/// Words of the body that it writes capitalised inside a sentence and never in lower case: names.
fn body_names(body: &str) -> std::collections::HashSet<String> {
    let (mut caps, mut lower) = (
        std::collections::HashSet::new(),
        std::collections::HashSet::new(),
    );
    for line in body.lines() {
        let mut after_stop = true;
        for raw in line.split_whitespace() {
            let w = raw.trim_matches(|c: char| !c.is_alphanumeric());
            if !w.is_empty() && !has_digit(w) {
                let mut cs = w.chars();
                let first = cs.next().unwrap_or(' ');
                if first.is_uppercase() && cs.any(char::is_lowercase) {
                    if !after_stop {
                        caps.insert(w.to_uppercase());
                    }
                } else if w.chars().all(|c| !c.is_uppercase()) {
                    lower.insert(w.to_uppercase());
                }
            }
            after_stop = raw.ends_with('.') || raw.ends_with(':');
        }
    }
    caps.retain(|w| !lower.contains(w));
    caps
}

/// The masked headline (the body's first words when there is no headline): the template key.
pub fn masked_title(doc: &Doc<'_>) -> String {
    let head: String = match doc.title.filter(|t| !t.trim().is_empty()) {
        Some(t) => strip_flags(t).1.to_string(),
        None => doc
            .body
            .split_whitespace()
            .take(6)
            .collect::<Vec<_>>()
            .join(" "),
    };
    let names = body_names(doc.body);
    let ws: Vec<&str> = head.split_whitespace().collect();
    // The company comes before its ticker: "ACME CORP <ACME> 1ST QTR NET".
    let ticker = ws.iter().rposition(|w| w.starts_with('<'));
    let mut out: Vec<&str> = Vec::new();
    for (k, w) in ws.iter().enumerate() {
        let bare = w
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_uppercase();
        let m = if w.starts_with('<') {
            "<T>"
        } else if ticker.is_some_and(|t| k < t) || names.contains(&bare) {
            "N"
        } else if has_digit(w) || MONTHS.contains(&bare.as_str()) {
            "#"
        } else {
            w
        };
        if (m == "N" || m == "#") && out.last() == Some(&m) {
            continue;
        }
        out.push(m);
    }
    out.join(" ").to_uppercase()
}

/// A figure as written, normalised: "1,750" and "1750" are one figure.
fn figure(w: &str) -> String {
    w.replace(',', "")
}

/// Sorted, deduplicated hashes of the two-word shingles of folded words.
fn shingle_set(ws: &[String]) -> Vec<u64> {
    let hash = |s: &str, seed: u64| {
        s.bytes().fold(0xcbf2_9ce4_8422_2325u64 ^ seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
    };
    let mut out: Vec<u64> = if ws.len() < 2 {
        ws.iter().map(|w| hash(w, 0)).collect()
    } else {
        ws.windows(2)
            .map(|p| hash(&p[0], 0).rotate_left(17) ^ hash(&p[1], 1))
            .collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut both) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - both;
    if union == 0 {
        1.0
    } else {
        both as f64 / union as f64
    }
}

/// What the rules compare of one article.
struct Features {
    key: String,
    corrected: bool,
    /// The headline without a correction or repeat flag, upper case (the first words without one).
    title: String,
    /// Its words, figures masked, sorted (tickers are words: "ACME<ACM>" is "ACME <ACM>").
    title_words: Vec<String>,
    /// Body shingles with figures masked, and as written.
    masked: Vec<u64>,
    raw: Vec<u64>,
    figures: Vec<String>,
    /// The first 12 body words, for repeats whose headline changed.
    lead: Option<String>,
    published: Option<OffsetDateTime>,
}

fn features(doc: &Doc<'_>) -> Features {
    let folded = fold(doc.body);
    let ws: Vec<String> = words(&folded).map(str::to_string).collect();
    let masked: Vec<String> = ws
        .iter()
        .map(|w| if has_digit(w) { "#".into() } else { w.clone() })
        .collect();
    let title_folded = fold(doc.title.unwrap_or(""));
    let mut figures: Vec<String> = words(&title_folded)
        .map(str::to_string)
        .chain(ws.iter().cloned())
        .filter(|w| has_digit(w))
        .map(|w| figure(&w))
        .collect();
    figures.sort_unstable();
    figures.dedup();
    let (corrected, title) = match doc.title.filter(|t| !t.trim().is_empty()) {
        Some(t) => {
            let (corrected, title) = strip_flags(t);
            (corrected, title.to_uppercase())
        }
        // The first line, which names the table and its time ("... RUBBER (YEN PER KILO) - APRIL 07").
        None => (
            false,
            doc.body
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .split_whitespace()
                .take(12)
                .collect::<Vec<_>>()
                .join(" ")
                .to_uppercase(),
        ),
    };
    Features {
        key: masked_title(doc),
        corrected,
        title_words: title_words(&title),
        title,
        masked: shingle_set(&masked),
        raw: shingle_set(&ws),
        figures,
        lead: (ws.len() >= 12).then(|| ws[..12].join(" ")),
        published: doc.published,
    }
}

fn title_words(title: &str) -> Vec<String> {
    let spaced = title.replace('<', " <").replace('>', "> ");
    let mut ws: Vec<String> = spaced
        .split_whitespace()
        .map(|w| {
            let w = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '<' && c != '>');
            if has_digit(w) {
                "#".to_string()
            } else {
                w.to_uppercase()
            }
        })
        .filter(|w| !w.is_empty())
        .collect();
    ws.sort_unstable();
    ws.dedup();
    ws
}

/// The share of `a`'s words found in `b` (both sorted).
fn contained(a: &[String], b: &[String]) -> f64 {
    let found = a.iter().filter(|w| b.binary_search(w).is_ok()).count();
    found as f64 / a.len().max(1) as f64
}

/// The tickers a headline names, without their exchange suffix ("<IRDV.O>" is "<IRDV").
fn tickers(words: &[String]) -> Vec<&str> {
    let mut out: Vec<&str> = words
        .iter()
        .filter(|w| w.starts_with('<'))
        .map(|w| w.split(['.', '>']).next().unwrap_or(w))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The figures a headline names, in order.
fn title_figures(title: &str) -> Vec<String> {
    title
        .split_whitespace()
        .filter(|w| has_digit(w))
        .map(figure)
        .collect()
}

/// Thresholds of the rules (shares of two-word shingles in common).
const TEMPLATE_SIMILAR: f64 = 0.5;
const NEAR_IDENTICAL: f64 = 0.8;
/// A correction may rewrite around the figure it corrects, and shorten the headline.
const CORRECTION_SIMILAR: f64 = 0.35;
const CORRECTION_TITLE: f64 = 0.5;
/// A repeat is sent again within this many days.
const REPEAT_DAYS: i64 = 2;

/// The label of a pair of articles that share a key or their first words, or of a correction and an
/// earlier article, if any.
fn label(a: &Features, b: &Features) -> Option<Label> {
    let text = jaccard(&a.raw, &b.raw);
    if a.corrected || b.corrected {
        // A correction repeats the story it corrects (or another correction of it): the text but
        // for a figure, and most of the headline's words.
        let (c, o) = if a.corrected { (a, b) } else { (b, a) };
        let earlier = o.corrected
            || match (o.published, c.published) {
                (Some(o), Some(c)) => o <= c,
                _ => true,
            };
        let headline = contained(&c.title_words, &o.title_words) >= CORRECTION_TITLE;
        return (earlier && headline && text >= CORRECTION_SIMILAR).then_some(Label::Correction);
    }
    let same_figures = a.figures == b.figures;
    // The same headline; or a repeat's headline that kept the ticker and most words, or (without
    // a ticker) all of its words: "ACME FUND SETS PAYOUT" and "ZENITH FUND SETS PAYOUT" are not one.
    let (ab, ba) = (
        contained(&a.title_words, &b.title_words),
        contained(&b.title_words, &a.title_words),
    );
    let ticker = tickers(&a.title_words);
    let same_headline = a.title == b.title
        || (!ticker.is_empty() && ticker == tickers(&b.title_words) && ab.min(ba) >= 0.5)
        || ab.max(ba) >= 1.0;
    if same_headline && same_figures && text >= NEAR_IDENTICAL {
        // Sent again within days; the same text weeks apart is a report that recurs unchanged
        // ("... LEAVES CREDIT POLICIES UNCHANGED"), which no text rule can tell from a repeat.
        let weeks_apart = match (a.published, b.published) {
            (Some(x), Some(y)) => (x - y).whole_days().abs() > REPEAT_DAYS,
            _ => false,
        };
        return Some(if weeks_apart {
            Label::Unsure
        } else {
            Label::Repeat
        });
    }
    if a.key != b.key || jaccard(&a.masked, &b.masked) < TEMPLATE_SIMILAR {
        return None;
    }
    // Another calendar day and half a day apart: a daily report, not a story sent around midnight.
    let other_day = match (a.published, b.published) {
        (Some(x), Some(y)) => x.date() != y.date() && (x - y).whole_hours().abs() >= 12,
        _ => false,
    };
    // Truly different reports: another company or figure in the headline, or other figures on
    // another day (daily and weekly reports). The same headline, or the same company (ticker) with
    // the same headline figures, with other figures on the same day may be an update or a silent
    // correction.
    let same_company = !ticker.is_empty() && ticker == tickers(&b.title_words);
    let same_slots =
        a.title == b.title || (same_company && title_figures(&a.title) == title_figures(&b.title));
    if !same_slots || (!same_figures && other_day) {
        Some(Label::Template(Kind::of(&a.key)))
    } else {
        Some(Label::Unsure)
    }
}

/// What the corpus yields.
pub struct Mined {
    /// Labelled pairs `(i, j)`, `i < j`, of corpus indices.
    pub labels: HashMap<(usize, usize), Label>,
    /// Groups of one story sent more than once (repeats and corrections, joined), ascending.
    pub repeat_groups: Vec<Vec<usize>>,
    /// Template families: members (ascending) joined by template pairs under one key, with the kind.
    pub families: Vec<(Kind, Vec<usize>)>,
    pub keys: Vec<String>,
    pub corrected: Vec<bool>,
}

/// Disjoint sets with path halving.
struct Sets(Vec<usize>);

impl Sets {
    fn find(&mut self, mut x: usize) -> usize {
        while self.0[x] != x {
            self.0[x] = self.0[self.0[x]];
            x = self.0[x];
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.0[a.max(b)] = a.min(b);
        }
    }
    fn groups(&mut self, members: impl Iterator<Item = usize>) -> Vec<Vec<usize>> {
        let mut by_root: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for i in members {
            let r = self.find(i);
            by_root.entry(r).or_default().push(i);
        }
        let mut out: Vec<Vec<usize>> = by_root.into_values().filter(|g| g.len() >= 2).collect();
        for g in &mut out {
            g.sort_unstable();
            g.dedup();
        }
        out.sort();
        out
    }
}

/// Mines repeats, corrections and template families from the whole corpus.
pub fn mine(docs: &[Doc<'_>]) -> Mined {
    use rayon::prelude::*;
    let feats: Vec<Features> = docs.par_iter().map(features).collect();
    // Candidates: the same masked headline, or the same first words.
    let mut by_key: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut by_lead: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, f) in feats.iter().enumerate() {
        by_key.entry(&f.key).or_default().push(i);
        if let Some(lead) = &f.lead {
            by_lead.entry(lead).or_default().push(i);
        }
    }
    let mut candidates: Vec<(usize, usize)> = Vec::new();
    for group in by_key.values().chain(by_lead.values()) {
        for (x, &i) in group.iter().enumerate() {
            for &j in &group[x + 1..] {
                candidates.push((i.min(j), i.max(j)));
            }
        }
    }
    // A correction is compared with every article of the two weeks before it (and other corrections).
    for (c, fc) in feats.iter().enumerate().filter(|(_, f)| f.corrected) {
        for (o, fo) in feats.iter().enumerate() {
            let near = match (fo.published, fc.published) {
                (Some(o), Some(c)) => (c - o).whole_days().abs() <= 14,
                _ => true,
            };
            if o != c && near {
                candidates.push((o.min(c), o.max(c)));
            }
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    let labelled: Vec<((usize, usize), Label)> = candidates
        .par_iter()
        .filter_map(|&(i, j)| label(&feats[i], &feats[j]).map(|l| ((i, j), l)))
        .collect();
    let mut labels: HashMap<(usize, usize), Label> = labelled.into_iter().collect();

    let n = docs.len();
    let mut same_story = Sets((0..n).collect());
    let mut template = Sets((0..n).collect());
    let mut sorted: Vec<(&(usize, usize), &Label)> = labels.iter().collect();
    sorted.sort_unstable_by_key(|(p, _)| **p);
    for (&(i, j), l) in &sorted {
        match l {
            Label::Repeat | Label::Correction => same_story.union(i, j),
            Label::Template(_) => template.union(i, j),
            Label::Unsure => {}
        }
    }
    let repeat_groups = same_story.groups(0..n);
    // Pairs inside one repeat group are one story, whatever the pair rule said of them; a
    // template pair joined through repeats is no longer a different report.
    let mut story_of: Vec<usize> = (0..n).collect();
    for g in &repeat_groups {
        for &i in g {
            story_of[i] = g[0];
        }
    }
    labels.retain(|&(i, j), l| match l {
        Label::Template(_) | Label::Unsure => story_of[i] != story_of[j],
        _ => true,
    });
    let families = template
        .groups(0..n)
        .into_iter()
        .map(|g| (Kind::of(&feats[g[0]].key), g))
        .collect();
    Mined {
        labels,
        repeat_groups,
        families,
        keys: feats.iter().map(|f| f.key.clone()).collect(),
        corrected: feats.iter().map(|f| f.corrected).collect(),
    }
}
