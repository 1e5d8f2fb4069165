//! Scores the entity extractor against a CoNLL-2003 file (exact spans).
//!
//! `cargo run --release --example eval_conll -- eng.testa [--errors FILE]`
//!
//! Each document (split at `-DOCSTART-`) is rebuilt by joining its tokens with single spaces; gold
//! spans (PER -> person, ORG -> org, LOC -> place; MISC ignored) keep their byte offsets, and a
//! predicted mention counts only if its start, end and kind all match a gold span.

use std::collections::HashSet;
use std::fmt::Write as _;

use newsidx::entities::{EntityKind, ExtractorBuilder};

type Span = (usize, usize, EntityKind);

struct Doc {
    text: String,
    gold: Vec<Span>,
}

fn kind_of(tag: &str) -> Option<EntityKind> {
    match tag {
        "PER" => Some(EntityKind::Person),
        "ORG" => Some(EntityKind::Org),
        "LOC" => Some(EntityKind::Place),
        _ => None,
    }
}

fn parse(data: &str) -> Vec<Doc> {
    let mut docs = Vec::new();
    let mut text = String::new();
    let mut gold = Vec::new();
    // The open span: (start, end, CoNLL type).
    let mut open: Option<(usize, usize, String)> = None;
    let close = |open: &mut Option<(usize, usize, String)>, gold: &mut Vec<Span>| {
        if let Some((s, e, t)) = open.take() {
            if let Some(k) = kind_of(&t) {
                gold.push((s, e, k));
            }
        }
    };
    for line in data.lines() {
        let line = line.trim_end();
        if line.starts_with("-DOCSTART-") {
            close(&mut open, &mut gold);
            if !text.is_empty() {
                docs.push(Doc {
                    text: std::mem::take(&mut text),
                    gold: std::mem::take(&mut gold),
                });
            }
            continue;
        }
        let mut fields = line.split(' ');
        let (Some(token), Some(tag)) = (fields.next(), fields.next_back()) else {
            close(&mut open, &mut gold);
            continue;
        };
        if token.is_empty() {
            close(&mut open, &mut gold);
            continue;
        }
        if !text.is_empty() {
            text.push(' ');
        }
        let start = text.len();
        text.push_str(token);
        let end = text.len();
        let (prefix, ty) = tag.split_once('-').unwrap_or(("O", ""));
        let continues = matches!(&open, Some((_, _, t)) if prefix == "I" && t == ty);
        if continues {
            if let Some(o) = open.as_mut() {
                o.1 = end;
            }
        } else {
            close(&mut open, &mut gold);
            if prefix != "O" {
                open = Some((start, end, ty.to_string()));
            }
        }
    }
    close(&mut open, &mut gold);
    if !text.is_empty() {
        docs.push(Doc { text, gold });
    }
    docs
}

fn prf(tp: usize, pred: usize, gold: usize) -> (f64, f64, f64) {
    let p = if pred == 0 {
        0.0
    } else {
        tp as f64 / pred as f64
    };
    let r = if gold == 0 {
        0.0
    } else {
        tp as f64 / gold as f64
    };
    let f = if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    };
    (p, r, f)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: eval_conll FILE [--errors OUT]")?;
    let mut errors_out = None;
    while let Some(a) = args.next() {
        if a == "--errors" {
            errors_out = args.next();
        }
    }
    let data = std::fs::read_to_string(&path)?;
    let docs = parse(&data);
    let extractor = ExtractorBuilder::new().build()?;
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
    println!(
        "{:<8} {:>9} {:>9} {:>9} {:>7} {:>7}",
        "type", "precision", "recall", "F1", "pred", "gold"
    );
    let (mut tp, mut np, mut ng) = (0, 0, 0);
    for (k, kind) in EntityKind::ALL.iter().enumerate() {
        let (t, p, g) = counts[k];
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
    Ok(())
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
