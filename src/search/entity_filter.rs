//! Turning what a user types after `--entity` into a stored entity: `person:putin`, `Putin`,
//! `org:kremlin`. Names go through the gazetteer's aliases and ignore case; names found only by rules are
//! matched against the entities stored in the index, by full name or by last name.

use std::collections::BTreeSet;

use super::Reader;
use crate::entities::{EntityKind, Extractor};
use crate::store::columns::{decode_entity as decode, EntityKey};
use crate::{Error, Result};

/// Every entity stored in the index (from the facet term dictionaries of the reader's commit).
pub fn known_entities(reader: &Reader) -> Result<BTreeSet<EntityKey>> {
    let searcher = reader.searcher()?;
    let mut known = BTreeSet::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(reader.fields().entities)?;
        let mut stream = inverted.terms().stream().map_err(|e| Error::Index {
            path: reader.store().path().to_path_buf(),
            message: format!("cannot read the entity dictionary: {e}"),
        })?;
        while stream.advance() {
            if let Some(key) = std::str::from_utf8(stream.key()).ok().and_then(decode) {
                known.insert(key);
            }
        }
    }
    Ok(known)
}

/// Resolves `spec` (`TYPE:NAME` or a bare `NAME`) to one entity, or fails listing the candidates.
pub fn resolve_entity(reader: &Reader, spec: &str, extractor: &Extractor) -> Result<EntityKey> {
    let known = known_entities(reader)?;
    resolve(spec, extractor, &known)
}

/// Resolution against a given set of stored entities.
pub(crate) fn resolve(
    spec: &str,
    extractor: &Extractor,
    known: &BTreeSet<EntityKey>,
) -> Result<EntityKey> {
    let (kind, name) = match spec.split_once(':') {
        Some((kind, name)) => match kind.parse::<EntityKind>() {
            Ok(kind) => (Some(kind), name.trim()),
            Err(_) => (None, spec.trim()),
        },
        None => (None, spec.trim()),
    };
    if name.is_empty() {
        return Err(Error::Invalid(format!(
            "entity {spec:?}: no name (write TYPE:NAME, e.g. person:putin)"
        )));
    }
    let wanted = |k: EntityKind| kind.is_none_or(|want| want == k);
    let lower = name.to_lowercase();
    let mut candidates: BTreeSet<EntityKey> = extractor
        .lookup(name)
        .into_iter()
        .filter(|(k, _)| wanted(*k))
        .collect();
    candidates.extend(
        known
            .iter()
            .filter(|(k, n)| wanted(*k) && n.to_lowercase() == lower)
            .cloned(),
    );
    if candidates.is_empty() {
        let suffix = format!(" {lower}");
        candidates.extend(
            known
                .iter()
                .filter(|(k, n)| wanted(*k) && n.to_lowercase().ends_with(&suffix))
                .cloned(),
        );
    }
    if candidates.len() > 1 {
        let in_index: Vec<&EntityKey> = candidates.iter().filter(|c| known.contains(*c)).collect();
        if let [only] = in_index.as_slice() {
            return Ok((*only).clone());
        }
    }
    let mut iter = candidates.into_iter();
    match (iter.next(), iter.next()) {
        (Some(one), None) => Ok(one),
        (None, _) => Err(Error::Invalid(format!(
            "entity {spec:?}: no such entity in the gazetteer or the index"
        ))),
        (Some(first), Some(second)) => {
            let list: Vec<String> = [first, second]
                .into_iter()
                .chain(iter)
                .map(|(k, n)| format!("{k}:{n}"))
                .collect();
            Err(Error::Invalid(format!(
                "entity {spec:?} matches several entities: {}; name one as TYPE:NAME",
                list.join(", ")
            )))
        }
    }
}
