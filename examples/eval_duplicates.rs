//! Measures near-duplicate detection on Reuters-21578, and picks the default threshold.
//!
//! ```text
//! cargo run --release --example eval_duplicates -- /work/shared/data/reuters21578.jsonl
//! ```
//!
//! Copies of sampled stories are made with the edits a news index really meets (other quotes,
//! re-paragraphing, scraping debris, an edited headline, a cut ending, a few changed words, and all of
//! the light ones at once). The copies are faithful: no edit changes a figure of the text it keeps.
//! Every pair inside one story's family is a duplicate. The corpus adds real positives and hard
//! negatives (`eval_duplicates/mining.rs`): stories Reuters sent twice (repeats, and corrections with a
//! "CORRECTED"/"CORRECTION" headline), and families of different reports written from one template
//! (rate tables, money-market forecasts, dividend and earnings notices, Fed operations, price reports),
//! whose pairs are not duplicates. Every other pair is not a duplicate either, and the sample is loaded
//! with same-template stories (quarterly results, dividends, market reports).
//!
//! Precision, recall and F1 are reported per threshold of the 0..=100 distance scale, with recall per
//! edit kind and for real repeats and corrections, and the share of template-family pairs merged per
//! template kind, for [`distance`], for [`story_distance`] (figures and lead parties must agree) and
//! for the story rule ([`StoryRule`]: [`story_distance`] and at most [`DEFAULT_WITHIN_DAYS`] apart).
//! Faithful copies that [`story_distance`] parts are listed by cause. Stories are split into dev
//! (where the default threshold is chosen: the smallest within 0.002 of the best F1) and held out by
//! a hash of their id (a repeat group by its first member's). `clusters()` is checked against the
//! same rule over all pairs. Finally the whole corpus is clustered: groups with members beyond the
//! threshold from their leader (chaining), spanning more than 7 days or holding a template-family
//! pair, two proxies for false merges (headline and numbers differing from the group's first story),
//! and sample clusters printed so a person can judge whether they are real repeats of one wire story.
//! Signatures are made as the indexer makes them ([`Enricher`], with entities and dates).
//! Everything is deterministic.
//!
//! `SEARCH=1` first compares MinHash sizes (64, 120, 256 values), value bits (8, 16, 32), title
//! weights and similarity measures with min-hashes computed here (on 300-story samples);
//! `BRUTE=1` also checks `clusters()` against all pairs on the whole corpus (about 10 s);
//! `FAMILIES=1` lists every mined template family, to check the mining by eye.

#[path = "eval_duplicates/mining.rs"]
mod mining;

use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::time::Instant;

use rayon::prelude::*;

use mining::{jaccard, Kind, Label, Mined, KINDS};
use newsidx::enrich::Enricher;
use newsidx::fingerprint::{
    distance, stories as clusters, story_distance, Signature, StoryRule, DEFAULT_MAX_DISTANCE,
    DEFAULT_WITHIN_DAYS,
};
use newsidx::ingest::{parse_date, Article};
use newsidx::text::fold::{fold, words};

#[derive(serde::Deserialize)]
struct Story {
    id: String,
    title: Option<String>,
    body: String,
    published: Option<String>,
    source: Option<String>,
}

/// splitmix64: small, seeded, good enough for sampling.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64) / ((1u64 << 53) as f64) < p
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Edit {
    Quotes,
    Paragraphs,
    Debris,
    Headline,
    Trim,
    Words,
    Mixed,
}

const EDITS: [Edit; 7] = [
    Edit::Quotes,
    Edit::Paragraphs,
    Edit::Debris,
    Edit::Headline,
    Edit::Trim,
    Edit::Words,
    Edit::Mixed,
];

/// Straight quotes become curly and curly ones straight; apostrophes too.
fn swap_quotes(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut open = true;
    for c in text.chars() {
        match c {
            '"' => {
                out.push(if open { '\u{201C}' } else { '\u{201D}' });
                open = !open;
            }
            '\'' => out.push('\u{2019}'),
            '\u{201C}' | '\u{201D}' => out.push('"'),
            '\u{2019}' | '\u{2018}' => out.push('\''),
            '-' if out.ends_with(' ') => out.push('\u{2014}'),
            c => out.push(c),
        }
    }
    out
}

/// The story's paragraphs, with the hard line wraps of the wire undone.
fn paragraphs(body: &str) -> Vec<String> {
    let mut paras = Vec::new();
    let mut current = String::new();
    for line in body.lines() {
        let starts_para = line.starts_with("    ") || line.trim().is_empty();
        if starts_para && !current.is_empty() {
            paras.push(std::mem::take(&mut current));
        }
        let t = line.trim();
        if !t.is_empty() {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(t);
        }
    }
    if !current.is_empty() {
        paras.push(current);
    }
    paras
}

fn sentences(body: &str) -> Vec<String> {
    let flat = paragraphs(body).join(" ");
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = flat.as_bytes();
    for i in 0..bytes.len() {
        if bytes[i] == b'.' && (i + 1 == bytes.len() || bytes[i + 1] == b' ') {
            out.push(flat[start..=i].trim().to_string());
            start = i + 1;
        }
    }
    if start < flat.len() && !flat[start..].trim().is_empty() {
        out.push(flat[start..].trim().to_string());
    }
    out
}

fn reparagraph(body: &str, rng: &mut Rng) -> String {
    let seps = ["\n\n", "\n", "  ", " \n \n", "\r\n\r\n", "\n\n\t"];
    let sep = *rng.pick(&seps);
    let mut out = String::new();
    for (i, p) in paragraphs(body).iter().enumerate() {
        if i > 0 {
            // Join some paragraphs, split others at a sentence.
            out.push_str(if rng.chance(0.3) { " " } else { sep });
        }
        if rng.chance(0.3) {
            out.push_str(&p.replacen(". ", &format!(".{sep}"), 1));
        } else {
            out.push_str(p);
        }
    }
    out
}

fn add_debris(body: &str, other_title: &str, rng: &mut Rng) -> String {
    let mut paras = paragraphs(body);
    let n_kinds = 2 + rng.below(3);
    for _ in 0..n_kinds {
        let at = rng.below(paras.len() + 1);
        let item = match rng.below(7) {
            0 => format!("Read more: {other_title}"),
            1 => format!(
                "https://www.example-news.com/world/{}-story.html",
                rng.below(99999)
            ),
            2 => format!("pic.twitter.com/{:x}", rng.next() >> 20),
            3 => "Advertisement".to_string(),
            4 => "Follow @Reuters".to_string(),
            5 => format!("RELATED: {other_title}"),
            _ => "[".to_string(),
        };
        paras.insert(at, item);
    }
    paras.join("\n\n")
}

fn edit_headline(title: &str, rng: &mut Rng) -> String {
    let mut t = title.to_string();
    if rng.chance(0.5) {
        // Title case instead of the wire's capitals.
        t = t
            .split(' ')
            .map(|w| {
                let mut cs = w.chars();
                match cs.next() {
                    Some(f) => f.to_uppercase().collect::<String>() + &cs.as_str().to_lowercase(),
                    None => String::new(),
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
    }
    if rng.chance(0.4) {
        t = format!("UPDATE {}-{t}", 1 + rng.below(3));
    }
    if rng.chance(0.5) {
        // Drop the ticker, or a word.
        let ws: Vec<&str> = t.split(' ').collect();
        let without_ticker: Vec<&str> =
            ws.iter().copied().filter(|w| !w.starts_with('<')).collect();
        if without_ticker.len() < ws.len() {
            t = without_ticker.join(" ");
        } else if ws.len() > 2 {
            // A word, never a figure: a copy keeps the headline's figures.
            let wordy: Vec<usize> = (0..ws.len()).filter(|&i| !has_digit(ws[i])).collect();
            let drop = if wordy.is_empty() {
                usize::MAX
            } else {
                *rng.pick(&wordy)
            };
            t = ws
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != drop)
                .map(|(_, w)| *w)
                .collect::<Vec<_>>()
                .join(" ");
        }
    } else {
        t.push_str(if rng.chance(0.5) {
            " - sources"
        } else {
            ": report"
        });
    }
    t
}

fn trim_end(body: &str, rng: &mut Rng) -> String {
    let sents = sentences(body);
    let total: usize = sents.iter().map(|s| s.split(' ').count()).sum();
    let cut = 0.10 + 0.20 * (rng.below(1001) as f64 / 1000.0);
    let keep_words = ((1.0 - cut) * total as f64).round() as usize;
    let mut kept = Vec::new();
    let mut count = 0;
    for s in &sents {
        let n = s.split(' ').count();
        if count + n > keep_words && !kept.is_empty() {
            break;
        }
        kept.push(s.as_str());
        count += n;
    }
    if kept.len() == sents.len() {
        // One long sentence: cut words instead.
        let ws: Vec<&str> = body.split_whitespace().collect();
        return ws[..keep_words.max(1).min(ws.len())].join(" ");
    }
    kept.join(" ")
}

/// A few words replaced, dropped or inserted, as an editor would: figures and names (capitalised
/// words) are left alone (a copy with another figure or party is a different report or a
/// correction, not a copy), and nothing is inserted after a figure, which would part it from its
/// unit ("5 pct"), nor inside a name.
fn change_words(body: &str, edits: usize, rng: &mut Rng) -> String {
    const SUBS: [&str; 8] = [
        "stated",
        "also",
        "reportedly",
        "now",
        "about",
        "the",
        "officials",
        "new",
    ];
    let mut ws: Vec<String> = body.split_whitespace().map(str::to_string).collect();
    let (mut done, mut tries) = (0, 0);
    while done < edits && tries < 20 * edits && ws.len() >= 3 {
        tries += 1;
        let at = rng.below(ws.len());
        let fixed = |w: &str| has_digit(w) || w.starts_with(char::is_uppercase);
        let keep_at = fixed(&ws[at]);
        let inside = at > 0 && (has_digit(&ws[at - 1]) || (fixed(&ws[at - 1]) && keep_at));
        match rng.below(3) {
            0 if !keep_at => ws[at] = rng.pick(&SUBS).to_string(),
            1 if !keep_at => {
                ws.remove(at);
            }
            2 if !inside => ws.insert(at, rng.pick(&SUBS).to_string()),
            _ => continue,
        }
        done += 1;
    }
    ws.join(" ")
}

fn has_digit(w: &str) -> bool {
    w.bytes().any(|b| b.is_ascii_digit())
}

fn make_copy(
    story: &Story,
    edit: Edit,
    other_title: &str,
    rng: &mut Rng,
) -> (Option<String>, String) {
    let title = story.title.clone();
    let body = &story.body;
    let n_words = body.split_whitespace().count();
    let few = 2 + rng.below(3) + n_words / 150;
    match edit {
        Edit::Quotes => (title.map(|t| swap_quotes(&t)), swap_quotes(body)),
        Edit::Paragraphs => (title, reparagraph(body, rng)),
        Edit::Debris => (title, add_debris(body, other_title, rng)),
        Edit::Headline => (title.map(|t| edit_headline(&t, rng)), body.clone()),
        Edit::Trim => (title, trim_end(body, rng)),
        Edit::Words => (title, change_words(body, few, rng)),
        Edit::Mixed => {
            let b = swap_quotes(&reparagraph(body, rng));
            let b = add_debris(&change_words(&b, 1 + rng.below(2), rng), other_title, rng);
            (title.map(|t| edit_headline(&t, rng)), b)
        }
    }
}

/// Same-template classes: stories that share wording but not content.
fn template_class(title: &str) -> Option<usize> {
    const CLASSES: [&[&str]; 6] = [
        &[
            "QTR NET", "QTR LOSS", "QTR OPER", "1ST QTR", "2ND QTR", "3RD QTR", "4TH QTR",
        ],
        &["YEAR NET", "YEAR LOSS", "YR NET", "YR LOSS"],
        &["DIVIDEND", "PAYOUT", "QTLY DIV", "SETS DIV"],
        &[
            "MONEY MARKET",
            "BANK OF ENGLAND",
            "BUNDESBANK",
            "FED ",
            "TREASURY",
        ],
        &["DOLLAR", "GOLD", "STOCKS", "SHARES", "CLOSE", "OPEN"],
        &[
            "CRUDE", "OIL", "WHEAT", "CORN", "SOYBEAN", "SUGAR", "COFFEE", "COCOA",
        ],
    ];
    CLASSES
        .iter()
        .position(|class| class.iter().any(|k| title.contains(k)))
}

fn shingles(text: &str) -> Vec<u64> {
    let folded = fold(text);
    let ws: Vec<&str> = words(&folded).collect();
    let mut out: Vec<u64> = ws
        .windows(3.min(ws.len()).max(1))
        .map(|w| {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            w.hash(&mut h);
            h.finish()
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The corpus as the evaluation sees it: stories, the mined pairs and groups, and which story each
/// article is (a repeat's first member, or itself).
struct Corpus<'a> {
    stories: &'a [Story],
    mined: &'a Mined,
    story_of: Vec<usize>,
}

/// The split (0 dev, 1 held out) of a corpus article: a hash of its story's id, so that a repeat
/// group never spans both.
fn split_of(corpus: &Corpus<'_>, i: usize) -> usize {
    let id = &corpus.stories[corpus.story_of[i]].id;
    let h = id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    (Rng(h).next() & 1) as usize
}

/// Template-family members per family and split (chosen by a hash of their id), and members of a
/// repeat group, that go into a set: enough pairs per family without the largest families (earnings
/// notices, hundreds of them) outweighing the others.
const FAMILY_CAP: usize = 16;
const REPEAT_CAP: usize = 8;

/// One evaluation set: documents, the family (source story) and edit of each.
struct EvalSet {
    docs: Vec<(Option<String>, String)>,
    /// The corpus article a document is, `None` for an edited copy.
    corpus: Vec<Option<usize>>,
    /// The corpus article a document is or was copied from.
    from: Vec<usize>,
    family: Vec<usize>,
    edit: Vec<Option<Edit>>,
    class: Vec<Option<usize>>,
    /// Whether a corpus document's headline flags a correction.
    corrected: Vec<bool>,
    /// The mined labels of pairs of documents `(i, j)`, `i < j`, both corpus articles.
    labels: HashMap<(usize, usize), Label>,
    excluded: usize,
    sampled: usize,
    repeat_groups: usize,
    families: usize,
}

impl EvalSet {
    /// Adds a corpus article (once), returning its document index.
    fn push_corpus(
        &mut self,
        corpus: &Corpus<'_>,
        at: &mut HashMap<usize, usize>,
        i: usize,
    ) -> usize {
        if let Some(&d) = at.get(&i) {
            return d;
        }
        let s = &corpus.stories[i];
        self.docs.push((s.title.clone(), s.body.clone()));
        self.corpus.push(Some(i));
        self.from.push(i);
        self.family.push(corpus.story_of[i]);
        self.edit.push(None);
        self.class.push(s.title.as_deref().and_then(template_class));
        self.corrected.push(corpus.mined.corrected[i]);
        at.insert(i, self.docs.len() - 1);
        self.docs.len() - 1
    }
}

/// A set from one split: `size` sampled stories with their edited copies, then the split's repeat
/// groups and template families.
fn build_set(corpus: &Corpus<'_>, split: usize, size: usize, rng: &mut Rng) -> EvalSet {
    let stories = corpus.stories;
    let pool: Vec<usize> = (0..stories.len())
        .filter(|&i| split_of(corpus, i) == split)
        .collect();
    // Half from template classes, half from anything.
    let templated: Vec<usize> = pool
        .iter()
        .copied()
        .filter(|&i| {
            stories[i]
                .title
                .as_deref()
                .and_then(template_class)
                .is_some()
        })
        .collect();
    let mut chosen: Vec<usize> = Vec::new();
    let mut seen = HashSet::new();
    let mut sigs: Vec<(Vec<u64>, Vec<u64>)> = Vec::new();
    let mut excluded = 0;
    let mut tries = 0;
    while chosen.len() < size && tries < size * 20 {
        tries += 1;
        let i = if chosen.len().is_multiple_of(2) {
            *rng.pick(&templated)
        } else {
            *rng.pick(&pool)
        };
        if !seen.insert(i) {
            continue;
        }
        let s = &stories[i];
        let t = shingles(s.title.as_deref().unwrap_or(""));
        let b = shingles(&s.body);
        // A story Reuters itself repeated (same headline words, same body) that the mining did not
        // label is a true duplicate of one already chosen: keep it out rather than count it as a
        // false positive. (Mined repeats come in below, as positives.)
        if sigs
            .iter()
            .any(|(t2, b2)| jaccard(&b, b2) >= 0.5 && jaccard(&t, t2) >= 0.3)
        {
            excluded += 1;
            continue;
        }
        sigs.push((t, b));
        chosen.push(i);
    }
    let mut set = EvalSet {
        docs: Vec::new(),
        corpus: Vec::new(),
        from: Vec::new(),
        family: Vec::new(),
        edit: Vec::new(),
        class: Vec::new(),
        corrected: Vec::new(),
        labels: HashMap::new(),
        excluded,
        sampled: chosen.len(),
        repeat_groups: 0,
        families: 0,
    };
    let mut at: HashMap<usize, usize> = HashMap::new();
    for &i in &chosen {
        let s = &stories[i];
        let class = s.title.as_deref().and_then(template_class);
        set.push_corpus(corpus, &mut at, i);
        for edit in EDITS {
            let other = stories[rng.below(stories.len())]
                .title
                .clone()
                .unwrap_or_default();
            set.docs.push(make_copy(s, edit, &other, rng));
            set.corpus.push(None);
            set.from.push(i);
            set.family.push(corpus.story_of[i]);
            set.edit.push(Some(edit));
            set.class.push(class);
            set.corrected.push(false);
        }
    }
    // The order of members within a family or group: a hash of the id, so that the cap takes an
    // arbitrary but fixed subset.
    let order = |i: usize| {
        let h = stories[i].id.bytes().fold(7u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        Rng(h).next()
    };
    for group in &corpus.mined.repeat_groups {
        if split_of(corpus, group[0]) != split {
            continue;
        }
        set.repeat_groups += 1;
        let mut members = group.clone();
        members.sort_by_key(|&i| order(i));
        for &i in members.iter().take(REPEAT_CAP) {
            set.push_corpus(corpus, &mut at, i);
        }
    }
    for (_, family) in &corpus.mined.families {
        let mut members: Vec<usize> = family
            .iter()
            .copied()
            .filter(|&i| split_of(corpus, i) == split)
            .collect();
        if members.len() < 2 {
            continue;
        }
        set.families += 1;
        members.sort_by_key(|&i| order(i));
        for &i in members.iter().take(FAMILY_CAP) {
            set.push_corpus(corpus, &mut at, i);
        }
    }
    for (&(i, j), &label) in &corpus.mined.labels {
        if let (Some(&a), Some(&b)) = (at.get(&i), at.get(&j)) {
            set.labels.insert((a.min(b), a.max(b)), label);
        }
    }
    set
}

/// Distance histograms on the 0..=100 scale: positive pairs, negative pairs, negative pairs of one
/// template class, per edit the (original, copy) pairs, real repeat and correction pairs, and
/// template-family pairs per template kind.
#[derive(Clone)]
struct Histograms {
    pos: [u64; 101],
    neg: [u64; 101],
    neg_template: [u64; 101],
    per_edit: Vec<[u64; 101]>,
    /// Pairs of corpus articles of one story: repeats (0) and corrections (1).
    per_real: [[u64; 101]; 2],
    /// Pairs of one template family (different reports), per [`KINDS`].
    neg_family: Vec<[u64; 101]>,
    /// Negative pairs with an edited copy on one side (a copy of a template story against another
    /// report of the template, mostly).
    neg_copy: [u64; 101],
    /// Pairs the mining could not label, left out.
    unsure: u64,
}

impl Histograms {
    fn new() -> Histograms {
        Histograms {
            pos: [0; 101],
            neg: [0; 101],
            neg_template: [0; 101],
            per_edit: vec![[0; 101]; EDITS.len()],
            per_real: [[0; 101]; 2],
            neg_family: vec![[0; 101]; KINDS.len()],
            neg_copy: [0; 101],
            unsure: 0,
        }
    }

    /// Counts the pair `(i, j)`, `i < j`, of `set` at distance `d`.
    fn add(&mut self, set: &EvalSet, i: usize, j: usize, d: usize) {
        let label = match (set.corpus[i], set.corpus[j]) {
            (Some(_), Some(_)) => set.labels.get(&(i, j)).copied(),
            _ => None,
        };
        if label == Some(Label::Unsure) {
            self.unsure += 1;
            return;
        }
        if set.family[i] == set.family[j] {
            self.pos[d] += 1;
            if set.corpus[i].is_some() && set.corpus[j].is_some() {
                let corrected = set.corrected[i] || set.corrected[j];
                self.per_real[usize::from(corrected)][d] += 1;
            } else if set.corpus[i] == Some(set.from[j]) {
                // An original and its own copy (not a repeat of it that was sampled too).
                if let Some(e) = set.edit[j] {
                    let k = EDITS.iter().position(|x| *x == e).unwrap_or(0);
                    self.per_edit[k][d] += 1;
                }
            }
        } else {
            self.neg[d] += 1;
            if set.class[i].is_some() && set.class[i] == set.class[j] {
                self.neg_template[d] += 1;
            }
            if let Some(Label::Template(kind)) = label {
                self.neg_family[kind_index(kind)][d] += 1;
            }
            if set.corpus[i].is_none() || set.corpus[j].is_none() {
                self.neg_copy[d] += 1;
            }
        }
    }

    fn merge(mut self, other: Histograms) -> Histograms {
        let add = |a: &mut [u64; 101], b: &[u64; 101]| {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        };
        add(&mut self.pos, &other.pos);
        add(&mut self.neg, &other.neg);
        add(&mut self.neg_template, &other.neg_template);
        add(&mut self.neg_copy, &other.neg_copy);
        for (a, b) in self.per_edit.iter_mut().zip(&other.per_edit) {
            add(a, b);
        }
        for (a, b) in self.per_real.iter_mut().zip(&other.per_real) {
            add(a, b);
        }
        for (a, b) in self.neg_family.iter_mut().zip(&other.neg_family) {
            add(a, b);
        }
        self.unsure += other.unsure;
        self
    }

    /// All template-family pairs, of every kind.
    fn family_pairs(&self) -> [u64; 101] {
        let mut all = [0; 101];
        for h in &self.neg_family {
            for (x, y) in all.iter_mut().zip(h) {
                *x += y;
            }
        }
        all
    }
}

fn kind_index(kind: Kind) -> usize {
    KINDS
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(KINDS.len() - 1)
}

/// The share of a histogram's pairs within `k`.
fn share(h: &[u64; 101], k: usize) -> f64 {
    cum(h, k) as f64 / h.iter().sum::<u64>().max(1) as f64
}

fn cum(h: &[u64; 101], k: usize) -> u64 {
    h[..=k].iter().sum()
}

fn prf(h: &Histograms, k: usize) -> (f64, f64, f64) {
    let tp = cum(&h.pos, k) as f64;
    let fp = cum(&h.neg, k) as f64;
    let all_pos: u64 = h.pos.iter().sum();
    let p = if tp + fp > 0.0 { tp / (tp + fp) } else { 1.0 };
    let r = tp / all_pos.max(1) as f64;
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f)
}

/// The threshold with the best F1 (the smallest such).
fn best_threshold(h: &Histograms) -> (usize, f64) {
    (0..=100)
        .map(|k| (k, prf(h, k).2))
        .fold((0, -1.0), |best, x| if x.1 > best.1 { x } else { best })
}
// ---------------------------------------------------------------------------------------------
// Option search (SEARCH=1): min-hashes computed here, with every size at once, to choose the
// library's MinHash size, value bits, title weight and similarity measure on dev.

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn shingle_hashes(text: &str) -> Vec<u64> {
    let folded = fold(text);
    let ws: Vec<u64> = words(&folded)
        .map(|w| {
            splitmix(w.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            }))
        })
        .collect();
    if ws.is_empty() {
        return Vec::new();
    }
    ws.windows(2.min(ws.len()))
        .map(|w| w.iter().fold(7u64, |a, &h| splitmix(a.rotate_left(23) ^ h)))
        .collect()
}

const RAW_K: usize = 256;

struct Raw {
    mins: Vec<u32>,
    n: u32,
}

fn raw_minhash(title: &[u64], body: &[u64], title_w: u64) -> Raw {
    let mut set: Vec<u64> = body.to_vec();
    for &t in title {
        for j in 0..title_w {
            set.push(splitmix(t ^ (j + 1).wrapping_mul(0x1234_5678_9abc_def1)));
        }
    }
    set.sort_unstable();
    set.dedup();
    let mut mins = vec![u32::MAX; RAW_K];
    for &x in &set {
        for (i, m) in mins.iter_mut().enumerate() {
            let h = (splitmix(x ^ (i as u64).wrapping_mul(0xd1b5_4a32_d192_ed03)) >> 32) as u32;
            if h < *m {
                *m = h;
            }
        }
    }
    Raw {
        mins,
        n: set.len() as u32,
    }
}

const KS: [usize; 3] = [64, 120, 256];
const BITS: [u32; 3] = [8, 16, 32];
const MEASURES: [&str; 8] = [
    "jac",
    "jac f40",
    "blend",
    "blend f20",
    "blend f30",
    "blend f40",
    "blend f60",
    "blend f80",
];

fn similarity(measure: usize, j: f64, na: u32, nb: u32) -> f64 {
    let (na, nb) = (f64::from(na.max(1)), f64::from(nb.max(1)));
    let inter = j * (na + nb) / (1.0 + j);
    let c = (inter / na.min(nb)).min(1.0);
    let (s, floor) = match measure {
        0 => (j, 0.0),
        1 => (j, 40.0),
        2 => ((j + c) / 2.0, 0.0),
        3 => ((j + c) / 2.0, 20.0),
        4 => ((j + c) / 2.0, 30.0),
        5 => ((j + c) / 2.0, 40.0),
        6 => ((j + c) / 2.0, 60.0),
        _ => ((j + c) / 2.0, 80.0),
    };
    let scale = (floor / na.min(nb)).max(1.0);
    (1.0 - (1.0 - s) * scale).max(0.0)
}

fn search(dev: &EvalSet, test: &EvalSet) {
    let raw_of = |set: &EvalSet| -> Vec<(Vec<u64>, Vec<u64>)> {
        set.docs
            .iter()
            .map(|(t, b)| {
                (
                    shingle_hashes(t.as_deref().unwrap_or("")),
                    shingle_hashes(b),
                )
            })
            .collect()
    };
    let (rdev, rtest) = (raw_of(dev), raw_of(test));
    println!("{:>3} {:>4} {:>4} {:>12} | dev: {:>3} {:>6} {:>6} {:>6} | test at dev K: {:>6} {:>6} {:>6} | test recall per edit",
        "tw", "k", "bits", "measure", "K", "prec", "recall", "F1", "prec", "recall", "F1");
    for tw in [1u64, 2, 3] {
        let hists = |set: &EvalSet, raw: &[(Vec<u64>, Vec<u64>)]| -> Vec<Histograms> {
            let sigs: Vec<Raw> = raw.iter().map(|(t, b)| raw_minhash(t, b, tw)).collect();
            let n_cfg = KS.len() * BITS.len() * MEASURES.len();
            let mut hs: Vec<Histograms> = (0..n_cfg).map(|_| Histograms::new()).collect();
            for i in 0..sigs.len() {
                for j in i + 1..sigs.len() {
                    let (a, b) = (&sigs[i], &sigs[j]);
                    let mut m = [[0u32; 3]; 3];
                    let mut run = [0u32; 3];
                    for v in 0..RAW_K {
                        let x = a.mins[v] ^ b.mins[v];
                        run[0] += u32::from(x & 0xff == 0);
                        run[1] += u32::from(x & 0xffff == 0);
                        run[2] += u32::from(x == 0);
                        if v + 1 == 64 {
                            m[0] = run;
                        }
                        if v + 1 == 120 {
                            m[1] = run;
                        }
                    }
                    m[2] = run;
                    let mut c = 0;
                    for (ki, &k) in KS.iter().enumerate() {
                        for (bi, &bits) in BITS.iter().enumerate() {
                            let chance = 0.5f64.powi(bits as i32);
                            let raw_j = f64::from(m[ki][bi]) / k as f64;
                            let jac = ((raw_j - chance) / (1.0 - chance)).max(0.0);
                            for me in 0..MEASURES.len() {
                                let s = similarity(me, jac, a.n, b.n);
                                let d = (100.0 * (1.0 - s)).round().clamp(0.0, 100.0) as usize;
                                hs[c].add(set, i, j, d);
                                c += 1;
                            }
                        }
                    }
                }
            }
            hs
        };
        let hd = hists(dev, &rdev);
        let ht = hists(test, &rtest);
        let mut c = 0;
        for &k in &KS {
            for &bits in &BITS {
                for me in MEASURES {
                    let (kd, _) = best_threshold(&hd[c]);
                    let (p, r, f) = prf(&hd[c], kd);
                    let (tp, tr, tf) = prf(&ht[c], kd);
                    print!("{tw:>3} {k:>4} {bits:>4} {me:>12} | dev: {kd:>3} {p:>6.3} {r:>6.3} {f:>6.3} | test at dev K: {tp:>6.3} {tr:>6.3} {tf:>6.3} |");
                    for pe in &ht[c].per_edit {
                        let total: u64 = pe.iter().sum();
                        print!(" {:.2}", cum(pe, kd) as f64 / total.max(1) as f64);
                    }
                    println!(" FPtmpl {}", cum(&ht[c].neg_template, kd));
                    c += 1;
                }
            }
        }
    }
}

/// A document of a set as the indexer receives it: an edited copy keeps its original's id, date
/// and source.
fn doc_article(corpus: &Corpus<'_>, set: &EvalSet, d: usize) -> Article {
    let s = &corpus.stories[set.from[d]];
    let (title, body) = &set.docs[d];
    Article {
        id: s.id.clone(),
        title: title.clone(),
        body: body.clone(),
        author: None,
        source: s.source.clone(),
        url: None,
        published: s.published.as_deref().and_then(parse_date),
        origin: format!("document {d}"),
        warnings: Vec::new(),
    }
}

/// The signatures of a set's documents, made as the indexer makes them (with entities): a corpus
/// article's is its corpus signature; an edited copy is enriched here, with its original's date and
/// source.
fn signatures(
    set: &EvalSet,
    corpus: &Corpus<'_>,
    corpus_sigs: &[Signature],
    enricher: &Enricher,
) -> Vec<Signature> {
    (0..set.docs.len())
        .into_par_iter()
        .map(|d| match set.corpus[d] {
            Some(i) => corpus_sigs[i].clone(),
            None => enricher.enrich(&doc_article(corpus, set, d)).signature,
        })
        .collect()
}

/// Histograms over all pairs of a set: of the library's distance, of the story distance, and of the
/// SimHash alone (Hamming distance, 0..=64), for comparison.
struct Measured {
    plain: Histograms,
    story: Histograms,
    /// [`story_distance`], or 100 for articles published more than [`DEFAULT_WITHIN_DAYS`] apart:
    /// the pair as [`StoryRule`] judges it.
    rule: Histograms,
    simhash: Histograms,
}

/// The story distance under the default time bound (as [`StoryRule::accepts`] sees a pair).
fn rule_distance(a: &Signature, b: &Signature) -> u32 {
    let in_time = match (a.published, b.published) {
        (Some(x), Some(y)) => x.abs_diff(y) <= u64::from(DEFAULT_WITHIN_DAYS) * 86_400,
        _ => true,
    };
    if in_time {
        story_distance(a, b)
    } else {
        100
    }
}

fn measure(set: &EvalSet, sigs: &[Signature]) -> Measured {
    let n = sigs.len();
    // Boxed: rayon's splitting nests folds and reductions on a worker's stack, and four sets of
    // histograms by value overflow it.
    let empty = || {
        Box::new(Measured {
            plain: Histograms::new(),
            story: Histograms::new(),
            rule: Histograms::new(),
            simhash: Histograms::new(),
        })
    };
    let m = (0..n)
        .into_par_iter()
        .fold(empty, |mut m, i| {
            for j in i + 1..n {
                let (a, b) = (&sigs[i], &sigs[j]);
                m.plain.add(set, i, j, distance(a, b) as usize);
                m.story
                    .add(set, i, j, story_distance(a, b).min(100) as usize);
                m.rule.add(set, i, j, rule_distance(a, b).min(100) as usize);
                m.simhash
                    .add(set, i, j, a.simhash.distance(b.simhash) as usize);
            }
            m
        })
        .reduce(empty, |a, b| {
            let (a, b) = (*a, *b);
            Box::new(Measured {
                plain: a.plain.merge(b.plain),
                story: a.story.merge(b.story),
                rule: a.rule.merge(b.rule),
                simhash: a.simhash.merge(b.simhash),
            })
        });
    *m
}

/// The default rule: the smallest threshold whose F1 is within 0.002 of the best (F1 is flat near
/// its top, and a smaller threshold merges fewer template stories in a real collection).
fn chosen_threshold(h: &Histograms) -> usize {
    let (_, best) = best_threshold(h);
    (0..=100)
        .find(|&k| prf(h, k).2 >= best - 0.002)
        .unwrap_or(0)
}

fn default_mark(k: usize) -> &'static str {
    if k as u32 == DEFAULT_MAX_DISTANCE {
        "   <- DEFAULT_MAX_DISTANCE"
    } else {
        ""
    }
}

fn report(name: &str, set: &EvalSet, h: &Histograms) {
    let n_docs = set.docs.len();
    println!(
        "\n== {name}: {n_docs} docs ({} sampled stories x 8, then {} repeat groups and {} template families from the corpus); \
         {} positive pairs ({} real repeat/correction), {} negative pairs ({} same-template class, {} template-family); \
         {} unsure pairs left out; {} unlabelled Reuters repeats kept out of the sample",
        set.sampled,
        set.repeat_groups,
        set.families,
        h.pos.iter().sum::<u64>(),
        h.per_real.iter().flatten().sum::<u64>(),
        h.neg.iter().sum::<u64>(),
        h.neg_template.iter().sum::<u64>(),
        h.family_pairs().iter().sum::<u64>(),
        h.unsure,
        set.excluded
    );
    println!("recall per edit kind = share of (original, copy) pairs within K; Repeat, Correction = share of real pairs; FPfam = template-family pairs within K");
    print!(
        "{:>3} {:>6} {:>6} {:>6} {:>7} {:>7} {:>6} |",
        "K", "prec", "recall", "F1", "FP", "FPtmpl", "FPfam"
    );
    for e in EDITS {
        print!(" {:>10}", format!("{e:?}"));
    }
    println!(" {:>10} {:>10}", "Repeat", "Correction");
    let family = h.family_pairs();
    for k in (0..=100).filter(|k| k % 5 == 0 || (25..=45).contains(k)) {
        let (p, r, f) = prf(h, k);
        print!(
            "{k:>3} {p:>6.3} {r:>6.3} {f:>6.3} {:>7} {:>7} {:>6} |",
            cum(&h.neg, k),
            cum(&h.neg_template, k),
            cum(&family, k)
        );
        for pe in &h.per_edit {
            print!(" {:>10.3}", share(pe, k));
        }
        print!(
            " {:>10.3} {:>10.3}",
            share(&h.per_real[0], k),
            share(&h.per_real[1], k)
        );
        println!("{}", default_mark(k));
    }
}

/// Template-family false merges: the share of each kind's family pairs within K.
fn report_families(name: &str, h: &Histograms) {
    const KS: [usize; 7] = [20, 30, 35, 40, 45, 50, 60];
    print!("{name}: template-family pairs within K, by kind (pairs: share merged at K =");
    for k in KS {
        print!(" {k}");
    }
    println!(")");
    let mut rows: Vec<(&str, [u64; 101])> = KINDS
        .iter()
        .map(|k| (k.name(), h.neg_family[kind_index(*k)]))
        .collect();
    rows.push(("all", h.family_pairs()));
    for (name, hist) in rows {
        print!("  {name:>13} {:>6}:", hist.iter().sum::<u64>());
        for k in KS {
            print!(" {:>6.2}%", 100.0 * share(&hist, k));
        }
        println!();
    }
}

/// The plain summary at one threshold, with the lead's targets.
fn summary(name: &str, h: &Histograms, k: usize) {
    let (p, r, f) = prf(h, k);
    let family = h.family_pairs();
    let fam = share(&family, k);
    let ok = |b: bool| if b { "met" } else { "NOT met" };
    println!(
        "{name} at K = {k}: precision {p:.4} recall {r:.4} F1 {f:.4} [target P >= 0.995 and R >= 0.98: {}]; \
         template-family merges {} of {} = {:.2}% [target < 0.5%: {}]",
        ok(p >= 0.995 && r >= 0.98),
        cum(&family, k),
        family.iter().sum::<u64>(),
        100.0 * fam,
        ok(fam < 0.005)
    );
    let fp = cum(&h.neg, k);
    let (fp_family, fp_copy) = (cum(&family, k), cum(&h.neg_copy, k));
    println!(
        "    false merges {fp}: {fp_family} template-family pairs, {fp_copy} with an edited copy on one side, {} other pairs of corpus articles",
        fp - fp_family - fp_copy
    );
    print!("    recall:");
    for (e, pe) in EDITS.iter().zip(&h.per_edit) {
        print!(" {e:?} {:.3}", share(pe, k));
    }
    println!(
        " | real Repeat {:.3} ({} pairs), Correction {:.3} ({} pairs)",
        share(&h.per_real[0], k),
        h.per_real[0].iter().sum::<u64>(),
        share(&h.per_real[1], k),
        h.per_real[1].iter().sum::<u64>()
    );
    print!("    family merges by kind:");
    for kind in KINDS {
        let hist = &h.neg_family[kind_index(kind)];
        print!(
            " {} {}/{}",
            kind.name(),
            cum(hist, k),
            hist.iter().sum::<u64>()
        );
    }
    println!();
}

/// The template-family pairs of both sets that `story_distance` merges at the default, to judge by
/// eye (a mislabelled repeat would show here), by kind.
fn report_family_merges(stories: &[Story], sets: &[(&EvalSet, &[Signature])]) {
    let k = DEFAULT_MAX_DISTANCE;
    let mut merged: Vec<(Kind, usize, usize, u32, u32)> = Vec::new();
    for (set, sigs) in sets {
        for (&(i, j), label) in &set.labels {
            if let (Label::Template(kind), Some(a), Some(b)) = (label, set.corpus[i], set.corpus[j])
            {
                let sd = story_distance(&sigs[i], &sigs[j]);
                if sd <= k {
                    merged.push((*kind, a.min(b), a.max(b), distance(&sigs[i], &sigs[j]), sd));
                }
            }
        }
    }
    merged.sort_unstable();
    // Unlabelled pairs of corpus articles that are merged: a repeat the mining missed would be
    // here (a false positive that is none), as would a template pair it did not find.
    let mut other: Vec<(usize, usize, u32, u32)> = Vec::new();
    for (set, sigs) in sets {
        let docs: Vec<(usize, usize)> = (0..set.docs.len())
            .filter_map(|d| set.corpus[d].map(|c| (d, c)))
            .collect();
        for (x, &(i, a)) in docs.iter().enumerate() {
            for &(j, b) in &docs[x + 1..] {
                if set.family[i] != set.family[j] && !set.labels.contains_key(&(i, j)) {
                    let sd = story_distance(&sigs[i], &sigs[j]);
                    if sd <= k {
                        other.push((a.min(b), a.max(b), distance(&sigs[i], &sigs[j]), sd));
                    }
                }
            }
        }
    }
    other.sort_unstable();
    let mut missed: Vec<(usize, usize, u32, u32)> = Vec::new();
    for (set, sigs) in sets {
        for i in 0..set.docs.len() {
            for j in i + 1..set.docs.len() {
                if let (Some(a), Some(b)) = (set.corpus[i], set.corpus[j]) {
                    let sd = story_distance(&sigs[i], &sigs[j]);
                    if set.family[i] == set.family[j] && sd > k {
                        missed.push((a.min(b), a.max(b), distance(&sigs[i], &sigs[j]), sd));
                    }
                }
            }
        }
    }
    missed.sort_unstable();
    println!(
        "\n== real repeat and correction pairs that story_distance misses at K = {k} (dev and held out): {}",
        missed.len()
    );
    for &(a, b, d, sd) in &missed {
        println!(
            "  -- d={d} sd={sd}\n     {}\n     {}",
            line_of(stories, a),
            line_of(stories, b)
        );
    }
    println!(
        "\n== unlabelled pairs of corpus articles (not copies) that story_distance merges at K = {k} (dev and held out): {}; {} of them",
        other.len(),
        other.len().min(8)
    );
    for at in shuffled(other.len(), &mut Rng(0x006f_7468_6572))
        .into_iter()
        .take(8)
    {
        let (a, b, d, sd) = other[at];
        println!(
            "  -- d={d} sd={sd}\n     {}\n     {}",
            line_of(stories, a),
            line_of(stories, b)
        );
    }
    println!(
        "\n== template-family pairs that story_distance merges at K = {k} (dev and held out): {}; two per kind (d = distance, sd = story_distance)",
        merged.len()
    );
    for kind in KINDS {
        let of_kind: Vec<_> = merged.iter().filter(|m| m.0 == kind).collect();
        for m in of_kind.iter().take(2) {
            println!(
                "  -- {} ({} merged) d={} sd={}\n     {}\n     {}",
                kind.name(),
                of_kind.len(),
                m.3,
                m.4,
                line_of(stories, m.1),
                line_of(stories, m.2)
            );
        }
    }
}

/// Why `story_distance` parts faithful copies that the text distance joins: for each edit kind,
/// the (original, copy) pairs within the default by [`distance`] but not by [`story_distance`], by
/// cause (figures disagreeing, or lead parties conflicting), with examples and the entities that
/// only one side names.
fn report_story_misses(
    corpus: &Corpus<'_>,
    enricher: &Enricher,
    sets: &[(&EvalSet, &[Signature])],
) {
    let k = DEFAULT_MAX_DISTANCE;
    let no_parties = |s: &Signature| {
        let mut facts = s.facts;
        facts.set_parties(std::iter::empty(), std::iter::empty());
        facts
    };
    // Per edit: pairs, parted by figures, parted by parties; and examples (set, original, copy).
    let mut counts = vec![(0u64, 0u64, 0u64); EDITS.len()];
    let mut examples: Vec<Vec<(usize, usize, usize)>> = vec![Vec::new(); EDITS.len()];
    for (s, (set, sigs)) in sets.iter().enumerate() {
        for j in 0..set.docs.len() {
            let Some(edit) = set.edit[j] else { continue };
            let e = EDITS.iter().position(|x| *x == edit).unwrap_or(0);
            // The original is the corpus document the copy was made from.
            let Some(i) = (0..j).rev().find(|&i| set.corpus[i] == Some(set.from[j])) else {
                continue;
            };
            counts[e].0 += 1;
            if distance(&sigs[i], &sigs[j]) <= k && story_distance(&sigs[i], &sigs[j]) > k {
                if no_parties(&sigs[i]).conflict(&no_parties(&sigs[j])) {
                    counts[e].1 += 1;
                } else {
                    counts[e].2 += 1;
                }
                examples[e].push((s, i, j));
            }
        }
    }
    println!("\n== faithful copies within K = {k} by distance that story_distance parts (dev and held out), by cause");
    for (e, edit) in EDITS.iter().enumerate() {
        let (all, figures, parties) = counts[e];
        println!(
            "  {:>10}: {:>5} of {all} copies parted: {figures} by figures, {parties} by lead parties",
            format!("{edit:?}"),
            figures + parties
        );
    }
    let entities = |set: &EvalSet, d: usize| -> HashSet<String> {
        enricher
            .enrich(&doc_article(corpus, set, d))
            .entities
            .into_iter()
            .map(|(_, name)| name)
            .collect()
    };
    println!("examples (id of the original; figures counted in each; entities only the original / only the copy names):");
    for (e, edit) in EDITS.iter().enumerate() {
        for &(s, i, j) in examples[e].iter().take(2) {
            let (set, sigs) = sets[s];
            let (a, b) = (entities(set, i), entities(set, j));
            let mut only_a: Vec<&String> = a.difference(&b).collect();
            let mut only_b: Vec<&String> = b.difference(&a).collect();
            only_a.sort();
            only_b.sort();
            println!(
                "  {:>10} {:>6} d={} figures {}/{} entities {:?} / {:?}",
                format!("{edit:?}"),
                corpus.stories[set.from[j]].id,
                distance(&sigs[i], &sigs[j]),
                sigs[i].facts.figures(),
                sigs[j].facts.figures(),
                only_a,
                only_b
            );
        }
    }
}

/// How `clusters` (candidates by locality-sensitive hashing) groups against the same rule over all
/// pairs: the pairs the rule accepts, and the articles the two place in different groups.
fn missed_pairs(sigs: &[Signature], k: u32) -> (u64, u64, f64, f64) {
    let rule = StoryRule::new(k);
    let t = Instant::now();
    let groups = clusters(sigs, rule);
    let t_cl = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let n = sigs.len();
    let mut pairs: Vec<(usize, u32, usize)> = (0..n)
        .into_par_iter()
        .flat_map_iter(|j| {
            (0..j).filter_map(move |i| rule.accepts(&sigs[i], &sigs[j]).map(|d| (j, d, i)))
        })
        .collect();
    pairs.sort_unstable();
    // Each article joins the nearest earlier leader it pairs with (as `stories` documents).
    let mut leader_of: Vec<Option<usize>> = vec![None; n];
    for run in pairs.chunk_by(|a, b| a.0 == b.0) {
        leader_of[run[0].0] = run.iter().find(|p| leader_of[p.2].is_none()).map(|p| p.2);
    }
    let mut brute: Vec<usize> = vec![usize::MAX; n];
    for (i, leader) in leader_of.iter().enumerate() {
        if let Some(l) = *leader {
            brute[i] = l;
            brute[l] = l;
        }
    }
    let mut lsh: Vec<usize> = vec![usize::MAX; n];
    for g in &groups {
        for &i in g {
            lsh[i] = g[0];
        }
    }
    let differ = (0..n).filter(|&i| lsh[i] != brute[i]).count() as u64;
    (pairs.len() as u64, differ, t_cl, t.elapsed().as_secs_f64())
}

/// `0..n` in a random order.
fn shuffled(n: usize, rng: &mut Rng) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.below(i + 1));
    }
    order
}

/// A one-line view of a corpus article: id, date, headline (or first words).
fn line_of(stories: &[Story], i: usize) -> String {
    let s = &stories[i];
    let head = match s.title.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(t) => t.to_string(),
        None => s
            .body
            .split_whitespace()
            .take(8)
            .collect::<Vec<_>>()
            .join(" "),
    };
    format!(
        "{:>6} {} {head}",
        s.id,
        s.published
            .as_deref()
            .map_or("-", |p| &p[..p.len().min(10)])
    )
}

/// What the mining found, with examples to check by eye.
fn report_mining(stories: &[Story], mined: &Mined, secs: f64) {
    let count = |want: fn(&Label) -> bool| mined.labels.values().filter(|l| want(l)).count();
    let families_of = |kind: Kind| -> Vec<&Vec<usize>> {
        mined
            .families
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, f)| f)
            .collect()
    };
    println!(
        "\n== mined from the corpus in {secs:.1} s: {} repeat groups ({} articles; {} repeat pairs, {} correction pairs labelled), \
         {} unsure pairs left out (same headline and other figures on one day, or the same text more than 2 days apart)",
        mined.repeat_groups.len(),
        mined.repeat_groups.iter().map(Vec::len).sum::<usize>(),
        count(|l| *l == Label::Repeat),
        count(|l| *l == Label::Correction),
        count(|l| *l == Label::Unsure),
    );
    println!("template families by kind (families, articles, different-report pairs):");
    for kind in KINDS {
        let fams = families_of(kind);
        let pairs = mined
            .labels
            .values()
            .filter(|l| **l == Label::Template(kind))
            .count();
        println!(
            "  {:>13}: {:>4} families, {:>5} articles, {:>6} pairs",
            kind.name(),
            fams.len(),
            fams.iter().map(|f| f.len()).sum::<usize>(),
            pairs
        );
    }
    let mut rng = Rng(0x0065_7965_6261_6c6c);
    println!("examples (id, date, headline), two families per kind:");
    for kind in KINDS {
        let fams = families_of(kind);
        for at in shuffled(fams.len(), &mut rng).into_iter().take(2) {
            let f = fams[at];
            println!(
                "  -- {} [{}] ({} articles)",
                kind.name(),
                mined.keys[f[0]],
                f.len()
            );
            for &i in f.iter().take(4) {
                println!("     {}", line_of(stories, i));
            }
        }
    }
    if std::env::var_os("FAMILIES").is_some() {
        println!("every template family (FAMILIES=1):");
        for (kind, family) in &mined.families {
            println!("  -- {} [{}]", kind.name(), mined.keys[family[0]]);
            for &i in family {
                println!("     {}", line_of(stories, i));
            }
        }
    }
    let labelled = |want: Label| {
        let mut pairs: Vec<(usize, usize)> = mined
            .labels
            .iter()
            .filter(|(_, l)| **l == want)
            .map(|(p, _)| *p)
            .collect();
        pairs.sort_unstable();
        pairs
    };
    let (repeats, corrections, unsure) = (
        labelled(Label::Repeat),
        labelled(Label::Correction),
        labelled(Label::Unsure),
    );
    for (name, pairs) in [
        ("repeats", &repeats),
        ("corrections", &corrections),
        ("unsure", &unsure),
    ] {
        println!("  -- {name} (4 of {}):", pairs.len());
        for at in shuffled(pairs.len(), &mut rng).into_iter().take(4) {
            let (i, j) = pairs[at];
            println!("     {}\n     {}", line_of(stories, i), line_of(stories, j));
        }
    }
}

/// Chaining and hidden reports in the groups of `clusters` over the whole corpus: members beyond `k`
/// from the group's first article (its leader), groups spanning more than 7 days, and groups holding
/// a mined template-family pair (two different reports of one template), under the default rule
/// (members within [`DEFAULT_WITHIN_DAYS`] of the leader) and without its time bound.
fn report_chaining(
    stories: &[Story],
    sigs: &[Signature],
    dates: &[Option<time::OffsetDateTime>],
    mined: &Mined,
) {
    println!(
        "\n== chaining: groups of clusters() over the whole corpus; leader = a group's first article"
    );
    println!("  K within groups stories | groups (members) beyond K from the leader by distance, by story_distance | groups spanning > 7 days | groups holding a template-family pair (pairs)");
    let mut hiding: Vec<Vec<usize>> = Vec::new();
    let mut spans: Vec<Vec<usize>> = Vec::new();
    for within_days in [Some(DEFAULT_WITHIN_DAYS), None] {
        for k in [30, 35, DEFAULT_MAX_DISTANCE, 45, 50] {
            let rule = StoryRule {
                max_distance: k,
                within_days,
            };
            let groups = clusters(sigs, rule);
            let (mut g_plain, mut m_plain, mut g_story, mut m_story) = (0, 0, 0, 0);
            let (mut g_span, mut g_family, mut family_pairs) = (0, 0, 0);
            for g in &groups {
                let leader = &sigs[g[0]];
                let beyond = |d: fn(&Signature, &Signature) -> u32| {
                    g[1..].iter().filter(|&&i| d(leader, &sigs[i]) > k).count()
                };
                let (plain, story) = (beyond(distance), beyond(story_distance));
                let ds: Vec<time::OffsetDateTime> = g.iter().filter_map(|&i| dates[i]).collect();
                let span = match (ds.iter().min(), ds.iter().max()) {
                    (Some(a), Some(b)) => (*b - *a).whole_hours() > 7 * 24,
                    _ => false,
                };
                let mut templates = 0;
                for (x, &i) in g.iter().enumerate() {
                    for &j in &g[x + 1..] {
                        if let Some(Label::Template(_)) = mined.labels.get(&(i, j)) {
                            templates += 1;
                        }
                    }
                }
                g_plain += usize::from(plain > 0);
                m_plain += plain;
                g_story += usize::from(story > 0);
                m_story += story;
                g_span += usize::from(span);
                g_family += usize::from(templates > 0);
                family_pairs += templates;
                if rule == StoryRule::new(DEFAULT_MAX_DISTANCE) {
                    if templates > 0 {
                        hiding.push(g.clone());
                    }
                    if span {
                        spans.push(g.clone());
                    }
                }
            }
            let within = within_days.map_or("-".to_string(), |d| format!("{d}d"));
            println!(
                "{k:>3} {within:>6} {:>6} {:>7} | {g_plain:>5} ({m_plain:>5}) {g_story:>5} ({m_story:>5}) | {g_span:>5} | {g_family:>5} ({family_pairs:>5}){}",
                groups.len(),
                groups.iter().map(Vec::len).sum::<usize>(),
                if rule == StoryRule::new(DEFAULT_MAX_DISTANCE) {
                    "   <- default rule"
                } else {
                    ""
                }
            );
        }
    }
    let show = |g: &[usize]| {
        println!("  --");
        for &i in g.iter().take(6) {
            println!(
                "     d={:>3} sd={:>3} {}",
                distance(&sigs[g[0]], &sigs[i]),
                story_distance(&sigs[g[0]], &sigs[i]),
                line_of(stories, i)
            );
        }
        if g.len() > 6 {
            println!("     ... {} more", g.len() - 6);
        }
    };
    for (what, groups) in [
        ("holding a template-family pair", &mut hiding),
        ("spanning more than 7 days", &mut spans),
    ] {
        groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
        println!("the 4 largest groups at the default rule {what} (d = distance, sd = story_distance to the leader):");
        for g in groups.iter().take(4) {
            show(g);
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: eval_duplicates <reuters21578.jsonl> [stories per sample]")?;
    let file = std::fs::File::open(&path).map_err(|e| format!("{path}: {e}"))?;
    let mut stories = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line?;
        let story: Story =
            serde_json::from_str(&line).map_err(|e| format!("{path}:{}: {e}", n + 1))?;
        stories.push(story);
    }
    println!("{} stories from {path}", stories.len());
    let dates: Vec<Option<time::OffsetDateTime>> = stories
        .iter()
        .map(|s| s.published.as_deref().and_then(parse_date))
        .collect();

    // The whole corpus signed as the indexer signs it (entities included), in parallel.
    let t0 = Instant::now();
    let enricher = Enricher::new(None)?;
    let sigs: Vec<Signature> = (0..stories.len())
        .into_par_iter()
        .map(|i| {
            let s = &stories[i];
            let a = Article {
                id: s.id.clone(),
                title: s.title.clone(),
                body: s.body.clone(),
                author: None,
                source: s.source.clone(),
                url: None,
                published: dates[i],
                origin: format!("{path}:{}", i + 1),
                warnings: Vec::new(),
            };
            enricher.enrich(&a).signature
        })
        .collect();
    let t_sig = t0.elapsed();

    let t = Instant::now();
    let docs: Vec<mining::Doc<'_>> = stories
        .iter()
        .zip(&dates)
        .map(|(s, d)| mining::Doc {
            title: s.title.as_deref(),
            body: &s.body,
            published: *d,
        })
        .collect();
    let mined = mining::mine(&docs);
    report_mining(&stories, &mined, t.elapsed().as_secs_f64());
    let mut story_of: Vec<usize> = (0..stories.len()).collect();
    for g in &mined.repeat_groups {
        for &i in g {
            story_of[i] = g[0];
        }
    }
    let corpus = Corpus {
        stories: &stories,
        mined: &mined,
        story_of,
    };

    // Disjoint splits by a hash of the story's id: dev (0) and held out (1).
    let mut rng = Rng(0x6e65_7773_6964_7821);
    let size = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let dev = build_set(&corpus, 0, size, &mut rng);
    let test = build_set(&corpus, 1, size, &mut rng);

    if std::env::var_os("SEARCH").is_some() {
        println!("\n== option search: 300-story samples from the same splits; min-hashes computed by the search itself");
        let mut srng = Rng(0x7365_6172_6368);
        let dev_s = build_set(&corpus, 0, 300, &mut srng);
        let test_s = build_set(&corpus, 1, 300, &mut srng);
        search(&dev_s, &test_s);
    } else {
        println!(
            "(set SEARCH=1 to compare MinHash sizes, bits, title weights and measures on dev)"
        );
    }

    let t = Instant::now();
    let dev_sigs = signatures(&dev, &corpus, &sigs, &enricher);
    let test_sigs = signatures(&test, &corpus, &sigs, &enricher);
    let t_copies = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let m_dev = measure(&dev, &dev_sigs);
    let m_test = measure(&test, &test_sigs);
    println!(
        "\n(copies signed in {t_copies:.1} s; all pairs of both sets measured in {:.1} s)",
        t.elapsed().as_secs_f64()
    );
    for (what, pick) in [
        (
            "distance",
            (|m: &Measured| &m.plain) as fn(&Measured) -> &Histograms,
        ),
        ("story_distance", |m: &Measured| &m.story),
        (
            "story rule (story_distance, within DEFAULT_WITHIN_DAYS)",
            |m: &Measured| &m.rule,
        ),
    ] {
        println!("\n######## {what}");
        report(&format!("dev, {what}"), &dev, pick(&m_dev));
        report(&format!("held-out, {what}"), &test, pick(&m_test));
        println!();
        report_families(&format!("dev, {what}"), pick(&m_dev));
        report_families(&format!("held-out, {what}"), pick(&m_test));
    }
    let (h_dev, h_test) = (&m_dev.plain, &m_test.plain);
    let chosen = chosen_threshold(h_dev);
    let (best_k, best_f) = best_threshold(h_dev);
    println!("\ndev, distance: best F1 {best_f:.3} at K = {best_k}; smallest K within 0.002 of it: {chosen}; DEFAULT_MAX_DISTANCE = {DEFAULT_MAX_DISTANCE}{}",
        if chosen as u32 == DEFAULT_MAX_DISTANCE { "" } else { "  (!) differs" });
    let chosen_s = chosen_threshold(&m_dev.story);
    let (best_ks, best_fs) = best_threshold(&m_dev.story);
    println!("dev, story_distance: best F1 {best_fs:.3} at K = {best_ks}; smallest K within 0.002 of it: {chosen_s}");
    let chosen_r = chosen_threshold(&m_dev.rule);
    let (best_kr, best_fr) = best_threshold(&m_dev.rule);
    println!("dev, story rule: best F1 {best_fr:.3} at K = {best_kr}; smallest K within 0.002 of it: {chosen_r}");
    let (sk, _) = best_threshold(&m_dev.simhash);
    let (p, r, f) = prf(&m_test.simhash, sk);
    println!("for comparison, SimHash alone (Hamming, best K on dev = {sk}): held-out precision {p:.3} recall {r:.3} F1 {f:.3}");

    println!("\n######## SUMMARY at DEFAULT_MAX_DISTANCE = {DEFAULT_MAX_DISTANCE} (positives: synthetic copies + real repeats/corrections; negatives: template-family + all other pairs)");
    for (name, h) in [
        ("dev      distance      ", h_dev),
        ("held-out distance      ", h_test),
        ("dev      story_distance", &m_dev.story),
        ("held-out story_distance", &m_test.story),
        ("dev      story rule    ", &m_dev.rule),
        ("held-out story rule    ", &m_test.rule),
    ] {
        summary(name, h, DEFAULT_MAX_DISTANCE as usize);
    }
    report_family_merges(&stories, &[(&dev, &dev_sigs), (&test, &test_sigs)]);
    report_story_misses(
        &corpus,
        &enricher,
        &[(&dev, &dev_sigs), (&test, &test_sigs)],
    );

    println!(
        "\n== clusters() against all pairs on the held-out set ({} docs)",
        test_sigs.len()
    );
    for k in [10, 20, DEFAULT_MAX_DISTANCE, 45, 50] {
        let (within, missed, t_cl, t_bf) = missed_pairs(&test_sigs, k);
        println!("K = {k:>2}: {within} pairs the rule accepts, {missed} articles grouped otherwise than over all pairs; clusters {:.1} ms, all pairs {:.1} ms", t_cl * 1e3, t_bf * 1e3);
    }

    // The whole corpus, as an index would see it.
    println!(
        "\n== raw corpus: {} stories enriched (entities and signature) in {:.0} ms ({:.1} us each, {} threads)",
        sigs.len(),
        t_sig.as_secs_f64() * 1e3,
        t_sig.as_secs_f64() * 1e6 / sigs.len().max(1) as f64,
        rayon::current_num_threads()
    );
    if std::env::var_os("BRUTE").is_some() {
        let (within, missed, t_cl, t_bf) = missed_pairs(&sigs, DEFAULT_MAX_DISTANCE);
        println!("all pairs at K = {DEFAULT_MAX_DISTANCE}: {within} pairs the rule accepts, {missed} articles grouped otherwise than over all pairs; clusters {:.1} ms, all pairs {:.0} ms", t_cl * 1e3, t_bf * 1e3);
    } else {
        println!("(set BRUTE=1 to check clusters() against all pairs on the whole corpus)");
    }
    report_chaining(&stories, &sigs, &dates, &mined);
    // A proxy for false merges: grouped stories whose headline shares under a third of its words with
    // the group's first headline (repeats keep their headline; template stories change it).
    let title_words = |i: usize| -> HashSet<String> {
        words(&fold(stories[i].title.as_deref().unwrap_or("")))
            .map(str::to_string)
            .collect()
    };
    // A second proxy: grouped stories whose numbers (the set of number words in title and body)
    // share under half with the first story's; repeats and corrections keep nearly all numbers,
    // different reports of one template (weekly figures, prices, issues) change them.
    let numbers = |i: usize| -> HashSet<String> {
        let s = &stories[i];
        let text = format!("{} {}", s.title.as_deref().unwrap_or(""), s.body);
        words(&fold(&text))
            .filter(|w| w.bytes().any(|b| b.is_ascii_digit()))
            .map(str::to_string)
            .collect()
    };
    println!("  K groups stories largest  time_ms  headline-mismatch    number-mismatch (shares of grouped stories)");
    let mut groups = Vec::new();
    for k in (0..=60).step_by(5) {
        let t = Instant::now();
        let g = clusters(&sigs, StoryRule::new(k));
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let (mut grouped, mut mismatched, mut renumbered) = (0, 0, 0);
        for group in &g {
            let (first, first_numbers) = (title_words(group[0]), numbers(group[0]));
            for &i in &group[1..] {
                let share = |a: &HashSet<String>, b: &HashSet<String>| {
                    let union = a.union(b).count();
                    if union == 0 {
                        1.0
                    } else {
                        a.intersection(b).count() as f64 / union as f64
                    }
                };
                grouped += 1;
                mismatched += usize::from(share(&first, &title_words(i)) < 0.34);
                renumbered += usize::from(share(&first_numbers, &numbers(i)) < 0.5);
            }
        }
        println!(
            "{k:>3} {:>6} {:>7} {:>7} {ms:>8.1}  {mismatched:>4} ({:>4.1}%)  {renumbered:>4} ({:>4.1}%){}",
            g.len(),
            g.iter().map(Vec::len).sum::<usize>(),
            g.iter().map(Vec::len).max().unwrap_or(0),
            100.0 * mismatched as f64 / grouped.max(1) as f64,
            100.0 * renumbered as f64 / grouped.max(1) as f64,
            if k == DEFAULT_MAX_DISTANCE { "   <- default" } else { "" }
        );
        if k == DEFAULT_MAX_DISTANCE {
            groups = g;
        }
    }
    if groups.is_empty() {
        groups = clusters(&sigs, StoryRule::new(DEFAULT_MAX_DISTANCE));
    }
    let mut sizes = std::collections::BTreeMap::<usize, usize>::new();
    for g in &groups {
        *sizes.entry(g.len()).or_default() += 1;
    }
    println!("cluster sizes at the default (size: count): {sizes:?}");
    let mut shown = shuffled(groups.len(), &mut Rng(15));
    shown.truncate(12);
    // And the loosest groups, where a template match would show first.
    let spread = |g: &Vec<usize>| {
        g.iter()
            .map(|&i| distance(&sigs[g[0]], &sigs[i]))
            .max()
            .unwrap_or(0)
    };
    let mut loose: Vec<usize> = (0..groups.len()).filter(|&g| !shown.contains(&g)).collect();
    loose.sort_by_key(|&g| std::cmp::Reverse(spread(&groups[g])));
    shown.extend(loose.into_iter().take(8));
    shown.sort_unstable();
    println!(
        "\n12 random clusters, then the 8 loosest (id, distance to the first, title, first words):"
    );
    for g in shown {
        let first = groups[g][0];
        println!("--");
        for &i in groups[g].iter().take(6) {
            let s = &stories[i];
            let lead: String = s
                .body
                .split_whitespace()
                .take(12)
                .collect::<Vec<_>>()
                .join(" ");
            println!(
                "  {:>6} d={:>3} {:<50} | {}",
                s.id,
                distance(&sigs[first], &sigs[i]),
                s.title.as_deref().unwrap_or("-"),
                lead
            );
        }
        if groups[g].len() > 6 {
            println!("  ... {} more", groups[g].len() - 6);
        }
    }
    Ok(())
}
