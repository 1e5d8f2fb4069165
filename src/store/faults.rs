//! Fault injection for tests: a directory whose writes fail once a byte budget is spent, as on a
//! disk that fills up, so that what a failed write leaves behind can be checked at every point.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    AntiCallToken, Directory, DirectoryLock, FileHandle, Lock, TerminatingWrite, WatchCallback,
    WatchHandle, WritePtr,
};

/// `D`, with every byte written (files and atomic writes such as `meta.json`) taken from a shared
/// budget; once it is spent, writes fail with "No space left on device".
#[derive(Clone, Debug)]
pub(crate) struct Faulty<D: Directory + Clone> {
    inner: D,
    budget: Arc<AtomicI64>,
}

impl<D: Directory + Clone> Faulty<D> {
    /// Bytes left of the budget (negative once a write failed).
    pub(crate) fn remaining(&self) -> i64 {
        self.budget.load(Ordering::SeqCst)
    }

    /// `inner`, failing after `bytes` more bytes are written.
    pub(crate) fn new(inner: D, bytes: i64) -> Faulty<D> {
        Faulty {
            inner,
            budget: Arc::new(AtomicI64::new(bytes)),
        }
    }
}

fn spend(budget: &AtomicI64, bytes: usize) -> std::io::Result<()> {
    let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
    if budget.fetch_sub(bytes, Ordering::SeqCst) < bytes {
        budget.store(-1, Ordering::SeqCst);
        return Err(std::io::Error::from_raw_os_error(28)); // ENOSPC
    }
    Ok(())
}

/// A file being written under the budget.
struct Spending {
    inner: WritePtr,
    budget: Arc<AtomicI64>,
}

impl Write for Spending {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        spend(&self.budget, buf.len())?;
        self.inner.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl TerminatingWrite for Spending {
    fn terminate_ref(&mut self, token: AntiCallToken) -> std::io::Result<()> {
        self.inner.terminate_ref(token)
    }
}

impl<D: Directory + Clone> Directory for Faulty<D> {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.inner.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.inner.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        let inner = self.inner.open_write(path)?;
        Ok(std::io::BufWriter::new(Box::new(Spending {
            inner,
            budget: self.budget.clone(),
        })))
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> std::io::Result<()> {
        spend(&self.budget, data.len())?;
        self.inner.atomic_write(path, data)
    }

    fn sync_directory(&self) -> std::io::Result<()> {
        self.inner.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        self.inner.acquire_lock(lock)
    }

    fn watch(&self, callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(callback)
    }
}
