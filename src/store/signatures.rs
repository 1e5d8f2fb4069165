//! The signatures file of a segment (`<segment>.sig`): every document's near-duplicate signature
//! ([`Signature::to_bytes`]) at a fixed width, in doc-id order, after a short header. It is a tantivy
//! segment plugin ([`SignaturesPlugin`]): its writer streams each signature to the file as the
//! document is indexed, merges copy the records of the documents kept, and a reader reads a record in
//! place from the mapped file.
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

/// The first bytes of a signatures file; the record width (`u32`, little-endian) follows.
const MAGIC: &[u8; 8] = b"NXSIG\0\0\x01";

/// The header's length: the magic and the record width.
const HEADER: usize = MAGIC.len() + 4;

/// A record's width: one signature.
const RECORD: usize = Signature::BYTES;

fn component() -> SegmentComponent {
    SegmentComponent::Custom(EXTENSION.to_string())
}

fn header() -> [u8; HEADER] {
    let mut header = [0u8; HEADER];
    header[..MAGIC.len()].copy_from_slice(MAGIC);
    header[MAGIC.len()..].copy_from_slice(&(RECORD as u32).to_le_bytes());
    header
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
        out.write_all(&header())?;
        Ok(Box::new(SignaturesWriter { out }))
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
        out.write_all(&header())?;
        for reader in ctx.readers {
            let file = SignaturesFile::open(reader)?;
            for doc in reader.doc_ids_alive() {
                out.write_all(file.record(doc).unwrap_or(&[0u8; RECORD]))?;
            }
        }
        out.terminate()?;
        Ok(())
    }
}

/// Streams one segment's signatures to its file as documents are indexed.
struct SignaturesWriter {
    out: WritePtr,
}

impl PluginWriter for SignaturesWriter {
    /// Writes the document's signature; a document without one (not made by newsidx's writer) gets
    /// a record of zeros, which reads back as no signature.
    fn add_document(
        &mut self,
        _doc_id: DocId,
        doc: &dyn ErasedDocument,
        _schema: &Schema,
    ) -> tantivy::Result<()> {
        let signature = doc
            .as_any()
            .downcast_ref::<NewsDocument>()
            .and_then(NewsDocument::signature)
            .filter(|bytes| bytes.len() == RECORD);
        self.out.write_all(signature.unwrap_or(&[0u8; RECORD]))?;
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
        self.out.terminate()?;
        Ok(())
    }

    fn mem_usage(&self) -> usize {
        self.out.capacity()
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
    bytes: Arc<OwnedBytes>,
}

/// The signatures files open in this process, by segment, so that a search finds a segment's file
/// without asking the directory again (which looks it up by path and reads its footer: 1.6 % of
/// `newsidx bench`'s time on Reuters). A segment id is a random UUID and a segment's files never
/// change once written, so two segments with one id are copies of one segment.
static OPEN: LazyLock<Mutex<HashMap<SegmentId, Weak<OwnedBytes>>>> =
    LazyLock::new(Default::default);

fn open_files() -> std::sync::MutexGuard<'static, HashMap<SegmentId, Weak<OwnedBytes>>> {
    OPEN.lock().unwrap_or_else(|e| e.into_inner())
}

impl SignaturesFile {
    /// The signatures file of `segment`: the one already open in this process, else the file read
    /// from the directory, its header checked and its length that of a record for every document.
    pub(crate) fn open(segment: &SegmentReader) -> tantivy::Result<SignaturesFile> {
        let id = segment.segment_id();
        if let Some(bytes) = open_files().get(&id).and_then(Weak::upgrade) {
            return Ok(SignaturesFile { bytes });
        }
        let bytes = segment.open_read(component())?.read_bytes()?;
        let records = (segment.max_doc() as usize).checked_mul(RECORD);
        let whole = bytes.len() >= HEADER
            && bytes.as_slice()[..HEADER] == header()
            && records.and_then(|r| r.checked_add(HEADER)) == Some(bytes.len());
        if !whole {
            return Err(TantivyError::InternalError(format!(
                "segment {}: the signatures file has {} bytes, not a header and {} signatures",
                id.uuid_string(),
                bytes.len(),
                segment.max_doc()
            )));
        }
        let bytes = Arc::new(bytes);
        let mut open = open_files();
        open.retain(|_, file| file.strong_count() > 0);
        open.insert(id, Arc::downgrade(&bytes));
        Ok(SignaturesFile { bytes })
    }

    /// The stored bytes of `doc`'s signature (`None` past the last document).
    pub(crate) fn record(&self, doc: DocId) -> Option<&[u8]> {
        let start = HEADER + (doc as usize).checked_mul(RECORD)?;
        self.bytes.as_slice().get(start..start.checked_add(RECORD)?)
    }

    /// The signature of `doc`, or `None` when it has none (a record of zeros) or none is stored.
    pub(crate) fn get(&self, doc: DocId) -> Option<Signature> {
        Signature::from_bytes(self.record(doc)?).ok()
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
