//! The normaliser and fingerprints on any UTF-8 text: `clean`, `fold` and `words` never panic, `fold`
//! gives single-spaced words, distances are symmetric and within 0..=100, and `Signature::from_packed`
//! takes any bytes, and `fold` is idempotent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsidx::fingerprint::{distance, Signature};
use newsidx::text::fold::{clean, fold, words};

fuzz_target!(|data: &[u8]| {
    if let Ok(sig) = Signature::from_packed(data) {
        let d = distance(&sig, &sig);
        assert!(d == 0 || d == 100, "{d}");
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = clean(text);
    let folded = fold(text);
    assert!(!folded.starts_with(' ') && !folded.ends_with(' ') && !folded.contains("  "));
    assert_eq!(
        words(&folded).count(),
        folded.split(' ').filter(|w| !w.is_empty()).count()
    );
    assert_eq!(fold(&folded), folded, "fold is not idempotent on {text:?}");
    let (title, body) = match text.split_once('\n') {
        Some((title, body)) => (Some(title), body),
        None => (None, text),
    };
    let a = Signature::of(title, body);
    let b = Signature::of(None, text);
    let d = distance(&a, &b);
    assert!(d <= 100);
    assert_eq!(d, distance(&b, &a));
    assert!(distance(&a, &a) == 0 || a.minhash.shingles() == 0);
    assert_eq!(Signature::from_packed(&a.to_packed()).ok(), Some(a));
});
