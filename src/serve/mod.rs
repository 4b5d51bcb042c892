//! `kneeguide serve`: builds the site in memory, serves it over HTTP, watches the sources and
//! reloads the open browser pages after each rebuild.
//!
//! ```text
//! watch (notify, debounced) -> rebuild (load + render into a MemorySink) -> State
//!                                                                  |-> http: files, 404, overlay
//!                                                                  '-> /__kneeguide/events (SSE)
//! ```
//!
//! A rebuild re-loads and re-renders the whole site (the pipeline is fast enough for that to stay
//! well under the reload budget), then compares the output with the last good build: only the
//! pages whose bytes changed are announced, and a page in the browser reloads only when it, or an
//! asset, did. A failed rebuild keeps the last good site and shows the errors over it.

pub mod http;
pub mod reload;
pub mod state;
pub mod watch;

use std::collections::BTreeSet;
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::diagnostics::{Diagnostics, plural};
use crate::output::MemorySink;
use crate::{BuildOptions, config, content};
use state::{Files, State};

/// The port `serve` uses unless told otherwise.
pub const DEFAULT_PORT: u16 = 4400;
/// How long the sources must stay quiet after a change before the rebuild starts.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(30);

#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The site to build; `base_url` is replaced by the server's own address.
    pub build: BuildOptions,
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    pub debounce: Duration,
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

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::PortInUse(addr) => write!(
                f,
                "error: port {} on {} is already in use (is another `kneeguide serve` running?)\n   \
                 = help: stop the program using it, or pick another port: `kneeguide serve --port {}` \
                 (`--port 0` takes any free port)",
                addr.port(),
                addr.ip(),
                addr.port().wrapping_add(1).max(1024)
            ),
            StartError::Bind(addr, error) => write!(
                f,
                "error: cannot listen on {addr}: {error}\n   \
                 = help: ports below 1024 need administrator rights; try `--port {DEFAULT_PORT}`, \
                 or check the address given to --bind"
            ),
            StartError::NotASite(diagnostics) => write!(f, "{diagnostics}"),
            StartError::Watch(path, error) => {
                write!(
                    f,
                    "error: cannot watch {} for changes: {error}",
                    path.display()
                )
            }
        }
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
        rebuild(&build, &state, &log, None);
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
                        rebuild(&build, &watch_state, &log, Some(&changed));
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
    let site = crate::load(options)?;
    let sink = MemorySink::default();
    let pages = crate::render(&site, &sink)?;
    Ok((sink.into_files(), pages, site.warnings))
}

fn rebuild(
    options: &BuildOptions,
    state: &State,
    log: &Log,
    changed_sources: Option<&BTreeSet<PathBuf>>,
) {
    let started = Instant::now();
    let result = build_in_memory(options);
    let elapsed = started.elapsed().as_millis();
    let what = changed_sources
        .map(|changed| describe(&options.root, changed))
        .unwrap_or_default();
    match result {
        Ok((files, pages, warnings)) => {
            if !warnings.is_empty() {
                log.err(&warnings.to_string());
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
        }
        Err(diagnostics) => {
            let text = diagnostics.to_string();
            state.publish_errors(text.clone());
            if changed_sources.is_some() {
                log.err(&format!("{what}:\n"));
            }
            log.err(&text);
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
}
