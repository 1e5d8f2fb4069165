//! Compressed inputs: gzip, zstd, bzip2 and xz around any format, recognised by their magic bytes
//! (whatever the file is called) and decompressed as a stream, so memory stays flat however large
//! the dump. The format inside is taken from the name without the compression's extension
//! (`news.jsonl.gz` holds JSON Lines).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// A compression format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// gzip (`.gz`), concatenated members included.
    Gzip,
    /// Zstandard (`.zst`).
    Zstd,
    /// bzip2 (`.bz2`).
    Bzip2,
    /// xz (`.xz`).
    Xz,
}

impl Compression {
    /// The compression whose magic bytes begin `head`, if any.
    pub fn from_magic(head: &[u8]) -> Option<Compression> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Compression::Gzip)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Compression::Zstd)
        } else if head.starts_with(b"BZh") && head.get(3).is_some_and(|b| (b'1'..=b'9').contains(b))
        {
            Some(Compression::Bzip2)
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Some(Compression::Xz)
        } else {
            None
        }
    }

    /// The compression an extension names (`gz`, `zst`, `bz2`, `xz`, ...).
    pub fn from_extension(ext: &str) -> Option<Compression> {
        match ext.to_ascii_lowercase().as_str() {
            "gz" | "gzip" => Some(Compression::Gzip),
            "zst" | "zstd" => Some(Compression::Zstd),
            "bz2" | "bzip2" => Some(Compression::Bzip2),
            "xz" => Some(Compression::Xz),
            _ => None,
        }
    }

    /// Its usual name.
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Bzip2 => "bzip2",
            Compression::Xz => "xz",
        }
    }
}

/// `path` without a compression extension (`a.jsonl.gz` -> `a.jsonl`), or `path` itself.
pub fn inner_path(path: &Path) -> PathBuf {
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) if Compression::from_extension(ext).is_some() => path.with_extension(""),
        _ => path.to_path_buf(),
    }
}

/// A reader of `reader`'s content: decompressed when it starts with a compression's magic bytes
/// (the compression is returned too), else as it is. Read errors of a compressed stream say that
/// the data is truncated or corrupt.
pub fn decoded<R: Read + Send + 'static>(
    reader: R,
) -> std::io::Result<(Box<dyn BufRead + Send>, Option<Compression>)> {
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let head = loop {
        match reader.fill_buf() {
            Ok(head) => break head,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    };
    let Some(compression) = Compression::from_magic(head) else {
        return Ok((Box::new(reader), None));
    };
    let inner: Box<dyn Read + Send> = match compression {
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(reader)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(reader)?),
        Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(reader)),
        Compression::Xz => Box::new(liblzma::bufread::XzDecoder::new_multi_decoder(reader)),
    };
    let named = Named { inner, compression };
    Ok((
        Box::new(BufReader::with_capacity(64 * 1024, named)),
        Some(compression),
    ))
}

/// A decompressing reader whose errors name the compression.
struct Named {
    inner: Box<dyn Read + Send>,
    compression: Compression,
}

impl Read for Named {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            if e.kind() == std::io::ErrorKind::Interrupted {
                return e;
            }
            std::io::Error::new(
                e.kind(),
                format!(
                    "the {} data is truncated or corrupt ({e}); the records before it were read",
                    self.compression.name()
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn compress(compression: Compression, data: &[u8]) -> Vec<u8> {
        match compression {
            Compression::Gzip => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
            Compression::Zstd => zstd::encode_all(data, 1).unwrap(),
            Compression::Bzip2 => {
                let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
            Compression::Xz => {
                let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
        }
    }

    const ALL: [Compression; 4] = [
        Compression::Gzip,
        Compression::Zstd,
        Compression::Bzip2,
        Compression::Xz,
    ];

    #[test]
    fn each_compression_is_recognised_and_read_back() {
        let data = b"{\"id\": \"a\", \"body\": \"text\"}\n".repeat(1000);
        for compression in ALL {
            let packed = compress(compression, &data);
            assert_eq!(Compression::from_magic(&packed), Some(compression));
            let (mut reader, found) = decoded(std::io::Cursor::new(packed)).unwrap();
            assert_eq!(found, Some(compression));
            let mut out = Vec::new();
            reader.read_to_end(&mut out).unwrap();
            assert_eq!(out, data, "{compression:?}");
        }
    }

    #[test]
    fn plain_data_passes_through() {
        let (mut reader, found) = decoded(std::io::Cursor::new(b"plain text".to_vec())).unwrap();
        assert_eq!(found, None);
        let mut out = String::new();
        reader.read_to_string(&mut out).unwrap();
        assert_eq!(out, "plain text");
    }

    #[test]
    fn a_truncated_stream_is_an_error_that_names_the_compression() {
        let data = b"line of text that repeats\n".repeat(5000);
        for compression in ALL {
            let mut packed = compress(compression, &data);
            packed.truncate(packed.len() / 2);
            let (mut reader, _) = decoded(std::io::Cursor::new(packed)).unwrap();
            let mut out = Vec::new();
            let err = reader.read_to_end(&mut out).unwrap_err();
            assert!(err.to_string().contains(compression.name()), "{err}");
        }
    }

    #[test]
    fn the_inner_name_drops_the_compression_extension() {
        assert_eq!(
            inner_path(Path::new("a/news.jsonl.gz")),
            Path::new("a/news.jsonl")
        );
        assert_eq!(inner_path(Path::new("news.csv.ZST")), Path::new("news.csv"));
        assert_eq!(inner_path(Path::new("news.json")), Path::new("news.json"));
    }
}
