//! The signatures file of a segment (`<segment>.sig`): every document's near-duplicate signature
//! ([`Signature::to_packed`]), in doc-id order. It is a tantivy segment plugin
//! ([`SignaturesPlugin`]): its writer streams each signature to the file as the document is indexed,
//! merges copy the records of the documents kept, and a reader reads a record in place from the
//! mapped file.
//!
//! Layout (integers little-endian): the magic [`MAGIC`]; the records one after the other (a
//! document without a signature has an empty one); where each record ends, counted from the first
//! record's start, a `u64` per document; the number of documents, a `u64`. Then tantivy's footer.
//!
//! Until index format 4 the signatures were a multi-valued u64 fast field: tantivy's column writer
//! kept every piece in its arena and buffered the whole column to pick an encoding at each commit, and
//! a read gathered the pieces back. See DESIGN.md ("The signatures file") for what that cost.

use std::any::Any;
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, LazyLock, Mutex, Weak};

use tantivy::directory::{OwnedBytes, TerminatingWrite, WritePtr};
use tantivy::index::{SegmentComponent, SegmentId, SegmentReader};
use tantivy::indexer::doc_id_mapping::{DocIdMapping, MappingType};
use tantivy::plugin::{PluginMergeContext, PluginWriter, PluginWriterContext, SegmentPlugin};
use tantivy::schema::document::ErasedDocument;
use tantivy::schema::Schema;
use tantivy::{DocId, Segment, TantivyError};

use super::document::NewsDocument;
use crate::fingerprint::Signature;

/// The file extension of a segment's signatures file.
pub(crate) const EXTENSION: &str = "sig";

/// The first bytes of a signatures file.
const MAGIC: &[u8; 8] = b"NXSIG\0\0\x02";

fn component() -> SegmentComponent {
    SegmentComponent::Custom(EXTENSION.to_string())
}

/// Writes the records' ends and their count: what follows the records.
fn finish(out: &mut WritePtr, ends: &[u64]) -> std::io::Result<()> {
    for end in ends {
        out.write_all(&end.to_le_bytes())?;
    }
    out.write_all(&(ends.len() as u64).to_le_bytes())
}

/// The segment plugin that writes, merges and sizes the signatures files. Registered on every index
/// of format 4 and later ([`super::Store`]).
pub(crate) struct SignaturesPlugin;

impl SegmentPlugin for SignaturesPlugin {
    fn extensions(&self) -> &[&str] {
        &[EXTENSION]
    }

    fn create_writer(&self, ctx: &PluginWriterContext) -> tantivy::Result<Box<dyn PluginWriter>> {
        let mut out = ctx.segment.open_write(component())?;
        out.write_all(MAGIC)?;
        Ok(Box::new(SignaturesWriter {
            out,
            ends: Vec::new(),
        }))
    }

    /// Copies the records of the documents the merge keeps, in the order it keeps them: the source
    /// segments one after the other, each without its deleted documents (tantivy's stacked merge;
    /// newsidx never sorts an index, which would shuffle them).
    fn merge(&self, ctx: PluginMergeContext) -> tantivy::Result<()> {
        if ctx.doc_id_mapping.mapping_type() == MappingType::Shuffled {
            return Err(TantivyError::InvalidArgument(
                "a newsidx index cannot be sorted: its signatures merge in document order".into(),
            ));
        }
        let mut out = ctx.target_segment.open_write(component())?;
        out.write_all(MAGIC)?;
        let mut ends = Vec::new();
        let mut written = 0u64;
        for reader in ctx.readers {
            let file = SignaturesFile::open(reader)?;
            for doc in reader.doc_ids_alive() {
                let record = file.record(doc).unwrap_or_default();
                out.write_all(record)?;
                written += record.len() as u64;
                ends.push(written);
            }
        }
        finish(&mut out, &ends)?;
        out.terminate()?;
        Ok(())
    }
}

/// Streams one segment's signatures to its file as documents are indexed.
struct SignaturesWriter {
    out: WritePtr,
    /// Where each record written so far ends.
    ends: Vec<u64>,
}

impl PluginWriter for SignaturesWriter {
    /// Writes the document's signature; a document without one (not made by newsidx's writer) gets
    /// an empty record, which reads back as no signature.
    fn add_document(
        &mut self,
        _doc_id: DocId,
        doc: &dyn ErasedDocument,
        _schema: &Schema,
    ) -> tantivy::Result<()> {
        let record = doc
            .as_any()
            .downcast_ref::<NewsDocument>()
            .and_then(NewsDocument::signature)
            .unwrap_or_default();
        self.out.write_all(record)?;
        let written = self.ends.last().copied().unwrap_or(0);
        self.ends.push(written + record.len() as u64);
        Ok(())
    }

    fn serialize(
        self: Box<Self>,
        _segment: &Segment,
        doc_id_map: Option<&DocIdMapping>,
    ) -> tantivy::Result<()> {
        if doc_id_map.is_some() {
            return Err(TantivyError::InvalidArgument(
                "a newsidx index cannot be sorted: its signatures are written in document order"
                    .into(),
            ));
        }
        let mut out = self.out;
        finish(&mut out, &self.ends)?;
        out.terminate()?;
        Ok(())
    }

    fn mem_usage(&self) -> usize {
        self.out.capacity() + self.ends.capacity() * 8
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// One segment's signatures file, mapped.
#[derive(Clone)]
pub(crate) struct SignaturesFile {
    file: Arc<Mapped>,
}

/// A signatures file's bytes and where its parts lie.
struct Mapped {
    bytes: OwnedBytes,
    layout: Layout,
}

/// Where the parts of a signatures file lie.
struct Layout {
    /// The number of documents.
    docs: usize,
    /// Where the records' ends start (and the records stop).
    ends: usize,
}

impl Layout {
    /// The layout of `bytes`, if they are a signatures file of `max_doc` documents.
    fn of(bytes: &[u8], max_doc: u32) -> Option<Layout> {
        let docs = max_doc as usize;
        let (rest, count) = bytes.split_last_chunk::<8>()?;
        let ends = rest.len().checked_sub(docs.checked_mul(8)?)?;
        let whole = bytes.starts_with(MAGIC)
            && ends >= MAGIC.len()
            && u64::from_le_bytes(*count) == u64::from(max_doc);
        whole.then_some(Layout { docs, ends })
    }
}

/// The signatures files open in this process, by segment, so that a search finds a segment's file
/// without asking the directory again (which looks it up by path and reads its footer: 1.6 % of
/// `newsidx bench`'s time on Reuters). A segment id is a random UUID and a segment's files never
/// change once written, so two segments with one id are copies of one segment.
static OPEN: LazyLock<Mutex<HashMap<SegmentId, Weak<Mapped>>>> = LazyLock::new(Default::default);

fn open_files() -> std::sync::MutexGuard<'static, HashMap<SegmentId, Weak<Mapped>>> {
    OPEN.lock().unwrap_or_else(|e| e.into_inner())
}

impl SignaturesFile {
    /// The signatures file of `segment`: the one already open in this process, else the file read
    /// from the directory, checked to hold as many records as the segment has documents.
    pub(crate) fn open(segment: &SegmentReader) -> tantivy::Result<SignaturesFile> {
        let id = segment.segment_id();
        if let Some(file) = open_files().get(&id).and_then(Weak::upgrade) {
            return Ok(SignaturesFile { file });
        }
        let bytes = segment.open_read(component())?.read_bytes()?;
        let Some(layout) = Layout::of(bytes.as_slice(), segment.max_doc()) else {
            return Err(TantivyError::InternalError(format!(
                "segment {}: the signatures file ({} bytes) is not one of {} signatures",
                id.uuid_string(),
                bytes.len(),
                segment.max_doc()
            )));
        };
        let file = Arc::new(Mapped { bytes, layout });
        let mut open = open_files();
        open.retain(|_, file| file.strong_count() > 0);
        open.insert(id, Arc::downgrade(&file));
        Ok(SignaturesFile { file })
    }

    /// The stored bytes of `doc`'s signature (`None` past the last document or where the file's
    /// ends do not make a record).
    pub(crate) fn record(&self, doc: DocId) -> Option<&[u8]> {
        let Mapped { bytes, layout } = &*self.file;
        let bytes = bytes.as_slice();
        let end_of = |doc: usize| -> Option<usize> {
            let at = layout.ends + doc.checked_mul(8)?;
            let end = u64::from_le_bytes(*bytes.get(at..at + 8)?.first_chunk::<8>()?);
            usize::try_from(end).ok()
        };
        let doc = doc as usize;
        if doc >= layout.docs {
            return None;
        }
        let start = if doc == 0 { 0 } else { end_of(doc - 1)? };
        let end = end_of(doc)?;
        bytes.get(MAGIC.len()..layout.ends)?.get(start..end)
    }

    /// The signature of `doc`, or `None` when it has none (an empty record) or none is stored.
    pub(crate) fn get(&self, doc: DocId) -> Option<Signature> {
        Signature::from_packed(self.record(doc)?).ok()
    }
}

/// Keeps the signatures files of the readers' live segments open. tantivy's directory maps a file
/// only while something holds it, and nothing of tantivy's own holds a plugin's file: without a
/// holder every search would map each segment's file again (a system call per segment per query,
/// which made a collapsed search on Reuters three times as slow).
///
/// One warmer serves every reader of a [`super::Store`]. tantivy hands each reader's collection of
/// files to [`tantivy::Warmer::garbage_collect`] with that reader's live generations only, so a file
/// is let go when it is in none of them and no longer in the index's last commit either: one reader
/// does not drop the files another, reading the last commit, still uses.
pub(crate) struct SignaturesWarmer {
    index: tantivy::Index,
    open: Mutex<HashMap<SegmentId, SignaturesFile>>,
}

impl SignaturesWarmer {
    pub(crate) fn new(index: tantivy::Index) -> SignaturesWarmer {
        SignaturesWarmer {
            index,
            open: Default::default(),
        }
    }

    /// The segments whose files are held.
    #[cfg(test)]
    pub(crate) fn held(&self) -> std::collections::BTreeSet<SegmentId> {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.keys().copied().collect()
    }
}

impl tantivy::Warmer for SignaturesWarmer {
    fn warm(&self, searcher: &tantivy::Searcher) -> tantivy::Result<()> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        for segment in searcher.segment_readers() {
            if let std::collections::hash_map::Entry::Vacant(slot) =
                open.entry(segment.segment_id())
            {
                slot.insert(SignaturesFile::open(segment)?);
            }
        }
        Ok(())
    }

    fn garbage_collect(&self, live_generations: &[&tantivy::SearcherGeneration]) {
        // Unreadable metadata keeps every file: a later collection lets them go.
        let Ok(committed) = self.index.searchable_segment_ids() else {
            return;
        };
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.retain(|id, _| {
            committed.contains(id)
                || live_generations
                    .iter()
                    .any(|g| g.segments().contains_key(id))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A signatures file of `records`, as the writer lays it out (without tantivy's footer).
    fn file_of(records: &[&[u8]]) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        let mut ends = Vec::new();
        for record in records {
            bytes.extend_from_slice(record);
            ends.push(bytes.len() as u64 - MAGIC.len() as u64);
        }
        for end in &ends {
            bytes.extend_from_slice(&end.to_le_bytes());
        }
        bytes.extend_from_slice(&(ends.len() as u64).to_le_bytes());
        bytes
    }

    fn mapped(bytes: Vec<u8>, docs: u32) -> Option<SignaturesFile> {
        let layout = Layout::of(&bytes, docs)?;
        Some(SignaturesFile {
            file: Arc::new(Mapped {
                bytes: OwnedBytes::new(bytes),
                layout,
            }),
        })
    }

    #[test]
    fn records_read_back_and_a_file_of_another_count_is_refused() {
        let records: [&[u8]; 4] = [b"first", b"", b"third one", b"4"];
        let file = mapped(file_of(&records), 4).expect("a file of four");
        for (doc, record) in records.iter().enumerate() {
            assert_eq!(file.record(doc as DocId), Some(*record));
        }
        assert_eq!(file.record(4), None);
        assert_eq!(file.get(1), None, "an empty record is no signature");
        assert!(mapped(file_of(&records), 3).is_none());
        assert!(mapped(file_of(&records), 5).is_none());
        assert!(mapped(b"NXSIG".to_vec(), 0).is_none());
        let mut other = file_of(&records);
        other[7] = 1;
        assert!(mapped(other, 4).is_none(), "another magic");
        assert!(mapped(file_of(&[]), 0).is_some());
    }

    #[test]
    fn damaged_files_read_as_missing_records_never_a_panic() {
        let records: [&[u8]; 3] = [b"alpha", b"beta", b"gamma"];
        let whole = file_of(&records);
        for at in 0..whole.len() {
            for value in [0u8, 0x7f, 0xff] {
                let mut damaged = whole.clone();
                damaged[at] = value;
                if let Some(file) = mapped(damaged, 3) {
                    for doc in 0..4 {
                        let _ = file.record(doc);
                        let _ = file.get(doc);
                    }
                }
            }
        }
        for cut in 0..whole.len() {
            assert!(mapped(whole[..cut].to_vec(), 3).is_none(), "cut at {cut}");
        }
    }

    #[test]
    fn a_signature_survives_its_record() {
        let signature = Signature::of(
            Some("Storm shuts rail lines"),
            "Trains stopped across the north.",
        );
        let file = mapped(file_of(&[&signature.to_packed()]), 1).expect("one record");
        assert_eq!(file.get(0), Some(signature));
    }
}
