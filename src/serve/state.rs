//! What the preview server is showing: the last good site, the current errors (if the last
//! rebuild failed), and a short log of events for the open browser pages.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// Output path -> bytes, exactly as `kneeguide build` would write them.
pub type Files = BTreeMap<String, Vec<u8>>;

/// More changed files than this and the event just says "everything" (`*`).
const MAX_LISTED: usize = 200;
/// Events kept for browser connections that fall behind; older ones become "reload everything".
const LOG_LENGTH: usize = 32;

/// A consistent view for one request; cheap to clone.
#[derive(Clone)]
pub struct Published {
    pub files: Arc<Files>,
    /// The located errors of the last rebuild, as printed in the terminal; `None` when it succeeded.
    pub errors: Option<Arc<String>>,
    /// Changes whenever what the browser should show changes (and when the server restarts).
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A rebuild succeeded; these output paths changed (`*`: too many to list).
    Reload(Arc<Vec<String>>),
    /// A rebuild failed: show the errors over the last good page.
    Errors,
}

pub enum Wait {
    Stopped,
    /// This event stream was closed to make room for a newer one (see [`State::open_stream`]).
    Evicted,
    Timeout,
    Events(Vec<(String, Message)>, u64),
}

struct Inner {
    published: Published,
    generation: u64,
    log: VecDeque<(u64, String, Message)>,
    stopped: bool,
    /// Open event streams by ticket, oldest first.
    streams: BTreeSet<u64>,
    next_stream: u64,
}

pub struct State {
    inner: Mutex<Inner>,
    changed: Condvar,
    instance: String,
    /// The drafts the last good build left out: URL (`causes/x/`) -> content path, so that
    /// their addresses can say why they are not found.
    drafts: Mutex<Arc<BTreeMap<String, String>>>,
}

impl Default for State {
    fn default() -> Self {
        Self::new()
    }
}

impl State {
    pub fn new() -> State {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let instance = format!("{:x}", nanos ^ u128::from(std::process::id()));
        State {
            inner: Mutex::new(Inner {
                published: Published {
                    files: Arc::default(),
                    errors: None,
                    version: format!("{instance}-0"),
                },
                generation: 0,
                log: VecDeque::new(),
                stopped: false,
                streams: BTreeSet::new(),
                next_stream: 0,
            }),
            changed: Condvar::new(),
            instance,
            drafts: Mutex::default(),
        }
    }

    pub fn set_drafts(&self, drafts: BTreeMap<String, String>) {
        *self.drafts.lock().unwrap_or_else(|p| p.into_inner()) = Arc::new(drafts);
    }

    /// The content path of the draft that would be published at `path` (`causes/x/`,
    /// `causes/x/index.html` or `causes/x`), if any.
    pub fn draft_at(&self, path: &str) -> Option<String> {
        let drafts = Arc::clone(&self.drafts.lock().unwrap_or_else(|p| p.into_inner()));
        let folder = path.trim_end_matches("index.html").trim_end_matches('/');
        drafts.get(&format!("{folder}/")).cloned()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn published(&self) -> Published {
        self.lock().published.clone()
    }

    /// The current generation, to wait for events after it.
    pub fn generation(&self) -> (u64, String) {
        let inner = self.lock();
        (inner.generation, inner.published.version.clone())
    }

    pub fn is_stopped(&self) -> bool {
        self.lock().stopped
    }

    pub fn stop(&self) {
        self.lock().stopped = true;
        self.changed.notify_all();
    }

    /// A rebuild succeeded. Returns the output paths that changed; no event is sent when nothing
    /// did and no errors were showing.
    pub fn publish_site(&self, files: Files) -> Vec<String> {
        let mut inner = self.lock();
        let changed = diff(&inner.published.files, &files);
        let was_broken = inner.published.errors.is_some();
        if changed.is_empty() && !was_broken {
            return changed;
        }
        let listed = if changed.len() > MAX_LISTED {
            vec!["*".to_owned()]
        } else {
            changed.clone()
        };
        self.push(
            &mut inner,
            Some(files),
            None,
            Message::Reload(Arc::new(listed)),
        );
        changed
    }

    /// A rebuild failed: keep the last good files, show `errors`. Returns false when the same
    /// errors were already showing (no new event).
    pub fn publish_errors(&self, errors: String) -> bool {
        let mut inner = self.lock();
        if inner.published.errors.as_deref() == Some(&errors) {
            return false;
        }
        self.push(&mut inner, None, Some(errors), Message::Errors);
        true
    }

    fn push(
        &self,
        inner: &mut Inner,
        files: Option<Files>,
        errors: Option<String>,
        message: Message,
    ) {
        inner.generation += 1;
        let version = format!("{}-{}", self.instance, inner.generation);
        if let Some(files) = files {
            inner.published.files = Arc::new(files);
        }
        inner.published.errors = errors.map(Arc::new);
        inner.published.version = version.clone();
        let generation = inner.generation;
        inner.log.push_back((generation, version, message));
        while inner.log.len() > LOG_LENGTH {
            inner.log.pop_front();
        }
        self.changed.notify_all();
    }

    /// Registers a new event stream; past `budget` open streams the oldest is told to end
    /// (its `wait` returns [`Wait::Evicted`]). Event streams thus have a budget of their own,
    /// and whoever holds many open cannot lock out a reader who just opened a page: the newest
    /// always gets in (a browser's EventSource reconnects by itself when its stream ends).
    pub fn open_stream(&self, budget: usize) -> u64 {
        let mut inner = self.lock();
        inner.next_stream += 1;
        let ticket = inner.next_stream;
        inner.streams.insert(ticket);
        let mut evicted = false;
        while inner.streams.len() > budget.max(1) {
            inner.streams.pop_first();
            evicted = true;
        }
        if evicted {
            self.changed.notify_all();
        }
        ticket
    }

    pub fn close_stream(&self, ticket: u64) {
        self.lock().streams.remove(&ticket);
    }

    pub fn open_streams(&self) -> usize {
        self.lock().streams.len()
    }

    /// Blocks until there are events after generation `seen`, the server stops, `timeout`
    /// passes, or (for an event stream's `ticket`) the stream is evicted.
    pub fn wait(&self, seen: u64, timeout: Duration, ticket: Option<u64>) -> Wait {
        let inner = self.lock();
        let evicted = |inner: &Inner| ticket.is_some_and(|t| !inner.streams.contains(&t));
        let (inner, _) = self
            .changed
            .wait_timeout_while(inner, timeout, |inner| {
                !inner.stopped && inner.generation <= seen && !evicted(inner)
            })
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if inner.stopped {
            return Wait::Stopped;
        }
        if evicted(&inner) {
            return Wait::Evicted;
        }
        if inner.generation <= seen {
            return Wait::Timeout;
        }
        let oldest = inner.log.front().map_or(u64::MAX, |(g, _, _)| *g);
        let events = if oldest > seen + 1 {
            // This connection fell behind the log: have the page reload whatever it shows.
            vec![(
                inner.published.version.clone(),
                Message::Reload(Arc::new(vec!["*".to_owned()])),
            )]
        } else {
            inner
                .log
                .iter()
                .filter(|(g, _, _)| *g > seen)
                .map(|(_, v, m)| (v.clone(), m.clone()))
                .collect()
        };
        Wait::Events(events, inner.generation)
    }
}

/// Paths added, removed or changed between two builds, sorted.
pub fn diff(old: &Files, new: &Files) -> Vec<String> {
    let mut changed: Vec<String> = new
        .iter()
        .filter(|(path, bytes)| old.get(*path) != Some(*bytes))
        .map(|(path, _)| path.clone())
        .collect();
    changed.extend(old.keys().filter(|p| !new.contains_key(*p)).cloned());
    changed.sort();
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(entries: &[(&str, &str)]) -> Files {
        entries
            .iter()
            .map(|(p, b)| (p.to_string(), b.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn diff_lists_added_removed_and_changed() {
        let old = files(&[("a", "1"), ("b", "2"), ("c", "3")]);
        let new = files(&[("a", "1"), ("b", "x"), ("d", "4")]);
        assert_eq!(diff(&old, &new), ["b", "c", "d"]);
    }

    #[test]
    fn events_follow_rebuilds() {
        let state = State::new();
        state.publish_site(files(&[("index.html", "1")]));
        let (seen, _) = state.generation();
        assert!(state.publish_site(files(&[("index.html", "1")])).is_empty());
        assert!(matches!(
            state.wait(seen, Duration::from_millis(10), None),
            Wait::Timeout
        ));
        assert!(state.publish_errors("error[E001]: x".into()));
        assert!(
            !state.publish_errors("error[E001]: x".into()),
            "same errors"
        );
        assert_eq!(state.published().files.len(), 1, "last good site kept");
        // Fixing the error sends a reload even when no output changed.
        assert!(state.publish_site(files(&[("index.html", "1")])).is_empty());
        match state.wait(seen, Duration::from_millis(10), None) {
            Wait::Events(events, generation) => {
                let messages: Vec<Message> = events.into_iter().map(|(_, m)| m).collect();
                assert_eq!(
                    messages,
                    [Message::Errors, Message::Reload(Arc::new(vec![]))]
                );
                assert_eq!(generation, seen + 2);
            }
            _ => panic!("expected events"),
        }
        assert!(state.published().errors.is_none());
        state.stop();
        assert!(matches!(
            state.wait(0, Duration::from_secs(5), None),
            Wait::Stopped
        ));
    }

    #[test]
    fn event_streams_past_the_budget_evict_the_oldest() {
        let state = State::new();
        let first = state.open_stream(2);
        let second = state.open_stream(2);
        let third = state.open_stream(2);
        assert_eq!(state.open_streams(), 2);
        assert!(matches!(
            state.wait(0, Duration::from_secs(5), Some(first)),
            Wait::Evicted
        ));
        assert!(matches!(
            state.wait(0, Duration::from_millis(10), Some(second)),
            Wait::Timeout
        ));
        state.close_stream(third);
        assert_eq!(state.open_streams(), 1);
    }
}
