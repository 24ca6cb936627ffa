//! A least-recently-used map bounded by entries and by a total weight (bytes), with an age
//! limit per entry. Not synchronised: callers hold it behind a mutex.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::time::{Duration, Instant};

pub struct Lru<K, V> {
    slots: HashMap<K, Slot<V>>,
    /// Use order: the oldest tick is the least recently used.
    order: BTreeMap<u64, K>,
    tick: u64,
    weight: usize,
    max_entries: usize,
    max_weight: usize,
    ttl: Duration,
}

struct Slot<V> {
    value: V,
    weight: usize,
    tick: u64,
    born: Instant,
}

impl<K: Hash + Eq + Clone, V> Lru<K, V> {
    pub fn new(max_entries: usize, max_weight: usize, ttl: Duration) -> Lru<K, V> {
        Lru {
            slots: HashMap::new(),
            order: BTreeMap::new(),
            tick: 0,
            weight: 0,
            max_entries,
            max_weight,
            ttl,
        }
    }

    /// The value of `key` if present and younger than the age limit; marks it used.
    pub fn get<Q>(&mut self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let expired = self.slots.get(key)?.born.elapsed() >= self.ttl;
        if expired {
            self.remove(key);
            return None;
        }
        self.tick += 1;
        let tick = self.tick;
        let slot = self.slots.get_mut(key)?;
        let old = std::mem::replace(&mut slot.tick, tick);
        if let Some(k) = self.order.remove(&old) {
            self.order.insert(tick, k);
        }
        self.slots.get(key).map(|s| &s.value)
    }

    /// Stores `value` under `key` (replacing what was there), then evicts the least recently
    /// used entries until both bounds hold. A value heavier than the whole budget is not kept.
    pub fn insert(&mut self, key: K, value: V, weight: usize) {
        self.remove(&key);
        if weight > self.max_weight || self.max_entries == 0 {
            return;
        }
        self.tick += 1;
        self.order.insert(self.tick, key.clone());
        self.slots.insert(
            key,
            Slot {
                value,
                weight,
                tick: self.tick,
                born: Instant::now(),
            },
        );
        self.weight += weight;
        while self.slots.len() > self.max_entries || self.weight > self.max_weight {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            if let Some(slot) = self.slots.remove(&oldest) {
                self.weight -= slot.weight;
            }
        }
    }

    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let slot = self.slots.remove(key)?;
        self.order.remove(&slot.tick);
        self.weight -= slot.weight;
        Some(slot.value)
    }

    pub fn clear(&mut self) {
        self.slots.clear();
        self.order.clear();
        self.weight = 0;
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn weight(&self) -> usize {
        self.weight
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_the_least_recently_used_by_count_and_by_weight() {
        let mut lru = Lru::new(3, 100, Duration::from_secs(60));
        for k in ["a", "b", "c"] {
            lru.insert(k.to_string(), k, 10);
        }
        assert_eq!(lru.get("a"), Some(&"a")); // a is now the most recent
        lru.insert("d".into(), "d", 10);
        assert!(lru.get("b").is_none(), "b was the least recently used");
        assert_eq!((lru.len(), lru.weight()), (3, 30));
        lru.insert("heavy".into(), "heavy", 85);
        // 30 + 85 > 100: the oldest go until it fits.
        assert!(lru.get("heavy").is_some());
        assert!(lru.weight() <= 100, "{}", lru.weight());
        lru.insert("too heavy".into(), "x", 101);
        assert!(lru.get("too heavy").is_none());
        assert!(lru.weight() <= 100);
    }

    #[test]
    fn replaces_and_expires() {
        let mut lru = Lru::new(10, 1000, Duration::from_secs(60));
        lru.insert("k", 1, 5);
        lru.insert("k", 2, 7);
        assert_eq!(lru.get("k"), Some(&2));
        assert_eq!((lru.len(), lru.weight()), (1, 7));
        // An age limit of zero: every entry is already too old when asked for.
        let mut lru = Lru::new(10, 1000, Duration::ZERO);
        lru.insert("k", 1, 5);
        assert_eq!(lru.get("k"), None);
        assert_eq!((lru.len(), lru.weight()), (0, 0));
    }
}
