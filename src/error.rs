//! The one error type of the library. Every message names the input that caused it (a file and line,
//! a query, a gazetteer) so a user can act on it without a debugger.

use std::path::PathBuf;

/// Errors returned by the newsidx library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input record could not be read or parsed.
    #[error("{origin}: {message}")]
    Input {
        /// Where the record came from: `path:line`, `path:row N`, `stdin:line`.
        origin: String,
        /// What was wrong with it.
        message: String,
    },
    /// An I/O error on a named file or directory.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A gazetteer file (built in or user supplied) is malformed.
    #[error("gazetteer {origin}: {message}")]
    Gazetteer {
        /// The gazetteer's name or path.
        origin: String,
        /// What was wrong with it.
        message: String,
    },
    /// The query could not be parsed.
    #[error("bad query {}: {message}", shown(query))]
    Query {
        /// The query text as given (the message shows its first 64 bytes).
        query: String,
        /// What was wrong, and where.
        message: String,
    },
    /// There is no index at this path.
    #[error("index {}: no index here", path.display())]
    NoIndex {
        /// The path asked for.
        path: PathBuf,
    },
    /// The index directory is not a newsidx index, of another format, or locked.
    #[error("index {}: {message}", path.display())]
    Index {
        /// The index directory.
        path: PathBuf,
        /// What was wrong with it.
        message: String,
    },
    /// An invalid option value (for example an unknown entity type).
    #[error("{0}")]
    Invalid(String),
    /// Indexing stopped at the first bad record, as asked (strict); what came before it was kept.
    #[error("stopped at the first bad record; the articles before it were kept: {0}")]
    Strict(Box<Error>),
    /// Writing to the index failed (a full disk, an I/O error, a read-only file system): nothing
    /// since the last commit was kept, and the index still opens with what that commit holds.
    #[error(
        "cannot write to the index {}: {cause}; {} as of its last commit, and it still opens \
         (fix the cause, then re-run the same command: it continues without duplicates)",
        path.display(),
        match articles {
            Some(n) => format!("it holds {n} article{}", if *n == 1 { "" } else { "s" }),
            None => "it holds what it held".to_string(),
        }
    )]
    Write {
        /// The index directory.
        path: PathBuf,
        /// The cause, in words (`No space left on device (os error 28)`).
        cause: String,
        /// Articles in the index as of its last commit, when they could be counted.
        articles: Option<u64>,
    },
    /// An error from tantivy.
    #[error(transparent)]
    Tantivy(#[from] tantivy::TantivyError),
}

impl Error {
    /// A rejected record's place and the reason, apart: an input error's origin, an I/O error's
    /// path; other errors have no place of their own (`None`) and their whole message as reason.
    pub fn origin_and_reason(&self) -> (Option<String>, String) {
        match self {
            Error::Input { origin, message } => (Some(origin.clone()), message.clone()),
            Error::Io { path, source } => (Some(path.display().to_string()), source.to_string()),
            other => (None, other.to_string()),
        }
    }
}

/// The library's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// A query as an error message shows it: quoted, whole up to 64 bytes, else its first 64 and `...`
/// (a query may be 16 KiB).
fn shown(query: &str) -> String {
    const SHOWN: usize = 64;
    if query.len() <= SHOWN {
        return format!("{query:?}");
    }
    let mut cut = SHOWN;
    while !query.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{:?}...", &query[..cut])
}
