//! Scores the entity extractor against a CoNLL-2003 file (exact spans).
//!
//! `cargo run --release --example eval_conll -- eng.testa [--errors FILE]`
//!
//! `cargo run --release --example eval_conll -- eng.testa [--tagger MODEL] [--min-confidence P]
//! [--errors FILE]`; `-- --handset=tests/data/entities-handset.txt [--tagger MODEL]` scores the
//! hand-checked set instead.
//!
//! Each document (split at `-DOCSTART-`) is rebuilt as text really arrives: one sentence per line,
//! tokens joined by single spaces. Gold spans (PER -> person, ORG -> org, LOC -> place; MISC ignored)
//! keep their byte offsets, and a predicted mention counts only if its start, end and kind all match a
//! gold span. Besides per-type precision, recall and F1, the worst error classes are printed: wrong
//! type on the right span, span too long or too short (overlapping a gold span of the same type),
//! spurious (no gold span overlaps) and missed (no prediction overlaps).

use std::collections::HashSet;
use std::fmt::Write as _;

use newsidx::entities::{EntityKind, ExtractorBuilder};

#[path = "../tests/support/handset.rs"]
mod handset;

type Span = (usize, usize, EntityKind);

struct Doc {
    text: String,
    gold: Vec<Span>,
}

/// CoNLL documents as newsidx reads them: one sentence per line.
fn parse(data: &str, origin: &str) -> Result<Vec<Doc>, newsidx::Error> {
    Ok(newsidx::entities::conll::parse(data, origin)?
        .into_iter()
        .map(|d| Doc {
            gold: d
                .gold
                .iter()
                .filter_map(|g| g.class.kind().map(|k| (g.start, g.end, k)))
                .collect(),
            text: d.text,
        })
        .collect())
}

use newsidx::entities::conll::prf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: eval_conll FILE [--errors OUT]")?;
    let mut errors_out = None;
    let mut builder = ExtractorBuilder::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--errors" => errors_out = args.next(),
            "--tagger" => {
                let model = args.next().ok_or("--tagger MODEL")?;
                builder = builder.tagger(newsidx::entities::Tagger::from_file(model.as_ref())?);
            }
            "--min-confidence" => {
                builder = builder.min_confidence(args.next().ok_or("--min-confidence P")?.parse()?)
            }
            "--no-tagger" => builder = builder.rules(false),
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    let extractor = builder.build()?;
    if let Some(file) = path.strip_prefix("--handset=") {
        return eval_handset(&extractor, file);
    }
    let data = std::fs::read_to_string(&path)?;
    let docs = parse(&data, &path)?;
    let mut classes: std::collections::BTreeMap<String, usize> = Default::default();
    // Per kind: (true positives, predicted, gold).
    let mut counts = [(0usize, 0usize, 0usize); 3];
    let mut errors = String::new();
    for doc in &docs {
        let gold: HashSet<Span> = doc.gold.iter().copied().collect();
        let pred: HashSet<Span> = extractor
            .extract(&doc.text)
            .into_iter()
            .map(|m| (m.start, m.end, m.kind))
            .collect();
        for (k, kind) in EntityKind::ALL.iter().enumerate() {
            counts[k].1 += pred.iter().filter(|s| s.2 == *kind).count();
            counts[k].2 += gold.iter().filter(|s| s.2 == *kind).count();
            counts[k].0 += pred
                .iter()
                .filter(|s| s.2 == *kind && gold.contains(s))
                .count();
        }
        classify(&gold, &pred, &mut classes);
        if errors_out.is_some() {
            let mut fp: Vec<&Span> = pred.difference(&gold).collect();
            let mut fneg: Vec<&Span> = gold.difference(&pred).collect();
            fp.sort();
            fneg.sort();
            for (s, e, k) in fp {
                let _ = writeln!(
                    errors,
                    "FP\t{k}\t{}\t{}",
                    &doc.text[*s..*e],
                    context(&doc.text, *s, *e)
                );
            }
            for (s, e, k) in fneg {
                let _ = writeln!(
                    errors,
                    "FN\t{k}\t{}\t{}",
                    &doc.text[*s..*e],
                    context(&doc.text, *s, *e)
                );
            }
        }
    }
    if let Some(out) = errors_out {
        std::fs::write(&out, errors)?;
    }
    println!("{} documents from {path}", docs.len());
    print_table(EntityKind::ALL.iter().zip(counts));
    let mut worst: Vec<(&String, &usize)> = classes.iter().collect();
    worst.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    println!("worst error classes:");
    for (class, n) in worst.iter().take(12) {
        println!("{n:>7}  {class}");
    }
    Ok(())
}

/// Prints precision, recall and F1 per type and over all, from (true positives, predicted, gold).
fn print_table<'k>(counts: impl Iterator<Item = (&'k EntityKind, (usize, usize, usize))>) {
    println!(
        "{:<8} {:>9} {:>9} {:>9} {:>7} {:>7}",
        "type", "precision", "recall", "F1", "pred", "gold"
    );
    let (mut tp, mut np, mut ng) = (0, 0, 0);
    for (kind, (t, p, g)) in counts {
        let (pr, rc, f) = prf(t, p, g);
        println!(
            "{:<8} {pr:>9.3} {rc:>9.3} {f:>9.3} {p:>7} {g:>7}",
            kind.as_str()
        );
        tp += t;
        np += p;
        ng += g;
    }
    let (pr, rc, f) = prf(tp, np, ng);
    println!(
        "{:<8} {pr:>9.3} {rc:>9.3} {f:>9.3} {np:>7} {ng:>7}",
        "micro"
    );
}

/// Scores the hand-checked set (per story, as sets of type and name).
fn eval_handset(
    extractor: &newsidx::entities::Extractor,
    file: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let stories = handset::parse(&std::fs::read_to_string(file)?);
    let (counts, errors) = handset::score(extractor, &stories);
    println!("{} stories from {file}", stories.len());
    print_table(counts.iter().map(|(k, c)| (k, *c)));
    for e in errors {
        println!("  {e}");
    }
    Ok(())
}

/// Counts each error by class: "wrong type (gold -> predicted)", "too long", "too short",
/// "spurious TYPE", "missed TYPE".
fn classify(
    gold: &HashSet<Span>,
    pred: &HashSet<Span>,
    classes: &mut std::collections::BTreeMap<String, usize>,
) {
    let overlaps = |a: &Span, b: &Span| a.0 < b.1 && b.0 < a.1;
    for p in pred.difference(gold) {
        let class = match gold.iter().find(|g| overlaps(g, p)) {
            Some(g) if (g.0, g.1) == (p.0, p.1) => format!("wrong type ({} -> {})", g.2, p.2),
            Some(g) if g.2 != p.2 => format!("wrong type and span ({} -> {})", g.2, p.2),
            Some(g) if p.1 - p.0 > g.1 - g.0 => format!("span too long ({})", p.2),
            Some(_) => format!("span too short ({})", p.2),
            None => format!("spurious {}", p.2),
        };
        *classes.entry(class).or_default() += 1;
    }
    for g in gold.difference(pred) {
        if !pred.iter().any(|p| overlaps(g, p)) {
            *classes.entry(format!("missed {}", g.2)).or_default() += 1;
        }
    }
}

fn context(text: &str, s: usize, e: usize) -> String {
    let mut a = s.saturating_sub(40);
    while !text.is_char_boundary(a) {
        a -= 1;
    }
    let mut b = (e + 40).min(text.len());
    while !text.is_char_boundary(b) {
        b += 1;
    }
    format!("{}[{}]{}", &text[a..s], &text[s..e], &text[e..b])
}
