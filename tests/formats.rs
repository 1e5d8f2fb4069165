//! Input formats beyond plain files (issue 15): compressed dumps.

use std::collections::BTreeSet;
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

#[test]
fn real_world_shapes_dates_and_mapped_keys_are_read() {
    let dir = Dir::new();
    // NewsAPI's response, as saved from the API.
    let newsapi = dir.file(
        "newsapi.json",
        r#"{"status": "ok", "totalResults": 1, "articles": [{"source": {"id": null, "name": "Reuters"},
            "author": "Jane Doe", "title": "Kremlin describes call", "description": "Short.",
            "url": "https://example.com/kremlin-call", "publishedAt": "2017-01-28T18:00:00Z",
            "content": "Vladimir Putin and Donald Trump spoke by phone, the Kremlin said."}]}"#,
    );
    // HuffPost's News Category dataset: JSON Lines under a .json name, read line by line.
    let huffpost = dir.file(
        "News_Category_Dataset_v3.json",
        concat!(
            r#"{"link": "https://www.huffpost.com/entry/a", "headline": "Merkel visits Washington", "category": "POLITICS", "short_description": "Angela Merkel met Donald Trump.", "authors": "Ann Author", "date": "2017-03-17"}"#,
            "\n",
            r#"{"link": "https://www.huffpost.com/entry/b", "headline": "Odd date", "category": "WORLD", "short_description": "An article whose date is unreadable.", "authors": "", "date": "sometime"}"#,
            "\n"
        ),
    );
    // A CSV whose body column has a name newsidx does not know, with US dates.
    let csv = dir.file(
        "scraped.csv",
        "id,headline,story_text,when\nc1,Ambiguous,Text one.,03/04/2017\nc2,Clear,Text two.,12/30/2016\n",
    );
    let run = dir.run(&["index", newsapi.to_str().unwrap()]);
    run.expect(0);
    let run = dir.run(&["index", huffpost.to_str().unwrap()]).expect(0);
    assert!(
        run.stderr().contains("warning:") && run.stderr().contains("\"sometime\""),
        "{}",
        run.stderr()
    );
    let run = dir.run(&["index", csv.to_str().unwrap()]);
    assert_eq!(run.code(), 1, "no body column without --map");
    let run = dir.run(&[
        "index",
        "--map",
        "body=story_text",
        "--map",
        "published=when",
        "--date-order",
        "dmy",
        csv.to_str().unwrap(),
    ]);
    let run = run.expect(0);
    assert!(
        run.stderr().contains("could be day/month"),
        "{}",
        run.stderr()
    );

    let all = search(
        &dir,
        &["*", "--no-collapse", "-n", "10", "--fields", "author,url"],
    );
    let find = |id: &str| {
        all.hits
            .iter()
            .find(|h| h.id == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    let kremlin = find("https://example.com/kremlin-call");
    assert_eq!(kremlin.source.as_deref(), Some("Reuters"));
    assert_eq!(kremlin.published.as_deref(), Some("2017-01-28T18:00:00Z"));
    let merkel = find("https://www.huffpost.com/entry/a");
    assert_eq!(merkel.title.as_deref(), Some("Merkel visits Washington"));
    assert_eq!(merkel.author.as_deref(), Some("Ann Author"));
    assert_eq!(find("https://www.huffpost.com/entry/b").published, None);
    assert_eq!(
        find("c1").published.as_deref(),
        Some("2017-04-03T00:00:00Z")
    );
    assert_eq!(
        find("c2").published.as_deref(),
        Some("2016-12-30T00:00:00Z")
    );
}

/// Lower-cased words (runs of letters and digits) with their counts.
fn word_counts(text: &str) -> std::collections::HashMap<String, usize> {
    let mut counts = std::collections::HashMap::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        *counts.entry(word.to_lowercase()).or_insert(0) += 1;
    }
    counts
}

/// Word-level precision, recall and F1 of `got` against `gold` (words counted with repeats).
fn word_f1(got: &str, gold: &str) -> (f64, f64, f64) {
    let (got, gold) = (word_counts(got), word_counts(gold));
    let common: usize = got
        .iter()
        .map(|(w, n)| (*n).min(*gold.get(w).unwrap_or(&0)))
        .sum();
    let total = |c: &std::collections::HashMap<String, usize>| c.values().sum::<usize>().max(1);
    let (p, r) = (
        common as f64 / total(&got) as f64,
        common as f64 / total(&gold) as f64,
    );
    let f1 = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f1)
}

/// A fresh index of the fixture folder `tests/data/NAME`, and every article in it with its body,
/// author, url and origin.
fn indexed_folder(name: &str) -> (Dir, crate::util::Results) {
    let folder = crate::util::repo_root().join("tests/data").join(name);
    let dir = Dir::new();
    dir.run(&["index", folder.to_str().unwrap()]).expect(0);
    let all = search(
        &dir,
        &[
            "*",
            "--no-collapse",
            "-n",
            "100",
            "--fields",
            "body,author,url,origin",
        ],
    );
    (dir, all)
}

#[test]
fn page_extraction_keeps_the_article_and_drops_the_page() {
    let pages = crate::util::repo_root().join("tests/data/pages");
    let (_dir, all) = indexed_folder("pages");
    let mut names: Vec<_> = std::fs::read_dir(&pages)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".html"))
        .collect();
    names.sort();
    assert_eq!(all.hits.len(), names.len(), "one article per page");
    let mut sum = 0.0;
    for name in &names {
        let hit = all
            .hits
            .iter()
            .find(|h| {
                h.origin
                    .as_deref()
                    .is_some_and(|o| o.ends_with(name.as_str()))
            })
            .unwrap_or_else(|| panic!("no article from {name}"));
        let gold = std::fs::read_to_string(pages.join(name.replace(".html", ".gold"))).unwrap();
        let (p, r, f1) = word_f1(hit.body.as_deref().unwrap_or_default(), &gold);
        println!("{name:<16} precision {p:.3} recall {r:.3} F1 {f1:.3}");
        assert!(f1 >= 0.85, "{name}: F1 {f1:.3}\n{:?}", hit.body);
        sum += f1;
    }
    let mean = sum / names.len() as f64;
    println!("mean F1 {mean:.3} over {} pages", names.len());
    assert!(mean >= 0.95, "mean F1 {mean:.3}");
    // Metadata from JSON-LD and OpenGraph.
    let wire = all
        .hits
        .iter()
        .find(|h| h.id == "https://wire.example/markets/copper-strike-2018-08-09")
        .expect("the wire page, by its canonical address");
    assert_eq!(wire.source.as_deref(), Some("Meridian Wire"));
    assert_eq!(wire.author.as_deref(), Some("Diego Fuentes, Hannah Reid"));
    assert_eq!(wire.published.as_deref(), Some("2018-08-09T14:32:00Z"));
    let magazine = all
        .hits
        .iter()
        .find(|h| h.title.as_deref() == Some("The quiet return of the night train"))
        .expect("magazine");
    assert_eq!(magazine.author.as_deref(), Some("Sophie Lang"));
}

#[test]
fn feeds_give_one_article_per_item_with_the_full_text() {
    let (dir, all) = indexed_folder("feeds");
    assert_eq!(all.total_hits, 4, "2 RSS items, 1 RDF item, 1 Atom entry");
    let find = |id: &str| {
        all.hits
            .iter()
            .find(|h| h.id == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    let talks = find("https://lakesidecourier.example/world/ceasefire-talks-geneva");
    let body = talks.body.as_deref().unwrap();
    assert!(
        body.starts_with("Delegations from both sides returned"),
        "{body}"
    );
    assert!(!body.contains("track()") && !body.contains("<b>"), "{body}");
    assert_eq!(talks.source.as_deref(), Some("The Lakeside Courier: World"));
    assert_eq!(talks.author.as_deref(), Some("Jonas Richter"));
    assert_eq!(talks.published.as_deref(), Some("2017-03-06T09:30:00Z"));
    let strike = find("https://lakesidecourier.example/world/harbour-strike-week-two");
    assert_eq!(strike.published.as_deref(), Some("2017-03-07T13:05:00Z"));
    let bridge = find("https://valleypost.example/briefs/bridge-reopens");
    assert_eq!(bridge.published.as_deref(), Some("2020-11-05T09:00:00Z"));
    let copper = find("https://wire.example/markets/copper-strike-2018-08-09");
    assert!(copper
        .body
        .as_deref()
        .unwrap()
        .contains("Aluminium and zinc"));
    // Entities are found in feed text as in any other.
    let geneva = search_counts(&dir, &["*", "--entity", "place:geneva", "-n", "0"]);
    assert!(geneva.total_hits >= 1);
}

/// A WARC response record for `uri` holding `html`.
fn warc_record(uri: &str, html: &str) -> String {
    let http = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n{html}");
    format!(
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Date: 2021-06-01T12:00:00Z\r\nWARC-Record-ID: \
         <urn:uuid:{uri}>\r\nWARC-Target-URI: {uri}\r\nContent-Type: application/http; \
         msgtype=response\r\nContent-Length: {}\r\n\r\n{http}\r\n\r\n",
        http.len()
    )
}

#[test]
fn a_web_archive_gives_an_article_per_page_and_names_a_broken_record() {
    let pages = crate::util::repo_root().join("tests/data/pages");
    let mut members: Vec<Vec<u8>> = Vec::new();
    for (i, name) in ["wordpress", "wire", "regional"].iter().enumerate() {
        let html = std::fs::read_to_string(pages.join(format!("{name}.html"))).unwrap();
        let uri = format!("https://crawl.example/{i}/{name}");
        members.push(compress("gz", warc_record(&uri, &html).as_bytes()));
        if i == 0 {
            // A damaged record between the first and the second.
            members.push(compress(
                "gz",
                b"WARC/1.0\r\nWARC-Type: response\r\nno length here\r\n\r\n",
            ));
        }
    }
    let dir = Dir::new();
    let file = dir.file("CC-NEWS-20210601.warc.gz", members.concat());
    let run = dir.run(&["index", file.to_str().unwrap()]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(
        run.stderr().contains("CC-NEWS-20210601.warc.gz:record"),
        "{}",
        run.stderr()
    );
    let all = search(
        &dir,
        &["*", "--no-collapse", "-n", "10", "--fields", "url,body"],
    );
    let ids: BTreeSet<&str> = all.hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(
        ids,
        BTreeSet::from([
            "https://crawl.example/0/wordpress",
            "https://crawl.example/1/wire",
            "https://crawl.example/2/regional"
        ])
    );
    let wire = all.hits.iter().find(|h| h.id.ends_with("wire")).unwrap();
    assert_eq!(wire.url.as_deref(), Some("https://crawl.example/1/wire"));
    assert_eq!(
        wire.published.as_deref(),
        Some("2018-08-09T14:32:00Z"),
        "the page's own date"
    );
    assert!(wire.body.as_deref().unwrap().contains("Copper prices rose"));
}
