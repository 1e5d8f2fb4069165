//! Stories: the groups of near-duplicates of the whole index at the default rule, as the writer
//! keeps them in the story column (each article's story is decided when it is written, see
//! [`crate::writer`]). Read once per searcher into one number per document, so that counting the
//! stories behind a query's matches reads one number per match instead of clustering them all at
//! query time. A query that groups by another rule finds its stories from the matches instead.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use tantivy::index::{SegmentId, SegmentReader};
use tantivy::{DocId, Searcher};

use super::columns::SegmentStoryColumn;
use crate::fingerprint::StoryRule;
use crate::Result;

/// Marks an article that is in no group: a story of its own.
pub(crate) const ALONE: u32 = u32::MAX;

/// The file in the index folder that the writer leaves the stories of its last commit in
/// ([`Stories::save`]), for searches that open the index once.
pub const STORIES_FILE: &str = "stories.bin";

/// The first bytes of [`STORIES_FILE`], with its version.
const MAGIC: &[u8; 16] = b"NEWSIDX-STORIES\x01";

/// The story of every article of the segments it was read from.
#[derive(Debug)]
pub(crate) struct Stories {
    /// The rule the groups were formed by.
    pub(crate) rule: StoryRule,
    /// Per segment, each document's story ([`ALONE`] for most): stories of two or more live
    /// articles are numbered densely from 0.
    segments: HashMap<SegmentId, SegmentStories>,
}

/// The stories of one segment, and the segment they were read from.
#[derive(Debug)]
struct SegmentStories {
    /// Each document's story; empty when every article of the segment is alone, so that counting
    /// over such a segment reads nothing per match (a 1M-article corpus without copies).
    column: Arc<[u32]>,
    /// The segment's documents and its live ones when read: deleting from a segment keeps its id.
    max_doc: u32,
    alive: u32,
}

impl Stories {
    /// Reads the story column of every segment of `searcher`: articles that share a story key with
    /// another live article, one of which joined it, get the story's number, the others are
    /// [`ALONE`].
    pub(crate) fn read(searcher: &Searcher) -> Result<Stories> {
        let readers = searcher.segment_readers();
        let sources = readers
            .iter()
            .map(|segment| {
                let column = SegmentStoryColumn::open(segment)?;
                Ok(Segment {
                    reader: segment,
                    all: column.all(segment.max_doc()),
                    column,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let columns = numbered(&sources);
        let segments = readers
            .iter()
            .zip(columns)
            .map(|(segment, column)| {
                let stories = SegmentStories {
                    column,
                    max_doc: segment.max_doc(),
                    alive: segment.num_docs(),
                };
                (segment.segment_id(), stories)
            })
            .collect();
        Ok(Stories {
            rule: StoryRule::default(),
            segments,
        })
    }

    /// The stories of `searcher`: those the writer left in `dir` ([`STORIES_FILE`]) when they
    /// cover exactly its segments and live documents, else read from its story column. A one-shot
    /// search of a million articles spent most of its time reading them (DESIGN.md 1.5).
    pub(crate) fn open(searcher: &Searcher, dir: &Path) -> Result<Stories> {
        match Stories::load(dir) {
            Some(saved) if saved.covers(searcher) => Ok(saved),
            _ => Stories::read(searcher),
        }
    }

    /// The stories saved in `dir`, if the file is there, whole and of this version.
    pub(crate) fn load(dir: &Path) -> Option<Stories> {
        let bytes = std::fs::read(dir.join(STORIES_FILE)).ok()?;
        Stories::from_bytes(&bytes)
    }

    /// Leaves the stories in `dir` for later searches, through the index directory's atomic write
    /// (a file written aside, synced and renamed over the old one; removed if the write fails), so
    /// that a reader finds the old file or the new one, whole. Not through tantivy's managed
    /// directory, which would count the file as its own and delete it at its next clean-up.
    pub(crate) fn save(&self, dir: &Path) -> std::io::Result<()> {
        use tantivy::Directory;
        super::directory::open(dir)
            .map_err(std::io::Error::other)?
            .atomic_write(Path::new(STORIES_FILE), &self.to_bytes())
    }

    /// The file's bytes: [`MAGIC`], the number of segments, per segment (in id order) its id (32
    /// hexadecimal digits), `max_doc`, live documents and column length (0 or `max_doc`), then the
    /// columns, then a CRC-32 of all that; numbers are little-endian `u32`.
    fn to_bytes(&self) -> Vec<u8> {
        let mut segments: Vec<(String, &SegmentStories)> = self
            .segments
            .iter()
            .map(|(id, s)| (id.uuid_string(), s))
            .collect();
        segments.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        let put = |out: &mut Vec<u8>, n: usize| out.extend_from_slice(&(n as u32).to_le_bytes());
        put(&mut out, segments.len());
        for (id, s) in &segments {
            out.extend_from_slice(id.as_bytes());
            put(&mut out, s.max_doc as usize);
            put(&mut out, s.alive as usize);
            put(&mut out, s.column.len());
        }
        for (_, s) in &segments {
            for &story in s.column.iter() {
                out.extend_from_slice(&story.to_le_bytes());
            }
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Reads [`Stories::to_bytes`]; `None` for anything else (another version, a damaged or cut
    /// file, a column that does not fit its segment, story numbers that are not dense).
    fn from_bytes(bytes: &[u8]) -> Option<Stories> {
        let (body, crc) = bytes.split_last_chunk::<4>()?;
        if crc32fast::hash(body) != u32::from_le_bytes(*crc) {
            return None;
        }
        let mut rest = body.strip_prefix(MAGIC.as_slice())?;
        let mut take = |n: usize| -> Option<&[u8]> {
            let (head, tail) = rest.split_at_checked(n)?;
            rest = tail;
            Some(head)
        };
        let number = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let count = number(take(4)?) as usize;
        let mut heads = Vec::with_capacity(count.min(body.len() / 44));
        for _ in 0..count {
            let id = std::str::from_utf8(take(32)?).ok()?;
            let id = SegmentId::from_uuid_string(id).ok()?;
            let (max_doc, alive, len) = (number(take(4)?), number(take(4)?), number(take(4)?));
            if (len != 0 && len != max_doc) || alive > max_doc {
                return None;
            }
            heads.push((id, max_doc, alive, len as usize));
        }
        let mut segments = HashMap::with_capacity(heads.len());
        let (mut members, mut most) = (0u64, None::<u32>);
        for (id, max_doc, alive, len) in heads {
            let column: Arc<[u32]> = take(len.checked_mul(4)?)?
                .chunks_exact(4)
                .map(number)
                .collect();
            for &story in column.iter().filter(|&&s| s != ALONE) {
                members += 1;
                most = most.max(Some(story));
            }
            let stories = SegmentStories {
                column,
                max_doc,
                alive,
            };
            if segments.insert(id, stories).is_some() {
                return None;
            }
        }
        // Numbered densely from 0, each story of two or more articles: no number past half of them.
        let dense = most.is_none_or(|most| u64::from(most) < members.div_ceil(2).max(1));
        (rest.is_empty() && dense).then_some(Stories {
            rule: StoryRule::default(),
            segments,
        })
    }

    /// Stories that cover `searcher`'s segments with every article alone (a test's stand-in for a
    /// file that differs from the column).
    #[cfg(test)]
    pub(crate) fn all_alone(searcher: &Searcher) -> Stories {
        let segments = searcher
            .segment_readers()
            .iter()
            .map(|segment| {
                let stories = SegmentStories {
                    column: Arc::from(Vec::new()),
                    max_doc: segment.max_doc(),
                    alive: segment.num_docs(),
                };
                (segment.segment_id(), stories)
            })
            .collect();
        Stories {
            rule: StoryRule::default(),
            segments,
        }
    }

    /// Whether the stories cover exactly the segments of `searcher`, with the same live documents
    /// (an upsert deletes from a segment without changing its id).
    pub(crate) fn covers(&self, searcher: &Searcher) -> bool {
        let readers = searcher.segment_readers();
        readers.len() == self.segments.len()
            && readers.iter().all(|r| {
                self.segments
                    .get(&r.segment_id())
                    .is_some_and(|s| s.max_doc == r.max_doc() && s.alive == r.num_docs())
            })
    }

    /// The number of stories of two or more articles, and the articles in them.
    pub(crate) fn summary(&self) -> (u64, u64) {
        let mut stories = std::collections::HashSet::new();
        let mut articles = 0u64;
        for segment in self.segments.values() {
            for &story in segment.column.iter().filter(|&&s| s != ALONE) {
                stories.insert(story);
                articles += 1;
            }
        }
        (stories.len() as u64, articles)
    }

    /// Each document's story in `segment`; empty when all its articles are alone (a document
    /// past the end is [`ALONE`]).
    pub(crate) fn segment(&self, segment: SegmentId) -> Option<Arc<[u32]>> {
        self.segments.get(&segment).map(|s| s.column.clone())
    }
}

/// What numbering stories reads of a segment.
trait StorySource {
    fn max_doc(&self) -> DocId;
    /// The live documents, in order.
    fn alive(&self) -> impl Iterator<Item = DocId>;
    /// A document's story key and whether it leads the story.
    fn story(&self, doc: DocId) -> Option<(u64, bool)>;
}

struct Segment<'a> {
    reader: &'a SegmentReader,
    column: SegmentStoryColumn,
    /// Every document's story value, read at once when every document has one.
    all: Option<Vec<u64>>,
}

impl StorySource for Segment<'_> {
    fn max_doc(&self) -> DocId {
        self.reader.max_doc()
    }

    fn alive(&self) -> impl Iterator<Item = DocId> {
        self.reader.doc_ids_alive()
    }

    fn story(&self, doc: DocId) -> Option<(u64, bool)> {
        match &self.all {
            Some(all) => all
                .get(doc as usize)
                .map(|&value| SegmentStoryColumn::decode(value)),
            None => self.column.get(doc),
        }
    }
}

/// Each segment's column of story numbers (empty when all its articles are alone). A story is
/// shared when an article joined it (the writer gives an article that leads a story a key of its
/// own) and two or more of its articles are live; stories are numbered densely in the order their
/// first article comes. Only the keys that articles joined are held, so that a searcher over a
/// million articles, nearly all alone, reads each story once and hashes nothing for most
/// (holding every key took 70 ms of a one-shot search at that size). A leader's key is looked up
/// only when a bit of a small filter of the joined keys says it may be one of them, and the
/// articles of shared stories are listed as they are met, so that numbering them reads no document
/// again (three passes over every document, with a lookup of each in the joined keys, took 55 ms of
/// a one-shot search of a million articles with 128,000 stories; DESIGN.md 1.5).
fn numbered<S: StorySource>(segments: &[S]) -> Vec<Arc<[u32]>> {
    // The keys some live article joined, with their live articles (counted below).
    let mut joined: FxHashMap<u64, u32> = FxHashMap::default();
    for segment in segments {
        for doc in segment.alive() {
            if let Some((story, false)) = segment.story(doc) {
                joined.insert(story, 0);
            }
        }
    }
    if joined.is_empty() {
        return segments.iter().map(|_| Arc::from(Vec::new())).collect();
    }
    let filter = KeyFilter::of(joined.keys().copied(), joined.len());
    // Per segment, its articles in joined stories, in document order, with their keys.
    let mut members: Vec<Vec<(DocId, u64)>> = Vec::with_capacity(segments.len());
    for segment in segments {
        let mut held = Vec::new();
        for doc in segment.alive() {
            let Some((story, leader)) = segment.story(doc) else {
                continue;
            };
            if leader && !filter.may_hold(story) {
                continue;
            }
            if let Some(count) = joined.get_mut(&story) {
                *count += 1;
                held.push((doc, story));
            }
        }
        members.push(held);
    }
    let mut numbers: FxHashMap<u64, u32> = FxHashMap::default();
    segments
        .iter()
        .zip(members)
        .map(|(segment, held)| {
            let mut column: Vec<u32> = Vec::new();
            for (doc, story) in held {
                if joined.get(&story).is_some_and(|&count| count >= 2) {
                    if column.is_empty() {
                        column = vec![ALONE; segment.max_doc() as usize];
                    }
                    let next = numbers.len() as u32;
                    column[doc as usize] = *numbers.entry(story).or_insert(next);
                }
            }
            Arc::from(column)
        })
        .collect()
}

/// A bit per slot of a table about sixteen times as large as a set of keys: a key whose bit is
/// clear is not in the set; one whose bit is set may be (one in sixteen others are).
struct KeyFilter {
    bits: Vec<u64>,
    shift: u32,
}

impl KeyFilter {
    fn of(keys: impl Iterator<Item = u64>, len: usize) -> KeyFilter {
        let slots = (len.max(4) * 16).next_power_of_two();
        let mut filter = KeyFilter {
            bits: vec![0; slots / 64],
            shift: 64 - slots.trailing_zeros(),
        };
        for key in keys {
            let slot = filter.slot(key);
            filter.bits[slot / 64] |= 1 << (slot % 64);
        }
        filter
    }

    fn slot(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    fn may_hold(&self, key: u64) -> bool {
        let slot = self.slot(key);
        self.bits[slot / 64] & 1 << (slot % 64) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A segment in memory: per document, whether it is live and its story.
    struct Fake(Vec<(bool, Option<(u64, bool)>)>);

    impl StorySource for Fake {
        fn max_doc(&self) -> DocId {
            self.0.len() as DocId
        }

        fn alive(&self) -> impl Iterator<Item = DocId> {
            (0..self.0.len() as DocId).filter(|&d| self.0[d as usize].0)
        }

        fn story(&self, doc: DocId) -> Option<(u64, bool)> {
            self.0[doc as usize].1
        }
    }

    /// Story numbers relabelled by first appearance, empty columns spelt out: two numberings
    /// that group the same articles compare equal.
    fn canonical(segments: &[Fake], columns: &[Arc<[u32]>]) -> Vec<Vec<u32>> {
        let mut labels: FxHashMap<u32, u32> = FxHashMap::default();
        segments
            .iter()
            .zip(columns)
            .map(|(segment, column)| {
                (0..segment.0.len())
                    .map(|d| match column.get(d).copied().unwrap_or(ALONE) {
                        ALONE => ALONE,
                        n => {
                            let next = labels.len() as u32;
                            *labels.entry(n).or_insert(next)
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// The definition: articles whose story key two or more live articles share.
    fn by_counting_every_key(segments: &[Fake]) -> Vec<Arc<[u32]>> {
        let mut counts: FxHashMap<u64, u32> = FxHashMap::default();
        for segment in segments {
            for doc in segment.alive() {
                if let Some((story, _)) = segment.story(doc) {
                    *counts.entry(story).or_default() += 1;
                }
            }
        }
        segments
            .iter()
            .map(|segment| {
                let mut column = vec![ALONE; segment.0.len()];
                for doc in segment.alive() {
                    if let Some((story, _)) = segment.story(doc) {
                        if counts[&story] >= 2 {
                            column[doc as usize] = story as u32;
                        }
                    }
                }
                Arc::from(column)
            })
            .collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 512,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// As the writer keeps them (a leader's key is its own; copies join a leader's key, which
        /// may since have been deleted or replaced), the stories are those of counting every key.
        #[test]
        fn stories_are_the_keys_two_live_articles_share(
            docs in proptest::collection::vec(
                proptest::collection::vec((proptest::bool::weighted(0.8), 0u8..4, 0u64..12), 0..40),
                1..4,
            ),
        ) {
            // Kind 0: a leader with a key of its own; 1, 2: a copy that joined key 0..12 (leaders
            // are numbered from 100); 3: written without a story.
            let mut next_leader = 100u64;
            let segments: Vec<Fake> = docs
                .into_iter()
                .map(|segment| {
                    Fake(
                        segment
                            .into_iter()
                            .map(|(live, kind, key)| {
                                let story = match kind {
                                    0 => {
                                        next_leader += 1;
                                        Some((next_leader, true))
                                    }
                                    1 => Some((key, false)),
                                    2 => Some((100 + key, false)),
                                    _ => None,
                                };
                                (live, story)
                            })
                            .collect(),
                    )
                })
                .collect();
            let got = numbered(&segments);
            let want = by_counting_every_key(&segments);
            proptest::prop_assert_eq!(canonical(&segments, &got), canonical(&segments, &want));
            for column in &got {
                proptest::prop_assert!(column.is_empty() || column.iter().any(|&s| s != ALONE));
            }
        }
    }

    fn saved_example() -> Stories {
        let mut segments = HashMap::new();
        for (column, alive) in [
            (vec![ALONE, 0, 1, ALONE, 0, 1, 2], 7),
            (vec![], 3),
            (vec![2, ALONE], 1),
        ] {
            let max_doc = if column.is_empty() {
                3
            } else {
                column.len() as u32
            };
            let stories = SegmentStories {
                column: Arc::from(column),
                max_doc,
                alive,
            };
            segments.insert(SegmentId::generate_random(), stories);
        }
        Stories {
            rule: StoryRule::default(),
            segments,
        }
    }

    /// The same segments, documents and numbers.
    fn same(a: &Stories, b: &Stories) -> bool {
        a.segments.len() == b.segments.len()
            && a.segments.iter().all(|(id, s)| {
                b.segments.get(id).is_some_and(|t| {
                    (s.column.as_ref(), s.max_doc, s.alive)
                        == (t.column.as_ref(), t.max_doc, t.alive)
                })
            })
    }

    #[test]
    fn saved_stories_read_back_and_damaged_files_do_not() {
        let stories = saved_example();
        let bytes = stories.to_bytes();
        let back = Stories::from_bytes(&bytes).expect("read back");
        assert!(same(&stories, &back));
        let dir = tempfile::tempdir().expect("tempdir");
        stories.save(dir.path()).expect("save");
        assert!(same(&stories, &Stories::load(dir.path()).expect("load")));
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
        assert_eq!(left.len(), 1, "nothing left aside");
        // Cut anywhere, or any byte changed: not read.
        for end in 0..bytes.len() {
            assert!(Stories::from_bytes(&bytes[..end]).is_none(), "cut at {end}");
        }
        for at in 0..bytes.len() {
            let mut changed = bytes.clone();
            changed[at] ^= 0x10;
            assert!(Stories::from_bytes(&changed).is_none(), "byte {at} changed");
        }
        // Whole (the checksum agrees) but numbers that are not dense: not read either.
        let mut sparse = saved_example();
        let first = sparse.segments.values_mut().find(|s| s.column.len() == 7);
        first.expect("segment").column = Arc::from(vec![ALONE, 0, 1, ALONE, 0, 1, 9]);
        assert!(Stories::from_bytes(&sparse.to_bytes()).is_none());
        assert!(Stories::load(&dir.path().join("missing")).is_none());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 2048,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Any bytes, with or without the file's beginning and a checksum that agrees: read or
        /// refused, never a panic.
        #[test]
        fn any_bytes_are_read_or_refused(
            tail in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
            small in proptest::bool::ANY,
        ) {
            let mut bytes = MAGIC.to_vec();
            if small {
                // Few segments, so that the segment headers are reached.
                bytes.extend_from_slice(&(u32::from(tail.first().copied().unwrap_or(0) % 4)).to_le_bytes());
            }
            bytes.extend_from_slice(&tail);
            let crc = crc32fast::hash(&bytes);
            bytes.extend_from_slice(&crc.to_le_bytes());
            let _ = Stories::from_bytes(&bytes);
            let _ = Stories::from_bytes(&tail);
        }
    }

    /// Two live leaders of one key (the same id live twice, or a hash collision) are two
    /// reports, not a story: only a copy joins a story.
    #[test]
    fn leaders_alone_share_no_story() {
        let segments = [Fake(vec![(true, Some((7, true))), (true, Some((7, true)))])];
        assert_eq!(
            canonical(&segments, &numbered(&segments)),
            vec![vec![ALONE, ALONE]]
        );
        let segments = [Fake(vec![
            (true, Some((7, true))),
            (false, Some((7, false))),
            (true, Some((9, false))),
            (true, Some((7, false))),
        ])];
        assert_eq!(
            canonical(&segments, &numbered(&segments)),
            vec![vec![0, ALONE, ALONE, 0]]
        );
    }
}
