//! Whole answers of the listings that are costly to compute (differences between two
//! commits, a file's history, merge conflicts), kept for their next pages. Every page of
//! such a listing used to compute the whole answer again, so reading all pages cost the
//! number of pages times one computation. Keys name commit IDs, never branch names, so an
//! entry is never stale; a few recent answers are kept.

use std::any::Any;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// How many answers are kept (the most recently used).
const KEPT: usize = 16;

#[derive(Default)]
pub struct Listings {
    entries: Mutex<VecDeque<(String, Arc<dyn Any + Send + Sync>)>>,
}

impl Listings {
    /// The answer under `key`, computed by `compute` unless kept. Without a key (a request
    /// naming a commit that does not exist) it is computed and not kept: `compute` then
    /// fails as it would have.
    pub fn get_or_compute<T: Send + Sync + 'static, E>(
        &self,
        key: Option<String>,
        compute: impl FnOnce() -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        let Some(key) = key else {
            return compute().map(Arc::new);
        };
        if let Some(hit) = self.get(&key) {
            return Ok(hit);
        }
        // Computed outside the lock: other listings go on meanwhile.
        let answer = Arc::new(compute()?);
        let mut entries = self.entries();
        entries.retain(|(k, _)| *k != key);
        entries.push_front((key, answer.clone()));
        entries.truncate(KEPT);
        Ok(answer)
    }

    /// The answer kept under `key`, if any (and of type `T`), now the most recently used.
    pub fn get<T: Send + Sync + 'static>(&self, key: &str) -> Option<Arc<T>> {
        let mut entries = self.entries();
        let i = entries.iter().position(|(k, _)| k == key)?;
        let hit = entries[i].1.clone().downcast::<T>().ok()?;
        let entry = entries.remove(i)?;
        entries.push_front(entry);
        Some(hit)
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, VecDeque<(String, Arc<dyn Any + Send + Sync>)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_computed_once_and_the_oldest_are_forgotten() {
        let listings = Listings::default();
        let mut computed = 0;
        for _ in 0..3 {
            let got = listings
                .get_or_compute(Some("a".into()), || {
                    computed += 1;
                    Ok::<_, ()>(vec![1, 2, 3])
                })
                .unwrap();
            assert_eq!(*got, vec![1, 2, 3]);
        }
        assert_eq!(computed, 1);
        for i in 0..KEPT {
            listings
                .get_or_compute(Some(format!("k{i}")), || Ok::<_, ()>(vec![i]))
                .unwrap();
        }
        listings
            .get_or_compute(Some("a".into()), || {
                computed += 1;
                Ok::<_, ()>(vec![1, 2, 3])
            })
            .unwrap();
        assert_eq!(computed, 2);
        // A failure is not kept.
        assert!(
            listings
                .get_or_compute::<Vec<u8>, _>(Some("e".into()), || Err(()))
                .is_err()
        );
        assert_eq!(
            *listings
                .get_or_compute(Some("e".into()), || Ok::<_, ()>(vec![7u8]))
                .unwrap(),
            vec![7]
        );
        // No key: computed every time.
        let mut unkeyed = 0;
        for _ in 0..2 {
            listings
                .get_or_compute(None, || {
                    unkeyed += 1;
                    Ok::<_, ()>(vec![0])
                })
                .unwrap();
        }
        assert_eq!(unkeyed, 2);
    }
}
