//! A hash index from source word to entry position that stores no copy of the words.
//!
//! A `HashMap<String, usize>` would allocate every source word a second time and hash it
//! with SipHash; on the 95k sources of MUSE en-fr that dominated parse time. This is an
//! open-addressing table (linear probing, load ≤ 1/2, 8-byte slots) of entry positions that
//! compares keys against the entries themselves, with a fast non-cryptographic hash (the
//! input is data files, not adversarial).

use crate::entry::Entry;

const EMPTY: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct Slot {
    /// Entry position, or `EMPTY`. 32 bits keep a slot at 8 bytes: the table's cache misses
    /// dominate parse time, and 2^32 - 1 entries (over 200 GB) cannot be held anyway.
    entry: u32,
    /// High half of the key's hash; the low bits chose the slot.
    tag: u32,
}

impl Slot {
    const EMPTY: Slot = Slot {
        entry: EMPTY,
        tag: 0,
    };
}

#[derive(Debug, Clone, Default)]
pub(crate) struct SourceIndex {
    /// Length 0 or a power of two, at most half full.
    slots: Vec<Slot>,
    len: usize,
}

/// Where a missing key would go; returned by [`SourceIndex::probe`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Vacancy {
    slot: Option<usize>,
    hash: u64,
}

/// The part of a hash kept in a slot to skip most key comparisons.
fn tag(hash: u64) -> u32 {
    (hash >> 32) as u32
}

/// FxHash-style word-at-a-time hash with a final avalanche, so the low bits that pick the
/// slot are well mixed.
fn hash(s: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let bytes = s.as_bytes();
    let mut h: u64 = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let mut tail = [0u8; 8];
    let rest = chunks.remainder();
    tail[..rest.len()].copy_from_slice(rest);
    h = (h.rotate_left(5) ^ u64::from_le_bytes(tail)).wrapping_mul(K);
    // murmur3 finaliser
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

impl SourceIndex {
    /// An empty index with room for `n` keys.
    pub(crate) fn with_capacity(n: usize) -> SourceIndex {
        let mut index = SourceIndex::default();
        index.reserve(&[], n);
        index
    }

    /// Index of `entries`, whose sources must be distinct.
    pub(crate) fn build(entries: &[Entry]) -> SourceIndex {
        let mut index = SourceIndex::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            if let Err(vacant) = index.probe(entries, &e.source) {
                index.fill(entries, vacant, i);
            }
        }
        index
    }

    /// Position of the entry whose source is `key`.
    pub(crate) fn find(&self, entries: &[Entry], key: &str) -> Option<usize> {
        self.probe(entries, key).ok()
    }

    /// `Ok(position)` of `key`'s entry, or `Err(vacancy)` to pass to [`Self::fill`] after
    /// pushing the new entry (valid until the next `fill`).
    pub(crate) fn probe(&self, entries: &[Entry], key: &str) -> Result<usize, Vacancy> {
        let hash = hash(key);
        if self.slots.is_empty() {
            return Err(Vacancy { slot: None, hash });
        }
        let mask = self.slots.len() - 1;
        let mut slot = hash as usize & mask;
        loop {
            let s = self.slots[slot];
            if s.entry == EMPTY {
                return Err(Vacancy {
                    slot: Some(slot),
                    hash,
                });
            }
            // Comparing the stored tag first avoids touching the entry on most collisions.
            if s.tag == tag(hash) && entries[s.entry as usize].source == key {
                return Ok(s.entry as usize);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// Record entry `entry` at the vacancy found by [`Self::probe`].
    pub(crate) fn fill(&mut self, entries: &[Entry], vacancy: Vacancy, entry: usize) {
        let slot = match vacancy.slot {
            Some(slot) if (self.len + 1) * 2 <= self.slots.len() => slot,
            _ => {
                self.reserve(entries, self.len + 1);
                self.free_slot(vacancy.hash)
            }
        };
        self.slots[slot] = Slot {
            // Unreachable saturation: see `Slot::entry`.
            entry: u32::try_from(entry).unwrap_or(EMPTY - 1),
            tag: tag(vacancy.hash),
        };
        self.len += 1;
    }

    fn free_slot(&self, hash: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut slot = hash as usize & mask;
        while self.slots[slot].entry != EMPTY {
            slot = (slot + 1) & mask;
        }
        slot
    }

    /// Grow so that `n` keys keep the load factor at or below 1/2.
    /// `entries` must hold every indexed entry (their hashes are recomputed).
    fn reserve(&mut self, entries: &[Entry], n: usize) {
        if n * 2 <= self.slots.len() {
            return;
        }
        let cap = (n * 2).next_power_of_two().max(16);
        let old = std::mem::replace(&mut self.slots, vec![Slot::EMPTY; cap]);
        for s in old.into_iter().filter(|s| s.entry != EMPTY) {
            let slot = self.free_slot(hash(&entries[s.entry as usize].source));
            self.slots[slot] = s;
        }
    }
}
