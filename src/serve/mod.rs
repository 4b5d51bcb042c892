//! `kneeguide serve`: builds the site in memory, serves it over HTTP, watches the sources and
//! reloads the open browser pages after each rebuild.
//!
//! ```text
//! watch (notify, debounced) -> rebuild (load + render into a MemorySink) -> State
//!                                                                  |-> http: files, 404, overlay
//!                                                                  '-> /__kneeguide/events (SSE)
//! ```
//!
//! Each rebuild runs on a thread of its own, watched over by the watch thread: one that has not
//! finished after [`ServeOptions::rebuild_limit`] (a bug: some input makes a stage loop) is
//! reported in the terminal and the browser, later saves start fresh rebuilds, and Ctrl-C still
//! stops the server (a stuck thread is left behind, never waited for). A rebuild that finishes
//! late is shown if nothing newer has been.
//!
//! A rebuild re-loads and re-renders the whole site (the pipeline is fast enough for that to stay
//! well under the reload budget), then compares the output with the last good build: only the
//! pages whose bytes changed are announced, and a page in the browser reloads only when it, or an
//! asset, did. A failed rebuild keeps the last good site and shows the errors over it.

pub mod http;
pub mod reload;
pub mod response;
pub mod state;
pub mod watch;

use std::collections::BTreeSet;
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::diagnostics::{Diagnostic, Diagnostics, colour_on_stderr, plural};
use crate::output::MemorySink;
use crate::{BuildOptions, config, content};
use state::{Files, State};

/// The port `serve` uses unless told otherwise.
pub const DEFAULT_PORT: u16 = 4400;
/// How long the sources must stay quiet after a change before the rebuild starts.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(30);
/// A rebuild still running after this is reported as stuck (the guide builds in well under a
/// second; 10,000 pages in a few).
pub const DEFAULT_REBUILD_LIMIT: Duration = Duration::from_secs(20);
/// Stuck rebuilds left running at once; past this, saves are not rebuilt until one ends.
const MAX_STUCK: usize = 3;

#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The site to build; `base_url` is replaced by the server's own address.
    pub build: BuildOptions,
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    pub debounce: Duration,
    /// How long a rebuild may run before it is reported as stuck.
    pub rebuild_limit: Duration,
    /// Print nothing (benchmarks and in-process tests).
    pub quiet: bool,
}

impl ServeOptions {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let mut build = BuildOptions::new(root);
        build.service_worker = false;
        ServeOptions {
            build,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: DEFAULT_PORT,
            debounce: DEFAULT_DEBOUNCE,
            rebuild_limit: DEFAULT_REBUILD_LIMIT,
            quiet: false,
        }
    }
}

#[derive(Debug)]
pub enum StartError {
    /// Someone else listens on the port.
    PortInUse(SocketAddr),
    Bind(SocketAddr, io::Error),
    /// The folder has neither site.yaml nor content/.
    NotASite(Diagnostics),
    Watch(PathBuf, String),
}

impl StartError {
    /// The problem as diagnostics, drawn like a build's.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let one = match self {
            StartError::PortInUse(addr) => Diagnostic::error(
                "",
                format!(
                    "port {} on {} is already in use (is another `kneeguide serve` running?)",
                    addr.port(),
                    addr.ip()
                ),
            )
            .with_help(format!(
                "stop the program using it, or pick another port: `kneeguide serve --port {}` \
                 (`--port 0` takes any free port)",
                addr.port().wrapping_add(1).max(1024)
            )),
            StartError::Bind(addr, error) => {
                Diagnostic::error("", format!("cannot listen on {addr}: {error}")).with_help(
                    format!(
                        "ports below 1024 need administrator rights; try `--port {DEFAULT_PORT}`, \
                         or check the address given to --bind"
                    ),
                )
            }
            StartError::NotASite(diagnostics) => return diagnostics.iter().cloned().collect(),
            StartError::Watch(path, error) => Diagnostic::error(
                "",
                format!("cannot watch {} for changes: {error}", path.display()),
            ),
        };
        vec![one]
    }

    /// Drawn for stderr: in colour on a terminal.
    pub fn render(&self, colour: bool) -> String {
        match self {
            // A folder that is not a site is reported like a failed build, count included.
            StartError::NotASite(diagnostics) => diagnostics.render(colour),
            _ => self
                .diagnostics()
                .iter()
                .map(|d| d.render(colour))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// A running preview server. Dropping it does not stop it; call [`Server::stop`].
pub struct Server {
    addr: SocketAddr,
    url: String,
    state: Arc<State>,
    threads: Vec<JoinHandle<()>>,
}

impl Server {
    /// Binds, builds the site once (errors are shown, not fatal), starts watching and serving.
    pub fn start(options: ServeOptions) -> Result<Server, StartError> {
        let ServeOptions {
            mut build,
            bind,
            port,
            debounce,
            rebuild_limit,
            quiet,
        } = options;
        let root = build
            .root
            .canonicalize()
            .unwrap_or_else(|_| build.root.clone());
        if !root.join(config::CONFIG_FILE).is_file() && !root.join(content::CONTENT_DIR).is_dir() {
            // Report it the way `build` would.
            return Err(StartError::NotASite(
                crate::load(&build).err().unwrap_or_default(),
            ));
        }
        build.root = root.clone();

        let wanted = SocketAddr::new(bind, port);
        let listener = TcpListener::bind(wanted).map_err(|error| match error.kind() {
            io::ErrorKind::AddrInUse => StartError::PortInUse(wanted),
            _ => StartError::Bind(wanted, error),
        })?;
        let addr = listener
            .local_addr()
            .map_err(|error| StartError::Bind(wanted, error))?;
        let url = local_url(addr);
        build.base_url = Some(url.clone());

        let log = Log { quiet };
        let state = Arc::new(State::new());
        let mut rebuilder = Rebuilder::new(
            build,
            Arc::clone(&state),
            log,
            rebuild_limit,
            Arc::new(build_in_memory_with_test_hook),
        );
        rebuilder.run(None);
        let mut watch = watch::Watch::start(&root)
            .map_err(|error| StartError::Watch(root.clone(), error.to_string()))?;

        let mut threads = Vec::new();
        let accept_state = Arc::clone(&state);
        threads.push(
            std::thread::Builder::new()
                .name("kneeguide-accept".into())
                .spawn(move || http::accept_loop(listener, accept_state))
                .map_err(|error| StartError::Bind(addr, error))?,
        );
        let watch_state = Arc::clone(&state);
        threads.push(
            std::thread::Builder::new()
                .name("kneeguide-watch".into())
                .spawn(move || {
                    while let Some(changed) =
                        watch.next_batch(debounce, &|| watch_state.is_stopped())
                    {
                        rebuilder.run(Some(changed));
                    }
                })
                .map_err(|error| StartError::Bind(addr, error))?,
        );
        Ok(Server {
            addr,
            url,
            state,
            threads,
        })
    }

    /// `http://127.0.0.1:4400/`
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, ends the event streams and the watcher, and waits for them.
    pub fn stop(self) {
        self.state.stop();
        // Wake the accept loop with a connection of our own.
        let mut wake = self.addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(match wake.ip() {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
            });
        }
        let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
        for thread in self.threads {
            let _ = thread.join();
        }
    }
}

/// The address to print and to use as base URL: unspecified binds (0.0.0.0) are reached locally
/// through the loopback address.
fn local_url(addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => format!("http://127.0.0.1:{}/", addr.port()),
        IpAddr::V4(ip) => format!("http://{ip}:{}/", addr.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => format!("http://[::1]:{}/", addr.port()),
        IpAddr::V6(ip) => format!("http://[{ip}]:{}/", addr.port()),
    }
}

#[derive(Clone, Copy)]
struct Log {
    quiet: bool,
}

impl Log {
    fn out(&self, text: &str) {
        if !self.quiet {
            println!("{text}");
        }
    }

    fn err(&self, text: &str) {
        if !self.quiet {
            eprint!("{text}");
        }
    }
}

/// Loads and renders the whole site into memory, exactly as `build` does.
pub fn build_in_memory(options: &BuildOptions) -> Result<(Files, usize, Diagnostics), Diagnostics> {
    let sink = MemorySink::default();
    let built = crate::build_into(options, &sink)?;
    Ok((sink.into_files(), built.pages, built.warnings))
}

/// A build's files, page count and warnings, and the drafts it left out (URL -> content path).
type BuildResult = Result<(Files, usize, Diagnostics, Drafts), Diagnostics>;
type Drafts = std::collections::BTreeMap<String, String>;
type BuildFn = dyn Fn(&BuildOptions) -> BuildResult + Send + Sync;

/// [`build_in_memory`], plus a test-only hook: with `KNEEGUIDE_TEST_HANG=<text>`, a rebuild of a
/// site whose Markdown contains `<text>` never ends, as a rebuild caught in a bug would.
fn build_in_memory_with_test_hook(options: &BuildOptions) -> BuildResult {
    let site = crate::load(options)?;
    if let Ok(marker) = std::env::var("KNEEGUIDE_TEST_HANG")
        && !marker.is_empty()
        && site
            .editions
            .iter()
            .flat_map(|edition| &edition.content.pages)
            .any(|p| p.body().contains(&marker))
    {
        loop {
            std::thread::park();
        }
    }
    let sink = MemorySink::default();
    let pages = crate::render(&site, &sink)?;
    let drafts = site
        .editions
        .iter()
        .flat_map(|edition| &edition.content.drafts)
        .map(|(path, url)| {
            (
                url.clone(),
                format!("{}/{path}", crate::content::CONTENT_DIR),
            )
        })
        .collect();
    Ok((sink.into_files(), pages, site.warnings, drafts))
}

/// Runs each rebuild on a thread of its own and waits for it up to the limit.
struct Rebuilder {
    options: BuildOptions,
    state: Arc<State>,
    log: Log,
    limit: Duration,
    build: Arc<BuildFn>,
    started: u64,
    /// The newest rebuild whose outcome was shown: one that finishes later than a newer one is
    /// dropped.
    shown: Arc<Mutex<u64>>,
    /// Rebuild threads still running, with a signal for each that ends.
    running: Arc<(Mutex<usize>, Condvar)>,
}

impl Rebuilder {
    fn new(
        options: BuildOptions,
        state: Arc<State>,
        log: Log,
        limit: Duration,
        build: Arc<BuildFn>,
    ) -> Rebuilder {
        Rebuilder {
            options,
            state,
            log,
            limit,
            build,
            started: 0,
            shown: Arc::default(),
            running: Arc::default(),
        }
    }

    fn running(&self) -> usize {
        *self.running.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a rebuild and waits until it ends, the limit passes (reported as stuck), or the
    /// server stops.
    fn run(&mut self, changed: Option<BTreeSet<PathBuf>>) {
        let what = changed
            .as_ref()
            .map(|changed| describe(&self.options.root, changed));
        let stuck = self.running();
        if stuck >= MAX_STUCK {
            self.report_stuck(what.as_deref(), &format!(
                "{} earlier rebuilds are still running and may never finish, so this change was \
                 not rebuilt",
                stuck
            ));
            return;
        }
        self.started += 1;
        let number = self.started;
        let (done, finished) = channel();
        let job = RebuildJob {
            options: self.options.clone(),
            state: Arc::clone(&self.state),
            log: self.log,
            build: Arc::clone(&self.build),
            shown: Arc::clone(&self.shown),
            number,
            changed,
        };
        *self.running.0.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        let running = Arc::clone(&self.running);
        let spawned = std::thread::Builder::new()
            .name("kneeguide-rebuild".into())
            .spawn(move || {
                job.run();
                let (count, ended) = &*running;
                *count.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
                ended.notify_all();
                let _ = done.send(());
            });
        if let Err(error) = spawned {
            *self.running.0.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
            self.log
                .err(&format!("error: cannot start a rebuild: {error}\n"));
            return;
        }
        let deadline = Instant::now() + self.limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            // In short steps, so that Ctrl-C is never kept waiting for a rebuild.
            match finished.recv_timeout(left.min(Duration::from_millis(100))) {
                Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) if self.state.is_stopped() => return,
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
        // Shown under the same lock as a finished rebuild, so a rebuild ending right now is
        // never covered up by this report.
        let shown = self.shown.lock().unwrap_or_else(|p| p.into_inner());
        if *shown < number {
            let which = if what.is_some() {
                "rebuild"
            } else {
                "first build"
            };
            self.report_stuck(
                what.as_deref(),
                &format!(
                    "the {which} has been running for {} and may never finish",
                    seconds(self.limit)
                ),
            );
        }
    }

    fn report_stuck(&self, what: Option<&str>, problem: &str) {
        let message = match what {
            Some(what) => format!("{what}: {problem}"),
            None => problem.to_owned(),
        };
        let diagnostic = Diagnostic::error("E072", message).with_help(
            "this is a bug in kneeguide: please report it with the file you saved. The last good \
             build is still served; saving a file starts a fresh rebuild, and Ctrl-C stops \
             `kneeguide serve`",
        );
        self.state.publish_errors(diagnostic.to_string());
        self.log.err(&diagnostic.render(colour_on_stderr()));
    }

    /// Test support: waits until no rebuild thread is running.
    #[cfg(test)]
    fn wait_idle(&self) {
        let (count, ended) = &*self.running;
        let count = count.lock().unwrap();
        let _unused = ended.wait_while(count, |n| *n > 0).unwrap();
    }
}

fn seconds(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds.fract() == 0.0 {
        format!("{seconds} s")
    } else {
        format!("{seconds:.1} s")
    }
}

/// One rebuild, run on its own thread.
struct RebuildJob {
    options: BuildOptions,
    state: Arc<State>,
    log: Log,
    build: Arc<BuildFn>,
    shown: Arc<Mutex<u64>>,
    number: u64,
    changed: Option<BTreeSet<PathBuf>>,
}

impl RebuildJob {
    fn run(self) {
        let started = Instant::now();
        let result = (self.build)(&self.options);
        let mut shown = self.shown.lock().unwrap_or_else(|p| p.into_inner());
        if *shown > self.number {
            return; // a newer rebuild has been shown already
        }
        *shown = self.number;
        report(
            &self.options,
            &self.state,
            &self.log,
            self.changed.as_ref(),
            started.elapsed(),
            result,
        );
    }
}

fn report(
    options: &BuildOptions,
    state: &State,
    log: &Log,
    changed_sources: Option<&BTreeSet<PathBuf>>,
    elapsed: Duration,
    result: BuildResult,
) {
    let elapsed = elapsed.as_millis();
    let what = changed_sources
        .map(|changed| describe(&options.root, changed))
        .unwrap_or_default();
    // A saved draft changes no page of a preview without --drafts: say why, and how to see it.
    let drafts = match changed_sources {
        Some(changed) if !options.drafts => drafts_among(&options.root, changed),
        _ => Vec::new(),
    };
    match result {
        Ok((files, pages, warnings, draft_urls)) => {
            state.set_drafts(draft_urls);
            if !warnings.is_empty() {
                log.err(&warnings.render(colour_on_stderr()));
            }
            let was_broken = state.published().errors.is_some();
            let changed = state.publish_site(files);
            let fixed = if was_broken { ", errors fixed" } else { "" };
            let summary = match (changed_sources, changed.len()) {
                (None, _) => format!("Built {} in {elapsed} ms", plural(pages, "page")),
                (Some(_), 0) => format!("{what}: rebuilt in {elapsed} ms{fixed}, no page changed"),
                (Some(_), n) => format!(
                    "{what}: rebuilt in {elapsed} ms{fixed}, {} changed, reloading",
                    plural(n, "file")
                ),
            };
            log.out(&summary);
            if !drafts.is_empty() {
                log.out(&format!(
                    "{} {} a draft (`draft: true`), left out of this preview: stop and run `kneeguide serve --drafts` to preview drafts",
                    drafts.join(", "),
                    if drafts.len() == 1 { "is" } else { "are each" },
                ));
            }
        }
        Err(diagnostics) => {
            // The browser's overlay gets plain text; the terminal may get colour.
            state.publish_errors(diagnostics.to_string());
            if changed_sources.is_some() {
                log.err(&format!("{what}:\n"));
            }
            log.err(&diagnostics.render(colour_on_stderr()));
            log.err(if state.published().files.is_empty() {
                "The browser shows these errors until they are fixed; save a file to try again.\n"
            } else {
                "Still serving the last good build; the browser shows these errors over it until \
                 they are fixed.\n"
            });
        }
    }
}

/// "content/about.md changed", "3 files changed (content/a.md, ...)". Editors' temporary files
/// (written, then renamed away) are left out when the batch has other files.
/// The changed content files that are drafts, as `content/...` paths.
fn drafts_among(root: &std::path::Path, changed: &BTreeSet<PathBuf>) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct DraftFlag {
        #[serde(default)]
        draft: bool,
    }
    changed
        .iter()
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .filter(|path| {
            let Ok(text) = std::fs::read_to_string(root.join(path)) else {
                return false;
            };
            let file = crate::diagnostics::SourceFile::new((*path).clone(), text);
            crate::yaml::split(&file).is_ok_and(|parts| {
                serde_yaml::from_str::<DraftFlag>(&file.text[parts.yaml]).is_ok_and(|f| f.draft)
            })
        })
        .map(|path| path.to_string_lossy().replace('\\', "/"))
        .collect()
}

fn describe(root: &std::path::Path, changed: &BTreeSet<PathBuf>) -> String {
    let existing: Vec<&PathBuf> = changed.iter().filter(|p| root.join(p).exists()).collect();
    let shown: Vec<&PathBuf> = if existing.is_empty() {
        changed.iter().collect()
    } else {
        existing
    };
    let names: Vec<String> = shown
        .iter()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect();
    match names.as_slice() {
        many if many.len() <= 3 => format!("{} changed", many.join(", ")),
        many => format!(
            "{} changed ({}, ...)",
            plural(many.len(), "file"),
            many[..2].join(", ")
        ),
    }
}

/// Opens `url` in the desktop's browser; false when no opener could be started.
pub fn open_browser(url: &str) -> bool {
    let mut command = if cfg!(target_os = "windows") {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else {
        std::process::Command::new("xdg-open")
    };
    command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_for_bound_addresses() {
        assert_eq!(
            local_url("127.0.0.1:4400".parse().unwrap()),
            "http://127.0.0.1:4400/"
        );
        assert_eq!(
            local_url("0.0.0.0:80".parse().unwrap()),
            "http://127.0.0.1:80/"
        );
        assert_eq!(local_url("[::1]:9".parse().unwrap()), "http://[::1]:9/");
    }

    #[test]
    fn changes_are_described_briefly() {
        let temp = tempfile::tempdir().unwrap();
        std::fs::write(temp.path().join("a.md"), "").unwrap();
        let saved = BTreeSet::from([PathBuf::from("a.md"), PathBuf::from("sedX1y2")]);
        assert_eq!(describe(temp.path(), &saved), "a.md changed");
        let many: BTreeSet<PathBuf> = (0..5).map(|i| PathBuf::from(format!("c/{i}.md"))).collect();
        assert_eq!(
            describe(temp.path(), &many),
            "5 files changed (c/0.md, c/1.md, ...)"
        );
    }

    /// Builds that take as long as the test says: each call takes the next gate and waits for
    /// the files to come through it, after saying it has started.
    struct Gates {
        waiting: Mutex<std::collections::VecDeque<std::sync::mpsc::Receiver<Files>>>,
        entered: Mutex<std::sync::mpsc::Sender<()>>,
    }

    fn gated_rebuilder(limit: Duration) -> (Rebuilder, Arc<Gates>, std::sync::mpsc::Receiver<()>) {
        let (entered, started) = channel();
        let gates = Arc::new(Gates {
            waiting: Mutex::default(),
            entered: Mutex::new(entered),
        });
        let shared = Arc::clone(&gates);
        let build: Arc<BuildFn> = Arc::new(move |_: &BuildOptions| {
            let gate = shared.waiting.lock().unwrap().pop_front().unwrap();
            shared.entered.lock().unwrap().send(()).unwrap();
            let files = gate.recv().unwrap_or_default();
            Ok((files, 1, Diagnostics::new(), Drafts::new()))
        });
        let rebuilder = Rebuilder::new(
            BuildOptions::new("."),
            Arc::new(State::new()),
            Log { quiet: true },
            limit,
            build,
        );
        (rebuilder, gates, started)
    }

    fn gate(gates: &Gates) -> std::sync::mpsc::Sender<Files> {
        let (sender, receiver) = channel();
        gates.waiting.lock().unwrap().push_back(receiver);
        sender
    }

    fn site(text: &str) -> Files {
        Files::from([("index.html".to_owned(), text.as_bytes().to_vec())])
    }

    fn shown(rebuilder: &Rebuilder) -> Vec<u8> {
        rebuilder.state.published().files["index.html"].clone()
    }

    #[test]
    fn a_stuck_rebuild_is_reported_and_a_late_one_is_shown_unless_something_newer_was() {
        let (mut rebuilder, gates, started) = gated_rebuilder(Duration::from_millis(50));
        gate(&gates).send(site("first")).unwrap();
        rebuilder.run(None);
        started.recv().unwrap();
        assert_eq!(shown(&rebuilder), b"first");

        // A rebuild that does not finish: after the limit it is reported, over the last site.
        let stuck = gate(&gates);
        rebuilder.run(Some(BTreeSet::from([PathBuf::from("content/a.md")])));
        started.recv().unwrap();
        let errors = rebuilder.state.published().errors.expect("reported");
        assert!(
            errors.contains(
                "error[E072]: content/a.md changed: the rebuild has been running for 0.1 s"
            ),
            "{errors}"
        );
        assert!(errors.contains("Ctrl-C"), "{errors}");
        assert_eq!(shown(&rebuilder), b"first");

        // It finishes late, with nothing newer shown: its site is shown.
        stuck.send(site("late")).unwrap();
        rebuilder.wait_idle();
        assert_eq!(shown(&rebuilder), b"late");
        assert!(rebuilder.state.published().errors.is_none());

        // A stuck one, then a fresh one that finishes: the stuck one's late result is dropped.
        let stuck = gate(&gates);
        rebuilder.run(None);
        started.recv().unwrap();
        gate(&gates).send(site("fresh")).unwrap();
        rebuilder.run(None);
        started.recv().unwrap();
        assert_eq!(shown(&rebuilder), b"fresh");
        assert!(rebuilder.state.published().errors.is_none());
        stuck.send(site("stale")).unwrap();
        rebuilder.wait_idle();
        assert_eq!(shown(&rebuilder), b"fresh");
    }

    #[test]
    fn too_many_stuck_rebuilds_stop_new_ones_until_one_ends() {
        let (mut rebuilder, gates, started) = gated_rebuilder(Duration::from_millis(20));
        let stuck: Vec<_> = (0..MAX_STUCK)
            .map(|_| {
                let gate = gate(&gates);
                rebuilder.run(None);
                started.recv().unwrap();
                gate
            })
            .collect();
        rebuilder.run(None);
        let errors = rebuilder.state.published().errors.unwrap();
        assert!(
            errors.contains("3 earlier rebuilds are still running"),
            "{errors}"
        );
        for gate in stuck {
            gate.send(site("done")).unwrap();
        }
        rebuilder.wait_idle();
        gate(&gates).send(site("again")).unwrap();
        rebuilder.run(None);
        assert_eq!(shown(&rebuilder), b"again");
    }
}
