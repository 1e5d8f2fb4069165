//! Index compatibility: `index-fixtures/compat-index/` was built by this version (`cargo run --example
//! compat_fixture`) and is committed. A change of the on-disk format must fail these tests, or migrate
//! the index, or be refused with a clear message (see `newsidx.json`).

use crate::util::{copy_index, duplicates, fixtures, search, stats, Dir};

/// A copy of the committed index, so that tests never touch the repository's files.
fn compat_copy() -> Dir {
    let dir = Dir::new();
    copy_index(&fixtures().join("compat-index"), &dir.index());
    dir
}

#[test]
fn the_committed_index_opens_and_searches() {
    let dir = compat_copy();
    let stats = stats(&dir);
    assert_eq!(stats.articles, 21);
    assert_eq!(stats.oldest.as_deref(), Some("2016-10-22T19:55:00Z"));
    let results = search(&dir, &["Putin call"]);
    assert_eq!(results.total_hits, 3);
    assert_eq!(
        results.hits.len(),
        1,
        "signatures still compare: {results:?}"
    );
    assert_eq!(results.hits[0].duplicates.len(), 2);
    let putin = search(&dir, &["*", "--entity", "person:putin", "--no-collapse"]);
    // The entity filter reads the indexed entity terms.
    assert_eq!(putin.total_hits, 5, "{putin:?}");
    // Facet counts read the facet column; this index has no stories file, so stories are grouped from
    // the matches at query time.
    for (count, expected) in [("stories", 3), ("articles", 5)] {
        let faceted = search(&dir, &["putin", "--facets", "person", "--count", count]);
        let putin = faceted.facets["person"]
            .iter()
            .find(|c| c.name == "Vladimir Putin")
            .map(|c| c.count);
        assert_eq!(putin, Some(expected), "--count {count}: {faceted:?}");
    }
    let dup = duplicates(&dir, &[]);
    assert!(
        dup.clusters
            .iter()
            .any(|c| c.ids.iter().any(|id| id == "wire-06")),
        "{dup:?}"
    );
}

#[test]
fn the_committed_index_accepts_upserts() {
    let dir = compat_copy();
    let wire = fixtures().join("wire.jsonl");
    let run = dir
        .run(&["index", "--json", wire.to_str().unwrap()])
        .expect(0);
    let summary: crate::util::Summary = run.json();
    assert_eq!((summary.added, summary.updated), (0, 8));
    assert_eq!(summary.articles, 21);
}

/// Indexes of older formats, 1 (before the shared token stream) and 3 (signatures in a fast field),
/// are refused with a message to rebuild them, by every command that opens them, and are left as
/// they were.
#[test]
fn indexes_of_older_formats_are_refused_with_a_rebuild_message() {
    for format in [1, 3] {
        let dir = Dir::new();
        let from = fixtures().join(format!("compat-index-v{format}"));
        std::fs::create_dir_all(dir.index()).unwrap();
        for entry in std::fs::read_dir(&from).expect("the old fixture exists") {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.index().join(entry.file_name())).unwrap();
        }
        let before = std::fs::read(dir.index().join("meta.json")).unwrap();
        for args in [
            &["stats"][..],
            &["search", "putin"][..],
            &["index", fixtures().join("wire.jsonl").to_str().unwrap()][..],
        ] {
            let stderr = dir.run(args).expect(2).stderr();
            assert!(
                stderr.contains(&format!("index format {format}"))
                    && stderr.contains("Rebuild the index"),
                "{args:?}: {stderr}"
            );
        }
        assert_eq!(
            std::fs::read(dir.index().join("meta.json")).unwrap(),
            before
        );
    }
}
