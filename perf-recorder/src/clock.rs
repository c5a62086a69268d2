//! Where record timestamps come from.

use std::sync::Arc;

use perf_record::Timestamp;

/// The wall clock that stamps each record's `ts` (the start of the timed operation) and so
/// decides which day's file it goes to. Durations never come from it: they are measured with
/// [`std::time::Instant`].
///
/// Callers only read the monotonic clock; the writer thread reads this one (when it wakes up,
/// after each flush or snapshot, and every 1,024 records of a burst) and sets `ts` to its
/// reading minus the monotonic time since the operation started. With the system clock that is
/// the start in wall time; an injected clock that jumps moves the records written after the
/// jump.
///
/// The default is [`SystemClock`]; tests inject their own to cross a UTC midnight.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}
