//! The index directory as tantivy sees it: tantivy's memory-mapped directory, with the read lock
//! (`.tantivy-meta.lock`, taken while a reader loads a commit) made fit for archives:
//!
//! - on a read-only mount or a directory the user may not write, the read lock cannot be created;
//!   nobody can write there either, so reading goes on without it;
//! - a reader waits at most [`READ_LOCK_WAIT`] for a writer that holds it (tantivy waits without
//!   limit: a writer paused with Ctrl-Z froze every `stats`), then fails naming the lock.
//!
//! The writer's lock is tantivy's, unchanged.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, WatchCallback, WatchHandle, WritePtr,
};

/// Longest wait for the read lock.
pub const READ_LOCK_WAIT: Duration = Duration::from_secs(10);

/// A directory whose read lock is tolerant (see the module comment).
#[derive(Clone, Debug)]
pub struct Tolerant<D: Directory + Clone>(pub D);

/// The index directory at `path`.
pub fn open(path: &Path) -> tantivy::Result<Tolerant<MmapDirectory>> {
    Ok(Tolerant(MmapDirectory::open(path)?))
}

/// Whether `err` says the lock file cannot be written here (read-only mount, no permission).
fn unwritable(err: &LockError) -> bool {
    match err {
        LockError::IoError(io) => matches!(
            io.kind(),
            std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied
        ),
        _ => false,
    }
}

impl<D: Directory + Clone> Directory for Tolerant<D> {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.0.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.0.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.0.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.0.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.0.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> std::io::Result<()> {
        self.0.atomic_write(path, data)
    }

    fn sync_directory(&self) -> std::io::Result<()> {
        self.0.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        if !lock.is_blocking {
            return self.0.acquire_lock(lock);
        }
        let attempt = Lock {
            filepath: lock.filepath.clone(),
            is_blocking: false,
        };
        let deadline = Instant::now() + READ_LOCK_WAIT;
        loop {
            match self.0.acquire_lock(&attempt) {
                Ok(guard) => return Ok(guard),
                Err(err) if unwritable(&err) => return Ok(DirectoryLock::from(Box::new(()))),
                Err(LockError::LockBusy) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(err) => return Err(err),
            }
        }
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.0.watch(watch_callback)
    }
}

#[cfg(test)]
mod tests {
    use tantivy::directory::RamDirectory;

    use super::*;

    /// A directory on which no lock file can be created, as on a read-only mount.
    #[derive(Clone, Debug)]
    struct ReadOnlyLocks(RamDirectory);

    impl Directory for ReadOnlyLocks {
        fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
            self.0.get_file_handle(path)
        }
        fn delete(&self, path: &Path) -> Result<(), DeleteError> {
            self.0.delete(path)
        }
        fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
            self.0.exists(path)
        }
        fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
            self.0.open_write(path)
        }
        fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
            self.0.atomic_read(path)
        }
        fn atomic_write(&self, path: &Path, data: &[u8]) -> std::io::Result<()> {
            self.0.atomic_write(path, data)
        }
        fn sync_directory(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn acquire_lock(&self, _: &Lock) -> Result<DirectoryLock, LockError> {
            Err(LockError::IoError(Arc::new(std::io::Error::from(
                std::io::ErrorKind::ReadOnlyFilesystem,
            ))))
        }
        fn watch(&self, callback: WatchCallback) -> tantivy::Result<WatchHandle> {
            self.0.watch(callback)
        }
    }

    #[test]
    fn an_index_whose_lock_cannot_be_written_is_still_searched() {
        use tantivy::schema::{Schema, STORED, TEXT};
        let mut builder = Schema::builder();
        let body = builder.add_text_field("body", TEXT | STORED);
        let ram = RamDirectory::create();
        let index =
            tantivy::Index::create(ram.clone(), builder.build(), Default::default()).unwrap();
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
        writer
            .add_document(tantivy::doc!(body => "archived text"))
            .unwrap();
        writer.commit().unwrap();
        drop(writer);

        let bare = tantivy::Index::open(ReadOnlyLocks(ram.clone())).unwrap();
        assert!(bare.reader().is_err(), "tantivy alone cannot read it");
        let tolerant = tantivy::Index::open(Tolerant(ReadOnlyLocks(ram))).unwrap();
        let searcher = tolerant.reader().unwrap().searcher();
        assert_eq!(searcher.num_docs(), 1);
        // The writer's lock is not bypassed.
        assert!(tolerant
            .writer::<tantivy::TantivyDocument>(15_000_000)
            .is_err());
    }
}
