//! Input formats beyond plain files (issue 15): compressed dumps.

use std::io::Write;

use crate::util::{fixtures, search, search_counts, Dir};

/// `data` compressed as `kind` (gz, zst, bz2, xz).
fn compress(kind: &str, data: &[u8]) -> Vec<u8> {
    match kind {
        "gz" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        "zst" => zstd::encode_all(data, 3).unwrap(),
        "bz2" => {
            let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        "xz" => {
            let mut e = liblzma::write::XzEncoder::new(Vec::new(), 6);
            e.write_all(data).unwrap();
            e.finish().unwrap()
        }
        other => panic!("no compression {other}"),
    }
}

/// Every hit of `*` without grouping, with the origin (which names the file) left out, sorted
/// (articles of the same date come in the order tantivy's threads wrote them).
fn everything(dir: &Dir) -> Vec<String> {
    let results = search(
        dir,
        &[
            "*",
            "--no-collapse",
            "-n",
            "1000",
            "--fields",
            "body,url,author",
        ],
    );
    let mut all: Vec<String> = results
        .hits
        .iter()
        .map(|h| {
            format!(
                "{} | {:?} | {:?} | {:?} | {:?} | {:?} | {:?}",
                h.id, h.title, h.source, h.published, h.body, h.entities, h.url
            )
        })
        .collect();
    all.sort();
    all
}

#[test]
fn a_compressed_file_indexes_exactly_like_the_file() {
    for name in [
        "wire.jsonl",
        "archive.json",
        "feeds.csv",
        "seeds/001_a6f8cf2398086dd3.txt",
    ] {
        let data = std::fs::read(fixtures().join(name)).expect("fixture");
        let base = name.rsplit('/').next().unwrap();
        let plain = Dir::new();
        let file = plain.file(base, &data);
        plain.run(&["index", file.to_str().unwrap()]).expect(0);
        let expected = everything(&plain);
        assert!(!expected.is_empty());
        for kind in ["gz", "zst", "bz2", "xz"] {
            let packed = Dir::new();
            let file = packed.file(&format!("{base}.{kind}"), compress(kind, &data));
            packed.run(&["index", file.to_str().unwrap()]).expect(0);
            assert_eq!(everything(&packed), expected, "{name}.{kind}");
        }
    }
}

#[test]
fn compression_is_found_by_its_magic_bytes_in_a_folder_and_under_any_name() {
    let data = std::fs::read(fixtures().join("wire.jsonl")).expect("fixture");
    let dir = Dir::new();
    // A gzip file that kept its plain name, and one in a folder beside other formats.
    let renamed = dir.file("in/renamed.jsonl", compress("gz", &data));
    dir.file("in/more.jsonl.zst", compress("zst", &data));
    let run = dir.run(&["index", renamed.parent().unwrap().to_str().unwrap()]);
    run.expect(0);
    let results = search_counts(&dir, &["*", "--no-collapse", "-n", "0"]);
    // The same records twice: upserted by id.
    let lines = data
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count() as u64;
    assert_eq!(results.total_hits, lines);
}

#[test]
fn a_truncated_gzip_keeps_every_good_record_and_names_the_bad_one() {
    let data = std::fs::read(fixtures().join("wire.jsonl")).expect("fixture");
    let packed = compress("gz", &data);
    let dir = Dir::new();
    let file = dir.file("cut.jsonl.gz", &packed[..packed.len() * 2 / 3]);
    let run = dir.run(&["index", file.to_str().unwrap()]);
    assert_eq!(run.code(), 1, "a truncated file is a rejected record");
    let stderr = run.stderr();
    assert!(
        stderr.contains("cut.jsonl.gz:") && stderr.contains("gzip data is truncated or corrupt"),
        "{stderr}"
    );
    let kept = search_counts(&dir, &["*", "--no-collapse", "-n", "0"]).total_hits;
    assert!(kept >= 1, "no good record kept");
    // Every record kept is whole: its body is the one in the file.
    let results = search(
        &dir,
        &["*", "--no-collapse", "-n", "100", "--fields", "body"],
    );
    let text = String::from_utf8_lossy(&data);
    for hit in &results.hits {
        let body = hit.body.as_deref().unwrap_or_default();
        let start = &body[..body.len().min(60)];
        assert!(text.contains(&start.replace('"', "\\\"")), "{}", hit.id);
    }
}
