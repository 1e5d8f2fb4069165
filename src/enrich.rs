//! What indexing adds to an article beyond its text: its entities as facets and its near-duplicate
//! fingerprint and signature. The [`Enricher`] holds the compiled automata and is built once per run; enriching is
//! pure, so batches of articles are enriched in parallel while tantivy's threads index the last batch.

use rayon::prelude::*;
use tantivy::schema::Facet;

use crate::entities::{facet_path, Extractor, ExtractorBuilder, Gazetteer};
use crate::fingerprint::Fingerprinter;
use crate::index::Enrichment;
use crate::ingest::Article;
use crate::Result;

/// Computes the [`Enrichment`] of articles.
#[derive(Debug)]
pub struct Enricher {
    extractor: Extractor,
    fingerprinter: Fingerprinter,
}

impl Enricher {
    /// An enricher with the built-in gazetteer, extended by `user` (whose entries win on clashes).
    pub fn new(user: Option<Gazetteer>) -> Result<Enricher> {
        let mut gazetteer = Gazetteer::builtin()?;
        if let Some(user) = user {
            gazetteer.merge(user);
        }
        let extractor = ExtractorBuilder::new().gazetteer(gazetteer).build()?;
        Ok(Enricher {
            extractor,
            fingerprinter: Fingerprinter::new(),
        })
    }

    /// The entity extractor (for `extract` and for resolving `--entity` names).
    pub fn extractor(&self) -> &Extractor {
        &self.extractor
    }

    /// The enrichment of one article.
    pub fn enrich(&self, article: &Article) -> Enrichment {
        let entities = self
            .extractor
            .extract_article(article.title.as_deref(), &article.body)
            .into_iter()
            .map(|(kind, name)| Facet::from_path(facet_path(kind, &name)))
            .collect();
        let signature = self
            .fingerprinter
            .signature(article.title.as_deref(), &article.body);
        Enrichment {
            entities,
            fingerprint: signature.simhash.0,
            signature: crate::search::signatures::encode(&signature),
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
