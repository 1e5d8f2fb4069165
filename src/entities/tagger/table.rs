//! The weights of each feature key, in the layout a model file stores them in: an open-addressing
//! table of 8-byte slots (`key`, `row`, little-endian `u32`s; key 0 marks an empty slot), at most
//! four fifths full, then the rows of [`LABELS`] little-endian `i16` weights. Read in place, the
//! built-in model is the binary's own read-only pages, shared by every newsidx process and never
//! copied to the heap (it was 2.9 MB of each indexing run's heap; DESIGN.md 2.9).

use std::borrow::Cow;

use super::LABELS;

/// Bytes of a slot.
const SLOT: usize = 8;
/// Bytes of a row.
pub(super) const ROW: usize = 2 * LABELS;

#[derive(Clone)]
pub(super) struct Table {
    /// The slots, then the rows.
    bytes: Cow<'static, [u8]>,
    mask: usize,
    rows: usize,
}

/// Why a table's bytes are not one.
pub(super) type Refusal = &'static str;

impl Table {
    /// An empty table for `features` keys, at most four fifths full.
    pub(super) fn with_features(features: usize) -> Table {
        let capacity = Table::capacity_for(features);
        let mut bytes = vec![0u8; capacity * SLOT];
        bytes.reserve(features.saturating_mul(ROW));
        Table {
            bytes: Cow::Owned(bytes),
            mask: capacity - 1,
            rows: 0,
        }
    }

    /// The slots a table of `features` keys has.
    pub(super) fn capacity_for(features: usize) -> usize {
        (features + features / 4).next_power_of_two().max(16)
    }

    /// A table laid out in `bytes` (as [`Table::bytes`] gives them) with `capacity` slots and
    /// `features` rows, checked so that every look-up ends and finds a row: the slot count a power
    /// of two, the sizes as said, an empty slot, and every slot's row among the rows.
    pub(super) fn from_layout(
        bytes: Cow<'static, [u8]>,
        capacity: usize,
        features: usize,
    ) -> Result<Table, Refusal> {
        if !capacity.is_power_of_two() || capacity < 16 {
            return Err("the table's slot count is not a power of two of at least 16");
        }
        let size = capacity
            .checked_mul(SLOT)
            .zip(features.checked_mul(ROW))
            .and_then(|(slots, rows)| slots.checked_add(rows));
        if size != Some(bytes.len()) {
            return Err("feature table size does not match the header");
        }
        let table = Table {
            bytes,
            mask: capacity - 1,
            rows: features,
        };
        let mut empty = false;
        let mut keys = 0;
        for at in 0..capacity {
            let (key, row) = table.slot(at);
            if key == 0 {
                empty = true;
            } else if row as usize >= features {
                return Err("a slot names a row the table does not have");
            } else {
                keys += 1;
            }
        }
        if !empty {
            return Err("the table has no empty slot");
        }
        if keys != features {
            return Err("the table's keys and rows differ in number");
        }
        Ok(table)
    }

    fn slot(&self, at: usize) -> (u32, u32) {
        match self.bytes.get(at * SLOT..at * SLOT + SLOT) {
            Some(&[k0, k1, k2, k3, r0, r1, r2, r3]) => (
                u32::from_le_bytes([k0, k1, k2, k3]),
                u32::from_le_bytes([r0, r1, r2, r3]),
            ),
            _ => (0, 0),
        }
    }

    fn row(&self, row: u32) -> Option<[i16; LABELS]> {
        self.view().rows.get(row as usize).map(weights_of)
    }

    /// Sets the weights of `key`, replacing any it had; key 0 (an empty slot's) is not kept, nor is
    /// a key past the four fifths the table was made for.
    pub(super) fn insert(&mut self, key: u32, weights: [i16; LABELS]) {
        if key == 0 {
            return;
        }
        let mut at = slot_of(key, self.mask);
        loop {
            let (k, row) = self.slot(at);
            if k == key {
                let start = (self.mask + 1) * SLOT + row as usize * ROW;
                let bytes = self.bytes.to_mut();
                for (l, w) in weights.iter().enumerate() {
                    bytes[start + 2 * l..start + 2 * l + 2].copy_from_slice(&w.to_le_bytes());
                }
                return;
            }
            if k == 0 {
                break;
            }
            at = (at + 1) & self.mask;
        }
        if self.rows >= self.mask {
            return;
        }
        let row = self.rows as u32;
        let bytes = self.bytes.to_mut();
        bytes[at * SLOT..at * SLOT + 4].copy_from_slice(&key.to_le_bytes());
        bytes[at * SLOT + 4..at * SLOT + SLOT].copy_from_slice(&row.to_le_bytes());
        for w in weights {
            bytes.extend_from_slice(&w.to_le_bytes());
        }
        self.rows += 1;
    }

    /// The slots and rows as fixed-size pieces, for many look-ups ([`View::get`]).
    #[inline]
    pub(super) fn view(&self) -> View<'_> {
        let (slots, rows) = self
            .bytes
            .split_at_checked((self.mask + 1) * SLOT)
            .unwrap_or_default();
        View {
            slots: slots.as_chunks().0,
            rows: rows.as_chunks().0,
            mask: self.mask,
        }
    }

    /// The weights of `key`.
    #[cfg(test)]
    pub(super) fn get(&self, key: u32) -> Option<[i16; LABELS]> {
        self.view().get(key).map(weights_of)
    }

    /// `(key, weights)` of every feature, in slot order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (u32, [i16; LABELS])> + '_ {
        (0..=self.mask).filter_map(|at| {
            let (key, row) = self.slot(at);
            (key != 0)
                .then(|| self.row(row).map(|w| (key, w)))
                .flatten()
        })
    }

    /// The number of features.
    pub(super) fn len(&self) -> usize {
        self.rows
    }

    /// The number of slots.
    pub(super) fn capacity(&self) -> usize {
        self.mask + 1
    }

    /// The layout, as a model file stores it.
    pub(super) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Whether the table is read in place rather than held on the heap.
    #[cfg(test)]
    pub(super) fn in_place(&self) -> bool {
        matches!(self.bytes, Cow::Borrowed(_))
    }
}

/// A table's slots and rows, split once for many look-ups.
pub(super) struct View<'a> {
    slots: &'a [[u8; SLOT]],
    rows: &'a [[u8; ROW]],
    mask: usize,
}

impl<'a> View<'a> {
    /// The weights of `key`, as stored (see [`weights_of`]).
    #[inline]
    pub(super) fn get(&self, key: u32) -> Option<&'a [u8; ROW]> {
        let mut at = slot_of(key, self.mask);
        loop {
            let slot = self.slots.get(at)?;
            let k = u32::from_le_bytes([slot[0], slot[1], slot[2], slot[3]]);
            if k == key {
                let row = u32::from_le_bytes([slot[4], slot[5], slot[6], slot[7]]);
                return self.rows.get(row as usize);
            }
            if k == 0 {
                return None;
            }
            at = (at + 1) & self.mask;
        }
    }
}

/// A row's weights.
#[inline]
pub(super) fn weights_of(row: &[u8; ROW]) -> [i16; LABELS] {
    std::array::from_fn(|l| i16::from_le_bytes([row[2 * l], row[2 * l + 1]]))
}

fn slot_of(key: u32, mask: usize) -> usize {
    (key.wrapping_mul(0x9E37_79B1) as usize) & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights(k: u32) -> [i16; LABELS] {
        std::array::from_fn(|l| (k as i16).wrapping_mul(l as i16 + 1))
    }

    #[test]
    fn inserted_weights_are_found_and_replaced() {
        let mut table = Table::with_features(100);
        for k in 1..=100u32 {
            table.insert(k * 7919, weights(k));
        }
        table.insert(0, weights(5));
        table.insert(7919, weights(42));
        assert_eq!(table.len(), 100);
        assert_eq!(table.get(7919), Some(weights(42)));
        for k in 2..=100u32 {
            assert_eq!(table.get(k * 7919), Some(weights(k)), "key {k}");
        }
        assert_eq!(table.get(3), None);
        assert_eq!(table.iter().count(), 100);
    }

    #[test]
    fn a_layout_reads_back_and_bad_ones_are_refused() {
        let mut table = Table::with_features(40);
        for k in 1..=40u32 {
            table.insert(k.wrapping_mul(0x1234_5677), weights(k));
        }
        let bytes = table.bytes().to_vec();
        let (capacity, features) = (table.capacity(), table.len());
        let again = Table::from_layout(Cow::Owned(bytes.clone()), capacity, features).unwrap();
        assert!(again.iter().eq(table.iter()));

        assert!(Table::from_layout(Cow::Owned(bytes.clone()), capacity, features + 1).is_err());
        assert!(Table::from_layout(Cow::Owned(bytes.clone()), capacity + 1, features).is_err());
        // A slot naming a row past the rows.
        let mut bad = bytes.clone();
        let at = (0..capacity).find(|&at| bad[at * SLOT] != 0).unwrap();
        bad[at * SLOT + 4..at * SLOT + 8].copy_from_slice(&(features as u32).to_le_bytes());
        assert!(Table::from_layout(Cow::Owned(bad), capacity, features).is_err());
        // No empty slot: a look-up for a missing key would never end.
        let full = Table::with_features(12);
        let mut bytes = full.bytes().to_vec();
        for at in 0..16usize {
            bytes[at * SLOT..at * SLOT + 4].copy_from_slice(&(at as u32 + 1).to_le_bytes());
        }
        bytes.extend(std::iter::repeat_n(0u8, 16 * ROW));
        assert!(Table::from_layout(Cow::Owned(bytes), 16, 16).is_err());
    }
}
