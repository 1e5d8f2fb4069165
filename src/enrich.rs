//! What indexing makes of an article beyond its text: its entities, its near-duplicate fingerprint
//! and the terms tantivy indexes, all read from one token stream per field. The [`Enricher`] holds the
//! compiled automata and is built once per run; enriching is pure, so batches of articles are
//! enriched in parallel while tantivy's threads index the last batch.

use rayon::prelude::*;

use crate::entities::{EntityKind, Extractor, ExtractorBuilder, Gazetteer, Meta, Tagger};
use crate::fingerprint::{FieldText, Fingerprinter, Signature};
use crate::ingest::Article;
use crate::text::analyzer::{self, IndexTerms};
use crate::text::Tokens;
use crate::Result;

/// What the indexer stores beyond the article itself. Made by [`Enricher::enrich`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrichment {
    /// The article's distinct entities, sorted.
    pub entities: Vec<(EntityKind, String)>,
    /// Its near-duplicate fingerprint.
    pub signature: Signature,
    /// The terms of the title (none without a title), as [`analyzer::index_terms`] makes them.
    pub(crate) title_terms: IndexTerms,
    /// The terms of the body.
    pub(crate) body_terms: IndexTerms,
}

/// Computes the [`Enrichment`] of articles.
#[derive(Debug)]
pub struct Enricher {
    extractor: Extractor,
    fingerprinter: Fingerprinter,
}

impl Enricher {
    /// An enricher with the built-in gazetteer, extended by `user` (whose entries win on clashes).
    pub fn new(user: Option<Gazetteer>) -> Result<Enricher> {
        Enricher::with_tagger(user, None)
    }

    /// [`Enricher::new`] with another entity tagger model than the built-in one.
    pub fn with_tagger(user: Option<Gazetteer>, tagger: Option<Tagger>) -> Result<Enricher> {
        let mut builder = ExtractorBuilder::new().gazetteer(Gazetteer::builtin_with(user)?);
        if let Some(tagger) = tagger {
            builder = builder.tagger(tagger);
        }
        // The folding's patterns are compiled beside the gazetteer too (DESIGN.md 2.17).
        let extractor = builder.build_beside(crate::text::fold::compile_patterns)?;
        Ok(Enricher {
            extractor,
            fingerprinter: Fingerprinter::new(),
        })
    }

    /// What this enricher is: two enrichers with the same identity make the same [`Enrichment`] of
    /// any article. A hash of the extractor's identity (newsidx's version, gazetteer, tagger) and
    /// the signature algorithm's version. The writer stores it with each commit, so that a re-run
    /// can leave unchanged articles alone.
    pub fn identity(&self) -> u64 {
        let mut bytes = self.extractor.identity().to_le_bytes().to_vec();
        bytes.extend_from_slice(&crate::fingerprint::ALGORITHM_VERSION.to_le_bytes());
        crate::text::fnv1a(&bytes)
    }

    /// The entity extractor (for `extract` and for resolving entity names).
    pub fn extractor(&self) -> &Extractor {
        &self.extractor
    }

    /// The enrichment of one article: each field is cut into words once, and the entities, the
    /// fingerprint and the index terms are read from those words.
    pub fn enrich(&self, article: &Article) -> Enrichment {
        let title = article.title.as_deref();
        let title_tokens = title.map(Tokens::new);
        let body_tokens = Tokens::new(&article.body);
        let title_field = title
            .zip(title_tokens.as_ref())
            .map(|(text, tokens)| FieldText { text, tokens });
        let body_field = FieldText {
            text: &article.body,
            tokens: &body_tokens,
        };
        let meta = Meta {
            year: article.published.map(|d| d.year()),
            source: article.source.as_deref(),
        };
        let parties = self.extractor.extract_article_parties(
            title_field.map(|f| (f.text, f.tokens)),
            (&article.body, &body_tokens),
            meta,
        );
        let mut signature = self.fingerprinter.signature(title_field, body_field);
        signature.published = article.published.map(|d| d.unix_timestamp());
        signature.facts.set_parties(
            parties.named.iter().map(String::as_str),
            parties.leads.iter().map(String::as_str),
        );
        let entities = parties.entities;
        Enrichment {
            entities,
            signature,
            title_terms: title_field
                .map(|f| analyzer::index_terms(f.text, f.tokens))
                .unwrap_or_default(),
            body_terms: analyzer::index_terms(&article.body, &body_tokens),
        }
    }

    /// [`Enricher::enrich`] over a batch of a stream's records, in parallel and in order, passing the
    /// rejected ones through.
    pub fn enrich_records(
        &self,
        records: Vec<Result<Article>>,
    ) -> Vec<Result<(Article, Enrichment)>> {
        records
            .into_par_iter()
            .map(|record| {
                record.map(|article| {
                    let extra = self.enrich(&article);
                    (article, extra)
                })
            })
            .collect()
    }
}
