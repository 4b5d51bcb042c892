//! A small HTTP/1.1 server on the standard library: one thread per connection, read and write
//! timeouts so a slow or stalled client only ever holds up its own thread, GET and HEAD only, and
//! files served from the in-memory site (never from the disk).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::reload;
use super::state::State;

/// Longest a client may take to send a request head, and to take a response off our hands.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an idle keep-alive connection stays open.
const IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// Request line plus headers.
const MAX_HEAD: usize = 16 * 1024;
/// Open connections (each a thread); past this, new ones get a 503 at once.
const MAX_CONNECTIONS: usize = 256;

/// The internal routes, under a prefix no content page can have (`_` is not URL-safe in slugs).
pub const PREFIX: &str = "__kneeguide/";

/// Accepts connections until `state` says stop.
pub fn accept_loop(listener: TcpListener, state: Arc<State>) {
    let active = Arc::new(AtomicUsize::new(0));
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
        let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::SeqCst);
            let mut stream = stream;
            let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
            let _ = Response::text(503, "Too many open connections; try again.\n")
                .closing()
                .write_to(&mut stream, false);
            continue;
        }
        let state = Arc::clone(&state);
        let active = Arc::clone(&active);
        let spawned = std::thread::Builder::new()
            .name("kneeguide-http".into())
            .spawn(move || {
                let _guard = Decrement(&active);
                Connection::new(stream).serve(&state);
            });
        if spawned.is_err() {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

struct Decrement<'a>(&'a AtomicUsize);

impl Drop for Decrement<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

struct Connection {
    stream: TcpStream,
    /// Bytes read past the end of the last request head (pipelined requests).
    buffer: Vec<u8>,
}

#[derive(Debug, PartialEq, Eq)]
enum HeadError {
    /// The client closed the connection or went quiet between requests: no answer needed.
    Gone,
    TooLarge,
}

impl Connection {
    fn new(stream: TcpStream) -> Self {
        Connection {
            stream,
            buffer: Vec::new(),
        }
    }

    fn serve(mut self, state: &State) {
        let mut first = true;
        loop {
            let timeout = if first { IO_TIMEOUT } else { IDLE_TIMEOUT };
            first = false;
            let head = match self.read_head(timeout) {
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
            if request.path_only() == format!("/{PREFIX}events")
                && matches!(request.method.as_str(), "GET" | "HEAD")
            {
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
}

impl Request {
    fn parse(head: &[u8]) -> Option<Request> {
        let text = std::str::from_utf8(head).ok()?;
        let mut lines = text.split("\r\n");
        let mut parts = lines.next()?.split(' ');
        let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || method.is_empty() || !version.starts_with("HTTP/1.") {
            return None;
        }
        let mut keep_alive = version != "HTTP/1.0";
        let mut has_body = false;
        for line in lines.filter(|l| !l.is_empty()) {
            let (name, value) = line.split_once(':')?;
            let value = value.trim().to_ascii_lowercase();
            match name.trim().to_ascii_lowercase().as_str() {
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
        })
    }

    fn path_only(&self) -> &str {
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

pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    pub close: bool,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", content_type.to_owned())],
            body,
            close: false,
        }
    }

    pub fn text(status: u16, text: &str) -> Response {
        Response::new(
            status,
            "text/plain; charset=utf-8",
            text.as_bytes().to_vec(),
        )
    }

    fn closing(mut self) -> Response {
        self.close = true;
        self
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name, value.into()));
        self
    }

    /// HEAD gets the same headers as GET, Content-Length included, and no body.
    fn write_to(&self, stream: &mut TcpStream, head_only: bool) -> io::Result<()> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            let _ = write!(head, "{name}: {value}\r\n");
        }
        let _ = write!(
            head,
            "Content-Length: {}\r\n\
             Cache-Control: no-store\r\n\
             X-Content-Type-Options: nosniff\r\n\
             Content-Security-Policy: default-src 'self'\r\n\
             Connection: {}\r\n\r\n",
            self.body.len(),
            if self.close { "close" } else { "keep-alive" }
        );
        let mut bytes = head.into_bytes();
        if !head_only {
            bytes.extend_from_slice(&self.body);
        }
        stream.write_all(&bytes)?;
        stream.flush()
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
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

pub fn content_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map_or("", |(_, e)| e);
    match extension.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
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
