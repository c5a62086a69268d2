//! The bounded buffer between callers and the writer thread.
//!
//! A mutex-protected `Vec` the writer swaps out whole: callers push one message under the lock,
//! the writer takes everything queued in one step. Wake-ups are therefore per batch, not per
//! record: the writer is woken only when it waits on an empty queue, and waiting callers only
//! when the writer has just emptied a full one. (A channel that hands over one message at a
//! time costs a system call per record once the writer or a caller is parked.)

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use crate::writer::Message;

pub(crate) struct Queue {
    state: Mutex<State>,
    /// Signalled when the writer waits and a message arrives or the queue closes.
    not_empty: Condvar,
    /// Signalled when callers wait and the writer has taken the queued messages.
    not_full: Condvar,
    capacity: usize,
}

struct State {
    messages: Vec<Message>,
    writer_waiting: bool,
    callers_waiting: usize,
    /// No more messages will come: the recorder is gone.
    closed: bool,
    /// The writer has stopped: nothing will be taken.
    writer_gone: bool,
}

/// What [`Queue::take`] found.
pub(crate) enum Taken {
    /// Messages were moved into the batch.
    Messages,
    /// Nothing queued (only without waiting).
    Empty,
    /// Nothing queued and nothing more will come.
    Closed,
}

impl Queue {
    pub(crate) fn new(capacity: usize) -> Queue {
        Queue {
            state: Mutex::new(State {
                messages: Vec::with_capacity(capacity.min(1 << 16)),
                writer_waiting: false,
                callers_waiting: 0,
                closed: false,
                writer_gone: false,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            capacity,
        }
    }

    /// The state; a panic elsewhere while holding the lock leaves it consistent (every update
    /// is a single push, swap or flag), so a poisoned lock is used as it is.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `message`. When the queue is full it waits for room if `wait`, and otherwise hands
    /// the message back; it is handed back too when the writer has stopped.
    #[inline]
    pub(crate) fn push(&self, message: Message, wait: bool) -> Result<(), Message> {
        let mut state = self.lock();
        loop {
            if state.writer_gone {
                return Err(message);
            }
            if state.messages.len() < self.capacity {
                break;
            }
            if !wait {
                return Err(message);
            }
            state.callers_waiting += 1;
            state = self
                .not_full
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            state.callers_waiting -= 1;
        }
        state.messages.push(message);
        let wake_writer = state.writer_waiting;
        drop(state);
        if wake_writer {
            self.not_empty.notify_one();
        }
        Ok(())
    }

    /// Moves every queued message into `batch` (which must be empty), waiting for one if `wait`.
    pub(crate) fn take(&self, batch: &mut Vec<Message>, wait: bool) -> Taken {
        let mut state = self.lock();
        loop {
            if !state.messages.is_empty() {
                std::mem::swap(&mut state.messages, batch);
                let wake_callers = state.callers_waiting > 0;
                drop(state);
                if wake_callers {
                    self.not_full.notify_all();
                }
                return Taken::Messages;
            }
            if state.closed {
                return Taken::Closed;
            }
            if !wait {
                return Taken::Empty;
            }
            state.writer_waiting = true;
            state = self
                .not_empty
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            state.writer_waiting = false;
        }
    }

    /// No more messages: the writer drains the queue and stops.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.not_empty.notify_all();
    }

    /// The writer has stopped: callers waiting for room give up instead of waiting forever,
    /// and what is still queued is dropped, so a `flush` or `snapshot` queued just before the
    /// writer stopped gets its answer (the writer is gone) instead of waiting for a reply that
    /// nothing will send.
    pub(crate) fn writer_gone(&self) {
        let mut state = self.lock();
        state.writer_gone = true;
        let stale = std::mem::take(&mut state.messages);
        drop(state);
        self.not_full.notify_all();
        // Dropped outside the lock: a message's reply channel closes here.
        drop(stale);
    }
}
