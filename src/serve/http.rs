//! A small HTTP/1.1 server on the standard library: one thread per connection, read and write
//! timeouts so a slow or stalled client only ever holds up its own thread, GET and HEAD only, and
//! files served from the in-memory site (never from the disk).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Read};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::reload;
use super::response::{PREFIX, Response, content_type};
use super::state::State;

/// Longest a new connection may take to send its first request head (a browser sends it at once).
const HEAD_TIMEOUT: Duration = Duration::from_secs(3);
/// How long an idle keep-alive connection stays open between requests.
const IDLE_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest a client may take to take a response off our hands.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Request line plus headers.
const MAX_HEAD: usize = 16 * 1024;
/// Connections handling requests at once (each a thread). Past this, the connection that has
/// waited longest for a request head is closed to make room; only when every one is busy
/// answering does a newcomer get a 503. Event streams have their own budget
/// ([`reload::MAX_EVENT_STREAMS`]).
const MAX_CONNECTIONS: usize = 128;

/// Which `Host` headers the server answers: a page on another site that resolves its own name
/// to this computer (DNS rebinding) sends its own name, and gets a 421.
#[derive(Debug, Clone, Copy)]
pub struct HostRule {
    bound: SocketAddr,
}

impl HostRule {
    pub fn new(bound: SocketAddr) -> HostRule {
        HostRule { bound }
    }

    /// `localhost`, `127.0.0.1`, `[::1]` and the bound address, with the server's port (which
    /// may be left out only on port 80). Bound to all interfaces (0.0.0.0 or ::), any IP address
    /// is accepted, since other devices reach the server by this computer's address; names other
    /// than `localhost` never are.
    pub fn allows(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let (name, port) = match host.rsplit_once(':') {
            // `[::1]` alone has colons inside its brackets but no port.
            Some((name, port)) if !port.contains(']') => (name, Some(port)),
            _ => (host.as_str(), None),
        };
        let port_ok = match port {
            Some(port) => port.parse::<u16>() == Ok(self.bound.port()),
            None => self.bound.port() == 80,
        };
        if !port_ok {
            return false;
        }
        let ip: Option<IpAddr> = match name.strip_prefix('[') {
            Some(inner) => inner.strip_suffix(']').and_then(|ip| ip.parse().ok()),
            None => name.parse().ok().filter(|ip: &IpAddr| ip.is_ipv4()),
        };
        match ip {
            None => name == "localhost",
            Some(ip) => {
                ip.is_loopback() || ip == self.bound.ip() || self.bound.ip().is_unspecified()
            }
        }
    }
}

/// Connections waiting for a request head, oldest first, so the accept loop can close the one
/// that has waited longest when all slots are taken (slow or silent clients cannot hold them).
#[derive(Default)]
struct Waiting {
    streams: Mutex<BTreeMap<u64, TcpStream>>,
    next: AtomicU64,
}

impl Waiting {
    fn enter(&self, stream: &TcpStream) -> Option<u64> {
        let clone = stream.try_clone().ok()?;
        let ticket = self.next.fetch_add(1, Ordering::SeqCst);
        self.lock().insert(ticket, clone);
        Some(ticket)
    }

    fn leave(&self, ticket: Option<u64>) {
        if let Some(ticket) = ticket {
            self.lock().remove(&ticket);
        }
    }

    /// Closes the connection that has waited longest; false when none is waiting.
    fn close_oldest(&self) -> bool {
        let oldest = self.lock().pop_first();
        match oldest {
            Some((_, stream)) => {
                let _ = stream.shutdown(Shutdown::Both);
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, TcpStream>> {
        self.streams
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Accepts connections until `state` says stop.
pub fn accept_loop(listener: TcpListener, state: Arc<State>) {
    let Ok(bound) = listener.local_addr() else {
        return;
    };
    let hosts = HostRule::new(bound);
    let active = Arc::new(AtomicUsize::new(0));
    let waiting = Arc::new(Waiting::default());
    for stream in listener.incoming() {
        if state.is_stopped() {
            break;
        }
        let Ok(stream) = stream else {
            // Out of file descriptors and the like: back off instead of spinning.
            std::thread::sleep(Duration::from_millis(20));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
        // Full: make room by closing the connection that has waited longest for a request.
        if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS && !waiting.close_oldest() {
            let mut stream = stream;
            let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
            let _ = Response::text(503, "Too many open connections; try again.\n")
                .closing()
                .write_to(&mut stream, false);
            continue;
        }
        active.fetch_add(1, Ordering::SeqCst);
        // Waiting from the moment it is accepted, not from when its thread first runs: on a busy
        // machine the threads of many new connections may not have run yet, and a full server
        // must still find a connection to close instead of turning the newcomer away.
        let ticket = waiting.enter(&stream);
        let state = Arc::clone(&state);
        let slot = Slot(Arc::clone(&active), true);
        let shared = Arc::clone(&waiting);
        let spawned = std::thread::Builder::new()
            .name("kneeguide-http".into())
            .spawn(move || {
                Connection::new(stream, hosts, slot, &shared, ticket).serve(&state);
            });
        if spawned.is_err() {
            waiting.leave(ticket);
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A place among the `MAX_CONNECTIONS` request connections, given back when the connection ends
/// or becomes an event stream.
struct Slot(Arc<AtomicUsize>, bool);

impl Slot {
    fn release(&mut self) {
        if std::mem::take(&mut self.1) {
            self.0.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.release();
    }
}

struct Connection<'a> {
    stream: TcpStream,
    /// Bytes read past the end of the last request head (pipelined requests).
    buffer: Vec<u8>,
    hosts: HostRule,
    slot: Slot,
    waiting: &'a Waiting,
    /// Its place among the waiting connections, taken when it was accepted.
    accepted: Option<u64>,
}

#[derive(Debug, PartialEq, Eq)]
enum HeadError {
    /// The client closed the connection or went quiet between requests: no answer needed.
    Gone,
    TooLarge,
}

impl<'a> Connection<'a> {
    fn new(
        stream: TcpStream,
        hosts: HostRule,
        slot: Slot,
        waiting: &'a Waiting,
        accepted: Option<u64>,
    ) -> Self {
        Connection {
            stream,
            buffer: Vec::new(),
            hosts,
            slot,
            waiting,
            accepted,
        }
    }

    fn serve(mut self, state: &State) {
        let mut first = true;
        loop {
            let (timeout, ticket) = if first {
                (HEAD_TIMEOUT, self.accepted.take())
            } else {
                (IDLE_TIMEOUT, self.waiting.enter(&self.stream))
            };
            first = false;
            let head = self.read_head(timeout);
            self.waiting.leave(ticket);
            let head = match head {
                Ok(head) => head,
                Err(HeadError::Gone) => break,
                Err(HeadError::TooLarge) => {
                    let _ = Response::text(431, "Request head too large.\n")
                        .closing()
                        .write_to(&mut self.stream, false);
                    break;
                }
            };
            let request = match Request::parse(&head) {
                Some(request) => request,
                None => {
                    let _ = Response::text(400, "Bad request.\n")
                        .closing()
                        .write_to(&mut self.stream, false);
                    break;
                }
            };
            let head_only = request.method == "HEAD";
            if let Some(refusal) = self.refuse_host(&request) {
                let _ = refusal.closing().write_to(&mut self.stream, head_only);
                break;
            }
            if request.path_only() == format!("/{PREFIX}events")
                && matches!(request.method.as_str(), "GET" | "HEAD")
            {
                // Event streams count against their own budget, not the request connections'.
                self.slot.release();
                reload::event_stream(&mut self.stream, state, head_only);
                break;
            }
            let mut response = respond(&request, state);
            // A request with a body we do not read cannot be followed by another on this connection.
            if !request.keep_alive || request.has_body {
                response = response.closing();
            }
            let close = response.close;
            if response.write_to(&mut self.stream, head_only).is_err() || close {
                break;
            }
        }
        let _ = self.stream.shutdown(Shutdown::Both);
    }

    fn refuse_host(&self, request: &Request) -> Option<Response> {
        match request.host.as_deref() {
            None => Some(Response::text(400, "Bad request: no Host header.\n")),
            Some(host) if !self.hosts.allows(host) => Some(Response::text(
                421,
                "Misdirected request: this preview answers only to localhost, 127.0.0.1, [::1] \
                 or the address it listens on, with its port.\n",
            )),
            Some(_) => None,
        }
    }

    /// Reads up to the blank line ending a request head, within `timeout` in total (so a client
    /// sending one byte at a time cannot keep the thread forever).
    fn read_head(&mut self, timeout: Duration) -> Result<Vec<u8>, HeadError> {
        let deadline = Instant::now() + timeout;
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                let rest = self.buffer.split_off(end + 4);
                return Ok(std::mem::replace(&mut self.buffer, rest));
            }
            if self.buffer.len() > MAX_HEAD {
                return Err(HeadError::TooLarge);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(HeadError::Gone);
            }
            self.stream
                .set_read_timeout(Some(left))
                .map_err(|_| HeadError::Gone)?;
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(HeadError::Gone),
                Ok(n) => self.buffer.extend_from_slice(&chunk[..n]),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Err(HeadError::Gone),
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[derive(Debug)]
pub struct Request {
    pub method: String,
    /// As sent: `/causes/dvt/?x=1`.
    pub target: String,
    pub keep_alive: bool,
    pub has_body: bool,
    /// The `Host` header, if sent (once).
    pub host: Option<String>,
}

impl Request {
    /// Parses a request head (up to and including the blank line); `None` when it is not one.
    pub fn parse(head: &[u8]) -> Option<Request> {
        let text = std::str::from_utf8(head).ok()?;
        let mut lines = text.split("\r\n");
        let mut parts = lines.next()?.split(' ');
        let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || method.is_empty() || !version.starts_with("HTTP/1.") {
            return None;
        }
        let mut keep_alive = version != "HTTP/1.0";
        let mut has_body = false;
        let mut host = None;
        for line in lines.filter(|l| !l.is_empty()) {
            let (name, value) = line.split_once(':')?;
            let name = name.trim().to_ascii_lowercase();
            // Two Host headers are a smuggling attempt, not a request.
            if name == "host" && host.replace(value.trim().to_owned()).is_some() {
                return None;
            }
            let value = value.trim().to_ascii_lowercase();
            match name.as_str() {
                "connection" if value.contains("close") => keep_alive = false,
                "connection" if value.contains("keep-alive") => keep_alive = true,
                "content-length" => has_body |= value != "0",
                "transfer-encoding" => has_body = true,
                _ => {}
            }
        }
        Some(Request {
            method: method.to_owned(),
            target: target.to_owned(),
            keep_alive,
            has_body,
            host,
        })
    }

    pub fn path_only(&self) -> &str {
        let end = self.target.find(['?', '#']).unwrap_or(self.target.len());
        &self.target[..end]
    }

    fn query(&self) -> &str {
        self.target
            .find('?')
            .map_or("", |i| &self.target[i..])
            .split('#')
            .next()
            .unwrap_or("")
    }
}

/// What a request path names, once decoded and checked.
#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    /// A file of the built site, relative to its root: `causes/dvt/index.html`.
    File(String),
    /// One of the preview's own files under `/__kneeguide/`.
    Internal(String),
}

/// Decodes a request path (percent-escapes included) into a path inside the site, refusing
/// anything that could name a file outside it: `..` and `.` segments in any encoding, backslashes,
/// NUL bytes, empty segments (`//etc/passwd`), drive letters, and anything that is not UTF-8.
pub fn route(path: &str) -> Result<Route, &'static str> {
    let rest = path.strip_prefix('/').ok_or("the path must start with /")?;
    let bytes = percent_decode(rest).ok_or("invalid percent-escape")?;
    let decoded = String::from_utf8(bytes).map_err(|_| "the path is not UTF-8")?;
    if decoded.contains(['\\', '\0', ':']) {
        return Err("the path holds a backslash, NUL or colon");
    }
    let segments: Vec<&str> = decoded.split('/').collect();
    let last = segments.len() - 1;
    for (index, segment) in segments.iter().enumerate() {
        if *segment == "." || *segment == ".." || (segment.is_empty() && index != last) {
            return Err("the path leaves the site or has an empty segment");
        }
    }
    if let Some(name) = decoded.strip_prefix(PREFIX) {
        return Ok(Route::Internal(name.to_owned()));
    }
    if decoded.is_empty() || decoded.ends_with('/') {
        Ok(Route::File(format!("{decoded}index.html")))
    } else {
        Ok(Route::File(decoded))
    }
}

fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

fn respond(request: &Request, state: &State) -> Response {
    if !matches!(request.method.as_str(), "GET" | "HEAD") {
        return Response::text(405, "Only GET and HEAD are supported.\n")
            .header("Allow", "GET, HEAD")
            .closing();
    }
    let route = match route(request.path_only()) {
        Ok(route) => route,
        Err(why) => return Response::text(400, &format!("Bad request: {why}.\n")),
    };
    let published = state.published();
    match route {
        Route::Internal(name) => reload::internal(&name, &published),
        Route::File(path) => {
            let files: &BTreeMap<String, Vec<u8>> = &published.files;
            if let Some(bytes) = files.get(&path) {
                return page(200, &path, bytes, &published);
            }
            if files.is_empty() && published.errors.is_some() {
                // No good build yet: every page is the error page.
                return Response::new(
                    500,
                    content_type("x.html"),
                    reload::error_page(&published).into_bytes(),
                );
            }
            if !request.path_only().ends_with('/') {
                // A page asked for without its trailing slash: `/causes/dvt` -> `/causes/dvt/`.
                let folder = format!("{path}/index.html");
                if files.contains_key(&folder) {
                    return redirect(&format!("{path}/"), request.query());
                }
            }
            if let Some(source) = state.draft_at(&path) {
                return Response::text(
                    404,
                    &format!(
                        "Not found: this address is the page {source}, which is a draft (`draft: true`).\n\
                         Drafts are left out of this preview. To preview it, stop kneeguide and run\n\
                         `kneeguide serve --drafts`; remove `draft: true` to publish it.\n"
                    ),
                );
            }
            match files.get("404.html") {
                Some(bytes) => page(404, "404.html", bytes, &published),
                None => Response::text(404, "Not found.\n"),
            }
        }
    }
}

fn redirect(path: &str, query: &str) -> Response {
    // Re-encode what could be misread in a Location header.
    let mut location = String::from("/");
    for c in path.chars() {
        match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '_' | '.' | '~' | '/' => location.push(c),
            other => {
                let mut buffer = [0u8; 4];
                for byte in other.encode_utf8(&mut buffer).bytes() {
                    let _ = write!(location, "%{byte:02X}");
                }
            }
        }
    }
    if query
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>')
    {
        location.push_str(query);
    }
    Response::text(301, &format!("Moved to {location}\n")).header("Location", location)
}

fn page(status: u16, path: &str, bytes: &[u8], published: &super::state::Published) -> Response {
    let kind = content_type(path);
    let body = if kind.starts_with("text/html") {
        reload::inject(bytes, path, published)
    } else {
        bytes.to_vec()
    };
    Response::new(status, kind, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_site_files() {
        assert_eq!(route("/"), Ok(Route::File("index.html".into())));
        assert_eq!(
            route("/causes/dvt/"),
            Ok(Route::File("causes/dvt/index.html".into()))
        );
        assert_eq!(
            route("/css/site.1a2b.css"),
            Ok(Route::File("css/site.1a2b.css".into()))
        );
        assert_eq!(
            route("/caf%C3%A9/"),
            Ok(Route::File("café/index.html".into()))
        );
        assert_eq!(
            route("/__kneeguide/reload.js"),
            Ok(Route::Internal("reload.js".into()))
        );
    }

    #[test]
    fn traversal_in_any_encoding_is_refused() {
        for bad in [
            "/../site.yaml",
            "/a/../../site.yaml",
            "/%2e%2e/site.yaml",
            "/%2E%2E/%2e%2e/etc/passwd",
            "/.%2e/site.yaml",
            "/..%2fsite.yaml",
            "/..%5csite.yaml",
            "/..\\site.yaml",
            "/%5c..%5csite.yaml",
            "//etc/passwd",
            "/%2fetc/passwd",
            "/C:/Windows/win.ini",
            "/C%3a/x",
            "/a%00.html",
            "/%ff",
            "/%zz",
            "/%2",
            "/./index.html",
            "etc/passwd",
        ] {
            assert!(route(bad).is_err(), "{bad} was accepted: {:?}", route(bad));
        }
        // Decoded once only: a double-encoded `..` is a harmless literal name.
        assert_eq!(route("/%252e%252e/x"), Ok(Route::File("%2e%2e/x".into())));
    }

    #[test]
    fn requests_parse() {
        let request = Request::parse(b"GET /a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(request.method, "GET");
        assert_eq!(request.path_only(), "/a");
        assert_eq!(request.query(), "?b=1");
        assert!(request.keep_alive && !request.has_body);
        let old = Request::parse(b"HEAD / HTTP/1.0\r\n\r\n").unwrap();
        assert!(!old.keep_alive);
        assert!(Request::parse(b"GET /\r\n\r\n").is_none());
        assert!(Request::parse(b"GET / HTTP/1.1\r\nno colon\r\n\r\n").is_none());
        assert_eq!(request.host.as_deref(), Some("x"));
        assert!(Request::parse(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").is_none());
    }

    #[test]
    fn only_local_names_and_the_bound_address_are_answered() {
        let local = HostRule::new("127.0.0.1:4400".parse().unwrap());
        for yes in [
            "127.0.0.1:4400",
            "localhost:4400",
            "LOCALHOST:4400",
            "[::1]:4400",
        ] {
            assert!(local.allows(yes), "{yes}");
        }
        for no in [
            "evil.example:4400",
            "localhost.evil.example:4400",
            "127.0.0.1:4401",
            "127.0.0.1",
            "localhost",
            "192.168.1.20:4400",
            "[::1]",
            "",
            ":4400",
        ] {
            assert!(!local.allows(no), "{no}");
        }
        let lan = HostRule::new("192.168.1.20:4400".parse().unwrap());
        assert!(lan.allows("192.168.1.20:4400") && lan.allows("localhost:4400"));
        assert!(!lan.allows("10.0.0.1:4400") && !lan.allows("evil.example:4400"));
        // Bound to every interface: any IP address (a phone uses this computer's), no names.
        let all = HostRule::new("0.0.0.0:4400".parse().unwrap());
        for yes in [
            "192.168.1.20:4400",
            "10.0.0.7:4400",
            "[fe80::1]:4400",
            "localhost:4400",
        ] {
            assert!(all.allows(yes), "{yes}");
        }
        for no in ["rebind.example:4400", "192.168.1.20:80", "knee.local:4400"] {
            assert!(!all.allows(no), "{no}");
        }
        let port_80 = HostRule::new("127.0.0.1:80".parse().unwrap());
        assert!(port_80.allows("localhost") && port_80.allows("127.0.0.1:80"));
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("css/site.12.css"), "text/css; charset=utf-8");
        assert_eq!(
            content_type("js/tree.12.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("decision-tree/tree.json"), "application/json");
        assert_eq!(
            content_type("sitemap.xml"),
            "application/xml; charset=utf-8"
        );
        assert_eq!(content_type("noext"), "application/octet-stream");
    }
}
