//! Measures near-duplicate detection on Reuters-21578, and picks the default threshold.
//!
//! ```text
//! cargo run --release --example eval_duplicates -- /work/shared/data/reuters21578.jsonl
//! ```
//!
//! Copies of sampled stories are made with the edits a news index really meets (other quotes,
//! re-paragraphing, scraping debris, an edited headline, a cut ending, a few changed words, and all of
//! the light ones at once). Every pair inside one story's family is a duplicate; every pair across
//! families is not, and the sample is loaded with same-template stories (quarterly results, dividends,
//! market reports) so that those distractors are well represented. Stories that Reuters itself repeated
//! are kept out of the sample, since pairs of them would be true duplicates counted as errors.
//!
//! Precision, recall and F1 are reported per threshold of the 0..=100 distance scale, with recall per
//! edit kind, on one sample (dev, where the default threshold is chosen: the smallest within 0.002 of
//! the best F1) and on another, disjoint one (held out). `clusters()` is checked against comparing all
//! pairs. Finally the whole corpus is clustered, with two proxies for false merges (headline and
//! numbers differing from the group's first story), and sample clusters are printed so a person can
//! judge whether they are real repeats of one wire story. Everything is deterministic.
//!
//! `SEARCH=1` first compares MinHash sizes (64, 120, 256 values), value bits (8, 16, 32), title
//! weights and similarity measures with min-hashes computed here (on 300-story samples);
//! `BRUTE=1` also checks `clusters()` against all pairs on the whole corpus (about 10 s).

use std::collections::HashSet;
use std::io::BufRead;
use std::time::Instant;

use newsidx::fingerprint::{distance, stories as clusters, Signature, DEFAULT_MAX_DISTANCE};
use newsidx::text::fold::{fold, words};

#[derive(serde::Deserialize)]
struct Story {
    id: String,
    title: Option<String>,
    body: String,
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
            let drop = rng.below(ws.len());
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
    for _ in 0..edits {
        if ws.len() < 3 {
            break;
        }
        let at = rng.below(ws.len());
        match rng.below(3) {
            0 => ws[at] = rng.pick(&SUBS).to_string(),
            1 => {
                ws.remove(at);
            }
            _ => ws.insert(at, rng.pick(&SUBS).to_string()),
        }
    }
    ws.join(" ")
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

fn jaccard(a: &[u64], b: &[u64]) -> f64 {
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

/// One evaluation set: documents, the family (source story) and edit of each.
struct EvalSet {
    docs: Vec<(Option<String>, String)>,
    family: Vec<usize>,
    edit: Vec<Option<Edit>>,
    class: Vec<Option<usize>>,
    excluded: usize,
}

fn build_set(stories: &[Story], pool: &[usize], size: usize, rng: &mut Rng) -> EvalSet {
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
            *rng.pick(pool)
        };
        if !seen.insert(i) {
            continue;
        }
        let s = &stories[i];
        let t = shingles(s.title.as_deref().unwrap_or(""));
        let b = shingles(&s.body);
        // A story Reuters itself repeated (same headline words, same body) is a true duplicate of
        // one already chosen: keep it out rather than count it as a false positive.
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
        family: Vec::new(),
        edit: Vec::new(),
        class: Vec::new(),
        excluded,
    };
    for (f, &i) in chosen.iter().enumerate() {
        let s = &stories[i];
        let class = s.title.as_deref().and_then(template_class);
        set.docs.push((s.title.clone(), s.body.clone()));
        set.family.push(f);
        set.edit.push(None);
        set.class.push(class);
        for edit in EDITS {
            let other = stories[rng.below(stories.len())]
                .title
                .clone()
                .unwrap_or_default();
            set.docs.push(make_copy(s, edit, &other, rng));
            set.family.push(f);
            set.edit.push(Some(edit));
            set.class.push(class);
        }
    }
    set
}

/// Distance histograms on the 0..=100 scale: positive pairs, negative pairs, negative pairs of one
/// template class, and per edit the (original, copy) pairs.
struct Histograms {
    pos: [u64; 101],
    neg: [u64; 101],
    neg_template: [u64; 101],
    per_edit: Vec<[u64; 101]>,
}

impl Histograms {
    fn new() -> Histograms {
        Histograms {
            pos: [0; 101],
            neg: [0; 101],
            neg_template: [0; 101],
            per_edit: vec![[0; 101]; EDITS.len()],
        }
    }

    /// Counts the pair `(i, j)`, `i < j`, of `set` at distance `d`.
    fn add(&mut self, set: &EvalSet, i: usize, j: usize, d: usize) {
        if set.family[i] == set.family[j] {
            self.pos[d] += 1;
            if set.edit[i].is_none() {
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
        }
    }
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

/// The signatures of a set's documents.
fn signatures(set: &EvalSet) -> Vec<Signature> {
    set.docs
        .iter()
        .map(|(t, b)| Signature::of(t.as_deref(), b))
        .collect()
}

/// Histograms of the library's distance over all pairs of a set, and the same for the SimHash
/// alone (Hamming distance, 0..=64), for comparison.
fn measure(set: &EvalSet, sigs: &[Signature]) -> (Histograms, Histograms) {
    let (mut h, mut s) = (Histograms::new(), Histograms::new());
    for i in 0..sigs.len() {
        for j in i + 1..sigs.len() {
            h.add(set, i, j, distance(&sigs[i], &sigs[j]) as usize);
            s.add(
                set,
                i,
                j,
                sigs[i].simhash.distance(sigs[j].simhash) as usize,
            );
        }
    }
    (h, s)
}

/// The default rule: the smallest threshold whose F1 is within 0.002 of the best (F1 is flat near
/// its top, and a smaller threshold merges fewer template stories in a real collection).
fn chosen_threshold(h: &Histograms) -> usize {
    let (_, best) = best_threshold(h);
    (0..=100)
        .find(|&k| prf(h, k).2 >= best - 0.002)
        .unwrap_or(0)
}

fn report(name: &str, set: &EvalSet, h: &Histograms) {
    println!("\n== {name}: {} stories x 8 docs = {} docs; {} positive pairs, {} negative pairs ({} same-template); {} Reuters repeats kept out",
        set.docs.len() / 8, set.docs.len(), h.pos.iter().sum::<u64>(), h.neg.iter().sum::<u64>(),
        h.neg_template.iter().sum::<u64>(), set.excluded);
    println!("recall per edit kind = share of (original, copy) pairs within K");
    print!(
        "{:>3} {:>6} {:>6} {:>6} {:>7} {:>7} |",
        "K", "prec", "recall", "F1", "FP", "FPtmpl"
    );
    for e in EDITS {
        print!(" {:>10}", format!("{e:?}"));
    }
    println!();
    for k in (0..=100).filter(|k| k % 5 == 0 || (25..=45).contains(k)) {
        let (p, r, f) = prf(h, k);
        print!(
            "{k:>3} {p:>6.3} {r:>6.3} {f:>6.3} {:>7} {:>7} |",
            cum(&h.neg, k),
            cum(&h.neg_template, k)
        );
        for pe in &h.per_edit {
            let total: u64 = pe.iter().sum();
            print!(" {:>10.3}", cum(pe, k) as f64 / total.max(1) as f64);
        }
        println!(
            "{}",
            if k as u32 == DEFAULT_MAX_DISTANCE {
                "   <- DEFAULT_MAX_DISTANCE"
            } else {
                ""
            }
        );
    }
}

/// Pairs within `k` that `clusters` left in different groups (it samples candidates), by brute force.
fn missed_pairs(sigs: &[Signature], k: u32) -> (u64, u64, f64, f64) {
    let t = Instant::now();
    let groups = clusters(sigs, newsidx::fingerprint::StoryRule::new(k));
    let t_cl = t.elapsed().as_secs_f64();
    let mut group_of = vec![usize::MAX; sigs.len()];
    for (g, members) in groups.iter().enumerate() {
        for &i in members {
            group_of[i] = g;
        }
    }
    let t = Instant::now();
    let (mut within, mut missed) = (0, 0);
    for i in 0..sigs.len() {
        for j in i + 1..sigs.len() {
            if distance(&sigs[i], &sigs[j]) <= k {
                within += 1;
                missed += u64::from(group_of[i] == usize::MAX || group_of[i] != group_of[j]);
            }
        }
    }
    (within, missed, t_cl, t.elapsed().as_secs_f64())
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

    // Disjoint pools: even positions for dev, odd for the held-out test.
    let mut order: Vec<usize> = (0..stories.len()).collect();
    let mut rng = Rng(0x6e65_7773_6964_7821);
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let dev_pool: Vec<usize> = order.iter().step_by(2).copied().collect();
    let test_pool: Vec<usize> = order.iter().skip(1).step_by(2).copied().collect();
    let size = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let dev = build_set(&stories, &dev_pool, size, &mut rng);
    let test = build_set(&stories, &test_pool, size, &mut rng);

    if std::env::var_os("SEARCH").is_some() {
        println!("\n== option search: 300-story samples from the same pools; min-hashes computed by the search itself");
        let mut srng = Rng(0x7365_6172_6368);
        let dev_s = build_set(&stories, &dev_pool, 300, &mut srng);
        let test_s = build_set(&stories, &test_pool, 300, &mut srng);
        search(&dev_s, &test_s);
    } else {
        println!(
            "(set SEARCH=1 to compare MinHash sizes, bits, title weights and measures on dev)"
        );
    }

    let dev_sigs = signatures(&dev);
    let test_sigs = signatures(&test);
    let (h_dev, s_dev) = measure(&dev, &dev_sigs);
    let (h_test, s_test) = measure(&test, &test_sigs);
    report("dev", &dev, &h_dev);
    report("held-out test", &test, &h_test);
    let chosen = chosen_threshold(&h_dev);
    let (best_k, best_f) = best_threshold(&h_dev);
    println!("\ndev: best F1 {best_f:.3} at K = {best_k}; smallest K within 0.002 of it: {chosen}; DEFAULT_MAX_DISTANCE = {DEFAULT_MAX_DISTANCE}{}",
        if chosen as u32 == DEFAULT_MAX_DISTANCE { "" } else { "  (!) differs: update the constant" });
    for (name, h) in [("dev", &h_dev), ("held-out", &h_test)] {
        let (p, r, f) = prf(h, DEFAULT_MAX_DISTANCE as usize);
        print!("{name} at DEFAULT_MAX_DISTANCE = {DEFAULT_MAX_DISTANCE}: precision {p:.3} recall {r:.3} F1 {f:.3}; recall per edit:");
        for (e, pe) in EDITS.iter().zip(&h.per_edit) {
            print!(
                " {e:?} {:.3}",
                cum(pe, DEFAULT_MAX_DISTANCE as usize) as f64
                    / pe.iter().sum::<u64>().max(1) as f64
            );
        }
        println!();
    }
    let (sk, _) = best_threshold(&s_dev);
    let (p, r, f) = prf(&s_test, sk);
    println!("for comparison, SimHash alone (Hamming, best K on dev = {sk}): held-out precision {p:.3} recall {r:.3} F1 {f:.3}");

    println!(
        "\n== clusters() against all pairs on the held-out set ({} docs)",
        test_sigs.len()
    );
    for k in [10, 20, DEFAULT_MAX_DISTANCE, 45, 50] {
        let (within, missed, t_cl, t_bf) = missed_pairs(&test_sigs, k);
        println!("K = {k:>2}: {within} pairs within K, {missed} of them not joined by clusters(); clusters {:.1} ms, all pairs {:.1} ms", t_cl * 1e3, t_bf * 1e3);
    }

    // The whole corpus, as an index would see it.
    let t0 = Instant::now();
    let sigs: Vec<Signature> = stories
        .iter()
        .map(|s| Signature::of(s.title.as_deref(), &s.body))
        .collect();
    let t_sig = t0.elapsed();
    println!(
        "\n== raw corpus: {} stories signed in {:.0} ms ({:.1} us each)",
        sigs.len(),
        t_sig.as_secs_f64() * 1e3,
        t_sig.as_secs_f64() * 1e6 / sigs.len().max(1) as f64
    );
    if std::env::var_os("BRUTE").is_some() {
        let (within, missed, t_cl, t_bf) = missed_pairs(&sigs, DEFAULT_MAX_DISTANCE);
        println!("all pairs at K = {DEFAULT_MAX_DISTANCE}: {within} pairs within K, {missed} not joined by clusters(); clusters {:.1} ms, all pairs {:.0} ms", t_cl * 1e3, t_bf * 1e3);
    } else {
        println!("(set BRUTE=1 to check clusters() against all pairs on the whole corpus)");
    }
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
        let g = clusters(&sigs, newsidx::fingerprint::StoryRule::new(k));
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
        groups = clusters(
            &sigs,
            newsidx::fingerprint::StoryRule::new(DEFAULT_MAX_DISTANCE),
        );
    }
    let mut sizes = std::collections::BTreeMap::<usize, usize>::new();
    for g in &groups {
        *sizes.entry(g.len()).or_default() += 1;
    }
    println!("cluster sizes at the default (size: count): {sizes:?}");
    let mut srng = Rng(15);
    let mut shown: Vec<usize> = (0..groups.len()).collect();
    for i in (1..shown.len()).rev() {
        shown.swap(i, srng.below(i + 1));
    }
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
