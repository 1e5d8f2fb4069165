//! Every story (group of near-duplicates) of the whole index. At the default rule they are read from
//! the story column, as the writer kept them; by another rule they are found from the fingerprints,
//! without comparing all pairs ([`fingerprint::stories`] finds candidate pairs by banding).

use serde::Serialize;
use tantivy::schema::TantivyDocument;
use tantivy::DocAddress;

use super::{date, label, text, Duplicate, Reader};
use crate::fingerprint::{self, story_distance, Signature, StoryRule};
use crate::store::columns::{SegmentSignatures, SegmentStoryColumn};
use crate::store::stories::{Stories, ALONE};
use crate::Result;

/// One story: articles that are near-duplicates of its leader.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct StorySummary {
    /// Article ids, the leader first, then its copies by publication time.
    pub ids: Vec<String>,
    /// Number of articles.
    pub size: usize,
    /// Their headlines (or `null`), in the order of `ids`.
    pub titles: Vec<Option<String>>,
    /// The articles, in the order of `ids`, each with its distance to the leader (0 for the
    /// leader).
    pub members: Vec<Duplicate>,
}

/// All stories of two or more articles by `rule`: every copy within the rule's distance and time
/// bound of its story's leader; each article in at most one story. Largest first.
///
/// At the default rule the stories are those the writer kept (the leader is the copy that came
/// first); by another rule they are found anew, the articles taken oldest first so that the
/// earliest copy leads.
pub fn stories(reader: &Reader, rule: StoryRule) -> Result<Vec<StorySummary>> {
    let searcher = reader.searcher()?;
    let groups = if rule == StoryRule::default() {
        // The reader's stories of this searcher (read again here only to report why they failed).
        let kept = match reader.stories(&searcher, rule) {
            Some(kept) => kept,
            None => std::sync::Arc::new(Stories::read(&searcher)?),
        };
        kept_stories(&searcher, &kept)?
    } else {
        found_stories(&searcher, rule)?
    };
    let f = reader.fields();
    let mut stories = Vec::with_capacity(groups.len());
    for group in groups {
        let leader = &group[0].1;
        let mut members = Vec::with_capacity(group.len());
        for (at, (address, signature)) in group.iter().enumerate() {
            let doc = searcher.doc::<TantivyDocument>(*address)?;
            members.push(Duplicate {
                id: text(&doc, f.id).unwrap_or_default(),
                label: label(&doc, f),
                title: text(&doc, f.title),
                source: text(&doc, f.source),
                published: date(&doc, f.published),
                distance: if at == 0 {
                    0
                } else {
                    story_distance(leader, signature)
                },
            });
        }
        members[1..].sort_by(|a, b| {
            (a.published.is_none(), &a.published, &a.id).cmp(&(
                b.published.is_none(),
                &b.published,
                &b.id,
            ))
        });
        stories.push(StorySummary {
            ids: members.iter().map(|m| m.id.clone()).collect(),
            size: members.len(),
            titles: members.iter().map(|m| m.title.clone()).collect(),
            members,
        });
    }
    stories.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.ids.cmp(&b.ids)));
    Ok(stories)
}

/// A page of [`stories`]: `limit` stories (all when `None`) from `offset`, with the total.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct StoriesPage {
    /// Stories of two or more articles in the whole index.
    pub total: usize,
    /// Stories skipped before this page.
    pub offset: usize,
    /// The page's stories, largest first.
    pub clusters: Vec<StorySummary>,
}

/// [`stories`], the page from `offset` of at most `limit` (every one when `None`).
pub fn stories_page(
    reader: &Reader,
    rule: StoryRule,
    offset: usize,
    limit: Option<usize>,
) -> Result<StoriesPage> {
    let all = stories(reader, rule)?;
    let total = all.len();
    let clusters = all
        .into_iter()
        .skip(offset)
        .take(limit.unwrap_or(usize::MAX))
        .collect();
    Ok(StoriesPage {
        total,
        offset,
        clusters,
    })
}

type Group = Vec<(DocAddress, Signature)>;

/// The stories of the story column, each led by its leader. The copies of a story whose leader was
/// replaced by another text are grouped anew among themselves, oldest first. Only the articles that
/// `kept` puts in a story of two or more are read (with their fingerprints); holding every
/// article's took 2.9 s and 1.16 GB of heap for `duplicates` on a 1M-article index.
fn kept_stories(searcher: &tantivy::Searcher, kept: &Stories) -> Result<Vec<Group>> {
    let mut all: Vec<(u32, bool, DocAddress, Signature)> = Vec::new();
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        let Some(numbers) = kept.segment(segment.segment_id()) else {
            continue;
        };
        if numbers.is_empty() {
            continue;
        }
        let column = SegmentStoryColumn::open(segment)?;
        let signatures = SegmentSignatures::open(segment)?;
        for (doc, &story) in (0..).zip(numbers.iter()) {
            if story != ALONE {
                let leader = column.get(doc).is_some_and(|(_, leader)| leader);
                all.push((
                    story,
                    leader,
                    DocAddress::new(ord as u32, doc),
                    signatures.get(doc),
                ));
            }
        }
    }
    // Per story, the leader first, then by publication time.
    all.sort_by(|a, b| {
        (a.0, !a.1, a.3.published.is_none(), a.3.published, a.2).cmp(&(
            b.0,
            !b.1,
            b.3.published.is_none(),
            b.3.published,
            b.2,
        ))
    });
    let mut groups = Vec::new();
    for run in all.chunk_by(|a, b| a.0 == b.0).filter(|run| run.len() >= 2) {
        if run[0].1 {
            groups.push(run.iter().map(|a| (a.2, a.3.clone())).collect());
            continue;
        }
        let sigs: Vec<Signature> = run.iter().map(|a| a.3.clone()).collect();
        for members in fingerprint::stories(&sigs, StoryRule::default()) {
            groups.push(
                members
                    .into_iter()
                    .map(|m| (run[m].2, sigs[m].clone()))
                    .collect(),
            );
        }
    }
    Ok(groups)
}

/// The stories by `rule`, found from every live article's fingerprint, oldest first.
fn found_stories(searcher: &tantivy::Searcher, rule: StoryRule) -> Result<Vec<Group>> {
    let (addresses, signatures) = crate::store::columns::all_live(searcher)?;
    let mut order: Vec<usize> = (0..signatures.len()).collect();
    order.sort_by_key(|&i| {
        (
            signatures[i].published.is_none(),
            signatures[i].published,
            addresses[i],
        )
    });
    let sorted: Vec<Signature> = order.iter().map(|&i| signatures[i].clone()).collect();
    Ok(fingerprint::stories(&sorted, rule)
        .into_iter()
        .map(|members| {
            members
                .into_iter()
                .map(|m| (addresses[order[m]], sorted[m].clone()))
                .collect()
        })
        .collect())
}
