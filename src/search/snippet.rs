//! Snippets: the passage of the body that best matches the query, as plain text with the byte ranges of
//! the matched words, so the terminal printer and JSON consumers can each highlight their way.

use tantivy::query::Query;
use tantivy::schema::TantivyDocument;
use tantivy::snippet::SnippetGenerator;
use tantivy::Searcher;

use crate::schema::{news_analyzer, Fields, StemGate};
use crate::Result;

/// A passage and where the matched words are in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    /// The passage.
    pub text: String,
    /// Byte ranges of matched words within `text`.
    pub highlights: Vec<[usize; 2]>,
}

pub(crate) struct Snippets {
    generator: SnippetGenerator,
    body: tantivy::schema::Field,
    max_chars: usize,
}

impl Snippets {
    pub(crate) fn new(
        searcher: &Searcher,
        query: &dyn Query,
        fields: &Fields,
        max_chars: usize,
    ) -> Result<Snippets> {
        // What SnippetGenerator::create does, with an analyzer that stems only the words that may be
        // query terms: stemming every word of every hit was most of a search's time.
        let mut terms = std::collections::BTreeSet::new();
        query.query_terms(&mut |term, _| {
            if term.field() == fields.body {
                terms.insert(term.clone());
            }
        });
        let mut scores = std::collections::BTreeMap::new();
        for term in &terms {
            let value = term.value();
            let Some(text) = value.as_str() else {
                continue;
            };
            let doc_freq = searcher.doc_freq(term)?;
            if doc_freq > 0 {
                scores.insert(text.to_string(), 1.0 / (1.0 + doc_freq as f32));
            }
        }
        let gate = StemGate::only(scores.keys().map(String::as_str));
        let generator = SnippetGenerator::new(scores, news_analyzer(gate), fields.body, max_chars);
        Ok(Snippets {
            generator,
            body: fields.body,
            max_chars,
        })
    }

    /// The snippet of `doc`; when the body has no match (the title did), its opening words.
    pub(crate) fn of(&self, doc: &TantivyDocument) -> Snippet {
        let snippet = self.generator.snippet_from_doc(doc);
        if !snippet.is_empty() && !snippet.highlighted().is_empty() {
            let fragment = snippet.fragment();
            let collapsed = collapse_whitespace(fragment, snippet.highlighted());
            return collapsed;
        }
        let body = super::text(doc, self.body).unwrap_or_default();
        let mut end = body.len();
        for (count, (i, _)) in body.char_indices().enumerate() {
            if count == self.max_chars {
                end = i;
                break;
            }
        }
        collapse_whitespace(&body[..end], &[])
    }
}

/// Folds runs of whitespace (newlines of the source text) into single spaces, moving the highlight
/// ranges with the text.
fn collapse_whitespace(text: &str, ranges: &[std::ops::Range<usize>]) -> Snippet {
    let mut out = String::with_capacity(text.len());
    // map[i] = position in `out` of byte i of `text`
    let mut map = vec![0usize; text.len() + 1];
    let mut in_space = false;
    for (i, c) in text.char_indices() {
        let start = out.len();
        if c.is_whitespace() {
            if !in_space && !out.is_empty() {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
        for slot in map.iter_mut().skip(i).take(c.len_utf8()) {
            *slot = start;
        }
    }
    map[text.len()] = out.len();
    let trimmed_len = out.trim_end().len();
    out.truncate(trimmed_len);
    let highlights = ranges
        .iter()
        .filter(|r| r.start < r.end && r.end <= text.len())
        .map(|r| [map[r.start].min(out.len()), map[r.end].min(out.len())])
        .filter(|[s, e]| s < e)
        .collect();
    Snippet {
        text: out,
        highlights,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_runs_fold_and_ranges_follow() {
        let text = "Putin\n\n  called   Trump";
        let s = collapse_whitespace(text, &[0..5, 18..23]);
        assert_eq!(s.text, "Putin called Trump");
        let words: Vec<&str> = s.highlights.iter().map(|[a, b]| &s.text[*a..*b]).collect();
        assert_eq!(words, ["Putin", "Trump"]);
    }
}
