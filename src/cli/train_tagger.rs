//! `newsidx train-tagger`: trains an entity tagger model from CoNLL files.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

/// Train the entity tagger on CoNLL-format files (`token ... TAG` per line, IOB1 or IOB2, blank lines
/// between sentences, `-DOCSTART-` between documents) and write the model. Training is deterministic:
/// the same files and flags give the same model. Every tenth document is held out to calibrate the
/// confidence and choose the threshold; the model is then trained on all documents.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// CoNLL files to train on (repeatable).
    #[arg(long = "conll", value_name = "FILE", required = true, num_args = 1..)]
    conll: Vec<PathBuf>,
    /// Where to write the model.
    #[arg(long, value_name = "MODEL")]
    out: PathBuf,
    /// Passes over the training data.
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    /// Keep at most this many features (22 bytes each in the model file).
    #[arg(long, default_value_t = 150_000)]
    max_features: usize,
    /// What the model was trained on, recorded in the model file (default: the file names).
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,
    /// A gazetteer of your own, merged over the built-in one (its names become features).
    #[arg(long, value_name = "FILE")]
    gazetteer: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut docs = Vec::new();
    for path in &args.conll {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        docs.extend(newsidx::entities::conll::parse(
            &text,
            &path.display().to_string(),
        )?);
    }
    if docs.is_empty() {
        anyhow::bail!("no sentences in the --conll files");
    }
    let description = args.description.clone().unwrap_or_else(|| {
        let names: Vec<String> = args
            .conll
            .iter()
            .map(|p| {
                p.file_name().map_or_else(
                    || p.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                )
            })
            .collect();
        format!("trained on {}", names.join(", "))
    });
    let gazetteer = newsidx::entities::Gazetteer::builtin_with(super::user_gazetteer(
        args.gazetteer.as_deref(),
    )?)?;
    // The features need the gazetteer and word lists, not a tagger.
    let extractor = newsidx::entities::ExtractorBuilder::new()
        .gazetteer(gazetteer)
        .rules(false)
        .build()?;
    let options = newsidx::entities::TrainOptions {
        epochs: args.epochs,
        max_features: args.max_features,
        description,
    };
    let (tagger, report) = extractor.train_tagger(&docs, &options);
    let bytes = tagger.to_bytes();
    std::fs::write(&args.out, &bytes)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    let (p, r, f) = report.heldout;
    eprintln!(
        "{} documents, {} sentences, {} tokens; {} of {} gold name tokens outside the tagger's islands",
        report.documents,
        report.sentences,
        report.tokens,
        report.unreachable_gold_tokens,
        report.gold_tokens
    );
    eprintln!(
        "held-out tenth: precision {p:.3} recall {r:.3} F1 {f:.3} at confidence >= {:.3}",
        report.threshold
    );
    eprintln!(
        "{} features seen, {} kept; wrote {} ({} bytes)",
        report.features_seen,
        report.features_kept,
        args.out.display(),
        bytes.len()
    );
    Ok(ExitCode::SUCCESS)
}
