//! One article whole, for `newsidx show`: its stored fields, where its entities occur (the extractor
//! run again on the stored title and body, keeping the mentions of the entities stored on the
//! article), and its story: the other articles within a fingerprint distance of it, found by reading
//! the fingerprint column of every live article.

use serde::{Deserialize, Serialize};
use tantivy::collector::DocSetCollector;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, TantivyDocument};
use tantivy::{DocAddress, Term};

use super::{date, entities, text, Duplicate, EntityRef, Reader};
use crate::entities::{EntityKind, Extractor};
use crate::fingerprint;
use crate::store::columns::SegmentSignatures;
use crate::Result;

/// An article as stored, with its entity mentions and its other copies. Serialises to the
/// `newsidx show --json` output.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArticleView {
    /// Article id.
    pub id: String,
    /// Headline.
    pub title: Option<String>,
    /// Article text.
    pub body: String,
    /// Publication.
    pub source: Option<String>,
    /// Byline.
    pub author: Option<String>,
    /// Address.
    pub url: Option<String>,
    /// Publication time, RFC 3339.
    pub published: Option<String>,
    /// File and line or row the article was read from.
    pub origin: Option<String>,
    /// The entities stored on the article, sorted by kind then name.
    pub entities: Vec<EntityRef>,
    /// Where those entities occur: the title's mentions, then the body's, each in text order.
    pub mentions: Vec<MentionSpan>,
    /// The fingerprint distance within which [`ArticleView::story`] was gathered.
    pub max_distance: u32,
    /// The other articles within `max_distance` of this one, nearest first (then by id).
    pub story: Vec<Duplicate>,
}

/// Which stored text a mention is in.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum TextField {
    /// The headline.
    Title,
    /// The article text.
    Body,
}

/// One occurrence of a stored entity in the title or body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MentionSpan {
    /// `person`, `org` or `place`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Canonical name, as stored.
    pub name: String,
    /// The text in which it occurs.
    pub field: TextField,
    /// The words as written.
    pub text: String,
    /// UTF-8 byte offset of its first byte in that field's text.
    pub start: usize,
    /// UTF-8 byte offset just past it (exclusive).
    pub end: usize,
}

/// The article with id `id`, or `None` when the index holds none. Mentions come from `extractor`
/// (use the gazetteer and tagger the index was built with); the story gathers the articles within
/// `max_distance` (0-100, see [`fingerprint::distance`]).
pub fn article(
    reader: &Reader,
    id: &str,
    extractor: &Extractor,
    max_distance: u32,
) -> Result<Option<ArticleView>> {
    let searcher = reader.searcher()?;
    let f = reader.fields();
    let key = crate::store::schema::id_key(id);
    let query = TermQuery::new(Term::from_field_text(f.id, &key), IndexRecordOption::Basic);
    // Upserts keep one live article per id; were there more, the first in index order is shown.
    let Some(address) = searcher.search(&query, &DocSetCollector)?.into_iter().min() else {
        return Ok(None);
    };
    let doc = searcher.doc::<TantivyDocument>(address)?;
    let title = text(&doc, f.title);
    let body = text(&doc, f.body).unwrap_or_default();
    let stored = entities(&doc, f.entities);
    let mut mentions = mentions_of(extractor, TextField::Title, title.as_deref(), &stored);
    mentions.extend(mentions_of(
        extractor,
        TextField::Body,
        Some(&body),
        &stored,
    ));
    Ok(Some(ArticleView {
        id: text(&doc, f.id).unwrap_or_default(),
        story: story(reader, &searcher, address, max_distance)?,
        title,
        body,
        source: text(&doc, f.source),
        author: text(&doc, f.author),
        url: text(&doc, f.url),
        published: date(&doc, f.published),
        origin: text(&doc, f.origin),
        entities: stored,
        mentions,
        max_distance,
    }))
}

/// The mentions in `text` of the entities in `stored`. Extraction of a field alone can name an entity
/// otherwise than indexing did (which reads the headline with the body as context); those mentions are
/// left out, so every mention shown is of a stored entity.
fn mentions_of(
    extractor: &Extractor,
    field: TextField,
    text: Option<&str>,
    stored: &[EntityRef],
) -> Vec<MentionSpan> {
    let Some(text) = text else {
        return Vec::new();
    };
    extractor
        .extract(text)
        .into_iter()
        .filter(|m| is_stored(stored, m.kind, &m.name))
        .map(|m| MentionSpan {
            kind: m.kind.as_str().to_string(),
            name: m.name,
            field,
            text: m.text,
            start: m.start,
            end: m.end,
        })
        .collect()
}

fn is_stored(stored: &[EntityRef], kind: EntityKind, name: &str) -> bool {
    stored
        .iter()
        .any(|e| e.kind == kind.as_str() && e.name == name)
}

/// The other live articles that the story rule at `max_distance` (with the default time bound)
/// accepts as copies of the one at `address`, by [`fingerprint::story_distance`], nearest first. The
/// fingerprints are read one at a time, segment by segment: nothing is held per article of the index,
/// and only the articles published within the time bound (or undated) have theirs read: reading
/// every fingerprint made showing one article of a 1,000,000-article index read 600 MB of it.
fn story(
    reader: &Reader,
    searcher: &tantivy::Searcher,
    address: DocAddress,
    max_distance: u32,
) -> Result<Vec<Duplicate>> {
    let segment = searcher.segment_reader(address.segment_ord);
    let this = SegmentSignatures::open(segment)?.get(address.doc_id);
    let rule = fingerprint::StoryRule::new(max_distance);
    let mut near = Vec::new();
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        let signatures = SegmentSignatures::open(segment)?;
        let ord = u32::try_from(ord).unwrap_or(u32::MAX);
        for doc in segment.doc_ids_alive() {
            let other = DocAddress::new(ord, doc);
            if other == address || !rule.published_close(this.published, signatures.published(doc))
            {
                continue;
            }
            if let Some(distance) = rule.accepts(&this, &signatures.get(doc)) {
                near.push((other, distance));
            }
        }
    }
    let f = reader.fields();
    let mut copies = Vec::with_capacity(near.len());
    for (other, distance) in near {
        let doc = searcher.doc::<TantivyDocument>(other)?;
        copies.push(Duplicate {
            id: text(&doc, f.id).unwrap_or_default(),
            label: super::label(&doc, f),
            title: text(&doc, f.title),
            source: text(&doc, f.source),
            published: date(&doc, f.published),
            distance,
        });
    }
    copies.sort_by(|a, b| a.distance.cmp(&b.distance).then_with(|| a.id.cmp(&b.id)));
    Ok(copies)
}
