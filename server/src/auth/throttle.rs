//! Repeated authentication failures from one source slow that source down: after a few
//! free failures each further attempt from the same IP address waits a little longer
//! before it is checked (up to a cap), and a minute without failures forgets them. Other
//! sources are never slowed, and nobody is locked out: a right password from a throttled
//! address still signs in, only later.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures from one source before any delay.
const FREE_FAILURES: u32 = 5;
/// The delay each failure beyond the free ones adds.
const STEP: Duration = Duration::from_millis(250);
/// The longest delay.
const MAX_DELAY: Duration = Duration::from_secs(3);
/// How long a source's failures are remembered after its last one.
const FORGET_AFTER: Duration = Duration::from_secs(60);
/// Sources remembered at most; past it, forgotten ones are swept first.
const MAX_SOURCES: usize = 10_000;

#[derive(Default)]
pub struct FailureThrottle {
    sources: Mutex<HashMap<IpAddr, Failures>>,
}

struct Failures {
    count: u32,
    last: Instant,
}

impl FailureThrottle {
    /// How long an attempt from `source` waits before it is checked.
    pub fn delay_for(&self, source: Option<IpAddr>) -> Duration {
        let Some(ip) = source else {
            return Duration::ZERO;
        };
        let sources = self.sources.lock().unwrap_or_else(|e| e.into_inner());
        match sources.get(&ip) {
            Some(f) if f.last.elapsed() < FORGET_AFTER => STEP
                .saturating_mul(f.count.saturating_sub(FREE_FAILURES))
                .min(MAX_DELAY),
            _ => Duration::ZERO,
        }
    }

    /// Records a failed attempt from `source`.
    pub fn failed(&self, source: Option<IpAddr>) {
        let Some(ip) = source else {
            return;
        };
        let mut sources = self.sources.lock().unwrap_or_else(|e| e.into_inner());
        if sources.len() >= MAX_SOURCES && !sources.contains_key(&ip) {
            sources.retain(|_, f| f.last.elapsed() < FORGET_AFTER);
            if sources.len() >= MAX_SOURCES {
                return;
            }
        }
        let now = Instant::now();
        let f = sources.entry(ip).or_insert(Failures {
            count: 0,
            last: now,
        });
        if f.last.elapsed() >= FORGET_AFTER {
            f.count = 0;
        }
        f.count = f.count.saturating_add(1);
        f.last = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_failing_source_waits_and_the_wait_is_capped() {
        let t = FailureThrottle::default();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..FREE_FAILURES {
            t.failed(Some(a));
        }
        assert_eq!(t.delay_for(Some(a)), Duration::ZERO);
        t.failed(Some(a));
        assert_eq!(t.delay_for(Some(a)), STEP);
        for _ in 0..100 {
            t.failed(Some(a));
        }
        assert_eq!(t.delay_for(Some(a)), MAX_DELAY);
        assert_eq!(t.delay_for(Some(b)), Duration::ZERO);
        assert_eq!(t.delay_for(None), Duration::ZERO);
    }
}
