//! Query-time collapse of near-duplicates. A collector keeps the top candidates of each segment;
//! `merge_fruits` ranks all candidates together (segments come in no set order) and reads the signatures
//! of those kept, and [`fingerprint::collapse`] groups them under their best-scoring member. When the duplicates
//! leave fewer groups than the page needs, the search is run again with more candidates.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentReader;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal};

use crate::fingerprint::Signature;
use crate::store::columns::SegmentSignatures;

/// Fewest candidates collapsed for a page.
const MIN_CANDIDATES: usize = 64;

/// Candidates collected for a page ending at `needed` groups: three per group, rounded up to a power
/// of two so that neighbouring pages are grouped from the same candidates and page consistently.
pub(crate) fn candidates_for(needed: usize) -> usize {
    (needed.saturating_mul(3))
        .max(MIN_CANDIDATES)
        .checked_next_power_of_two()
        .unwrap_or(usize::MAX / 4)
}

/// A ranked candidate with its signature.
#[derive(Clone)]
pub(crate) struct Candidate {
    pub(crate) score: Score,
    pub(crate) address: DocAddress,
    pub(crate) signature: Signature,
}

/// Collects the `k` best-scoring documents with their signatures.
pub(crate) struct TopCandidates {
    pub(crate) k: usize,
}

#[derive(PartialEq)]
struct Ranked(Score, DocId);

impl Eq for Ranked {}

impl Ord for Ranked {
    /// Higher score first; on a tie the lower doc id first. Reversed so the heap's top is the worst.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .0
            .total_cmp(&self.0)
            .then_with(|| self.1.cmp(&other.1))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

pub(crate) struct SegmentTop {
    segment: SegmentOrdinal,
    k: usize,
    heap: BinaryHeap<Ranked>,
    signatures: SegmentSignatures,
}

impl Collector for TopCandidates {
    type Fruit = Vec<Candidate>;
    type Child = SegmentTop;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentTop> {
        Ok(SegmentTop {
            segment,
            k: self.k,
            heap: BinaryHeap::with_capacity(self.k.min(4096) + 1),
            signatures: SegmentSignatures::open(reader)?,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<SegmentCandidates>) -> tantivy::Result<Vec<Candidate>> {
        // Rank every segment's best together, then read the signatures of the `k` kept only.
        let mut all: Vec<(Score, DocAddress)> = fruits
            .iter()
            .flat_map(|f| {
                f.ranked
                    .iter()
                    .map(|&(score, doc)| (score, DocAddress::new(f.segment, doc)))
            })
            .collect();
        // Addresses are distinct, so this order is total and an unstable sort gives the one answer;
        // only the `k` kept are sorted (each segment brings up to `k`).
        let by_rank = |a: &(Score, DocAddress), b: &(Score, DocAddress)| {
            b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1))
        };
        if self.k > 0 && all.len() > self.k {
            all.select_nth_unstable_by(self.k - 1, by_rank);
        }
        all.truncate(self.k);
        all.sort_unstable_by(by_rank);
        let columns: std::collections::HashMap<SegmentOrdinal, &SegmentSignatures> =
            fruits.iter().map(|f| (f.segment, &f.signatures)).collect();
        Ok(all
            .into_iter()
            .map(|(score, address)| Candidate {
                score,
                address,
                signature: columns
                    .get(&address.segment_ord)
                    .map_or_else(crate::store::columns::missing, |s| s.get(address.doc_id)),
            })
            .collect())
    }
}

/// Orders candidates that tie on score by content rather than by where they sit in the index. Copies
/// of one text score exactly alike, and their segments and doc ids depend on how indexing threads
/// shared the work; ordered by fingerprint, then (for copies whose folded text is the same) by id read
/// from the store, the same articles give the same leader however they were indexed. A run of ties cut
/// by the candidate limit `k` keeps index order, so that a page computed from more candidates agrees
/// with it.
pub(crate) fn order_ties(
    searcher: &tantivy::Searcher,
    id_field: tantivy::schema::Field,
    candidates: &mut [Candidate],
    k: usize,
) -> tantivy::Result<()> {
    let n = candidates.len();
    let truncated = n >= k;
    let mut start = 0;
    while start < n {
        let score = candidates[start].score.to_bits();
        let end = start
            + candidates[start..]
                .iter()
                .take_while(|c| c.score.to_bits() == score)
                .count();
        if end - start > 1 && !(truncated && end == n) {
            let run = &mut candidates[start..end];
            run.sort_by_key(|c| c.signature.simhash.0);
            by_id_where_equal(searcher, id_field, run)?;
        }
        start = end;
    }
    Ok(())
}

/// Within `run` (sorted by fingerprint), orders the candidates with equal fingerprints by id.
fn by_id_where_equal(
    searcher: &tantivy::Searcher,
    id_field: tantivy::schema::Field,
    run: &mut [Candidate],
) -> tantivy::Result<()> {
    for same in run.chunk_by_mut(|a, b| a.signature.simhash.0 == b.signature.simhash.0) {
        if same.len() < 2 {
            continue;
        }
        let mut keyed = Vec::with_capacity(same.len());
        for c in same.iter() {
            let doc = searcher.doc::<tantivy::TantivyDocument>(c.address)?;
            keyed.push((super::text(&doc, id_field).unwrap_or_default(), c.clone()));
        }
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        for (slot, (_, c)) in same.iter_mut().zip(keyed) {
            *slot = c;
        }
    }
    Ok(())
}

/// One segment's best documents, with the column their signatures are read from.
pub(crate) struct SegmentCandidates {
    segment: SegmentOrdinal,
    ranked: Vec<(Score, DocId)>,
    signatures: SegmentSignatures,
}

impl SegmentCollector for SegmentTop {
    type Fruit = SegmentCandidates;

    fn collect(&mut self, doc: DocId, score: Score) {
        if self.heap.len() < self.k {
            self.heap.push(Ranked(score, doc));
        } else if let Some(worst) = self.heap.peek() {
            if Ranked(score, doc) < *worst {
                self.heap.pop();
                self.heap.push(Ranked(score, doc));
            }
        }
    }

    fn harvest(self) -> SegmentCandidates {
        SegmentCandidates {
            segment: self.segment,
            ranked: self
                .heap
                .into_vec()
                .into_iter()
                .map(|Ranked(score, doc)| (score, doc))
                .collect(),
            signatures: self.signatures,
        }
    }
}
