//! `kneeguide serve` end to end: the real binary on an ephemeral port, talked to over raw TCP (so
//! that no HTTP client library tidies up the paths we send), on a copy of the CLI site
//! (`common::cli_site_into`: the good fixture with tests/fixtures/cli-site/ on top).

use crate::common;
use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{copy_dir, fixture, snapshot};

const WAIT: Duration = Duration::from_secs(20);

fn cli_site() -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    common::cli_site_into(temp.path());
    temp
}

struct Serve {
    child: Child,
    addr: String,
    url: String,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    site: tempfile::TempDir,
}

fn collect(stream: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            let mut text = sink.lock().unwrap();
            text.push_str(&line);
            text.push('\n');
        }
    });
    text
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Serve {
    fn start(site: tempfile::TempDir, extra: &[&str]) -> Serve {
        Serve::start_with_env(site, extra, &[])
    }

    fn start_with_env(site: tempfile::TempDir, extra: &[&str], env: &[(&str, &str)]) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kneeguide"))
            .args(["serve", "--port", "0", "--root"])
            .arg(site.path())
            .args(extra)
            .env("SOURCE_DATE_EPOCH", common::SOURCE_DATE_EPOCH)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = collect(child.stdout.take().unwrap());
        let stderr = collect(child.stderr.take().unwrap());
        // Made before waiting, so that a failed wait (a panic) still kills the server on drop
        // instead of leaving it running after the test.
        let mut serve = Serve {
            child,
            addr: String::new(),
            url: String::new(),
            stdout,
            stderr,
            site,
        };
        let mut url = String::new();
        wait_for("the URL", || {
            if let Some(status) = serve.child.try_wait().unwrap() {
                panic!(
                    "serve exited with {status}: {}{}",
                    serve.stdout.lock().unwrap(),
                    serve.stderr.lock().unwrap()
                );
            }
            let out = serve.stdout.lock().unwrap();
            match out.split_once("Serving the site at ") {
                Some((_, rest)) => {
                    url = rest.split_whitespace().next().unwrap().to_owned();
                    true
                }
                None => false,
            }
        });
        serve.addr = url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        serve.url = url;
        serve
    }

    fn path(&self, relative: &str) -> std::path::PathBuf {
        self.site.path().join(relative)
    }

    /// Sends `request` as it is and reads the whole reply.
    fn raw(&self, request: &str) -> Reply {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).unwrap();
        Reply::parse(&bytes)
    }

    fn request(&self, method: &str, target: &str) -> Reply {
        self.raw(&format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        ))
    }

    fn get(&self, target: &str) -> Reply {
        self.request("GET", target)
    }

    fn events(&self) -> Events {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream
            .write_all(
                format!(
                    "GET /__kneeguide/events HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
                    self.addr
                )
                .as_bytes(),
            )
            .unwrap();
        let (sender, receiver) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stream);
            let (mut name, mut data) = (String::new(), String::new());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                let text = line.trim_end_matches(['\r', '\n']);
                if let Some(value) = text.strip_prefix("event: ") {
                    name = value.to_owned();
                } else if let Some(value) = text.strip_prefix("data: ") {
                    data = value.to_owned();
                } else if text.is_empty() && !name.is_empty() {
                    let event: serde_json::Value = serde_json::from_str(&data).unwrap();
                    if sender.send((std::mem::take(&mut name), event)).is_err() {
                        break;
                    }
                }
                line.clear();
            }
        });
        let events = Events(receiver);
        events.expect("hello");
        events
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Ctrl-C: the server must exit by itself, successfully.
    fn stop(mut self) -> String {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "serve did not stop on Ctrl-C");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "Ctrl-C exit status: {status}");
        wait_for("the goodbye", || {
            self.stdout.lock().unwrap().contains("Stopped.")
        });
        self.stdout.lock().unwrap().clone()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Events(Receiver<(String, serde_json::Value)>);

impl Events {
    fn next(&self, timeout: Duration) -> Option<(String, serde_json::Value)> {
        match self.0.recv_timeout(timeout) {
            Ok(event) => Some(event),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => panic!("the event stream closed"),
        }
    }

    fn expect(&self, name: &str) -> serde_json::Value {
        let (got, data) = self
            .next(WAIT)
            .unwrap_or_else(|| panic!("no `{name}` event"));
        assert_eq!(got, name, "{data}");
        data
    }
}

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

impl Reply {
    fn parse(bytes: &[u8]) -> Reply {
        let end = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a response head");
        let head = String::from_utf8(bytes[..end].to_vec()).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap().split(' ').nth(1).unwrap();
        let headers = lines
            .map(|l| {
                let (name, value) = l.split_once(':').unwrap();
                (name.to_ascii_lowercase(), value.trim().to_owned())
            })
            .collect();
        Reply {
            status: status.parse().unwrap(),
            headers,
            body: bytes[end + 4..].to_vec(),
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }
}

/// A served page, less the overlay (if any) and the reload script.
fn without_injection(html: &str) -> String {
    let start = html
        .find(r#"<link rel="stylesheet" href="/__kneeguide/overlay.css""#)
        .or_else(|| html.find(r#"<script src="/__kneeguide/reload.js""#))
        .expect("the reload script is injected");
    let end = html[start..].find("</script>").unwrap() + start + "</script>".len();
    format!("{}{}", &html[..start], &html[end..])
}

#[test]
fn serves_pages_with_content_types_head_redirects_and_404() {
    let serve = Serve::start(cli_site(), &[]);
    assert!(serve.url.starts_with("http://127.0.0.1:"), "{}", serve.url);

    let home = serve.get("/");
    assert_eq!(home.status, 200);
    assert_eq!(home.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(home.header("content-length"), home.body.len().to_string());
    assert_eq!(home.header("content-security-policy"), "default-src 'self'");
    let html = home.text();
    assert!(html.contains("<h1>Home</h1>"), "{html}");
    assert!(
        html.contains(&format!(r#"<link rel="canonical" href="{}">"#, serve.url)),
        "canonical URLs point at the local server: {html}"
    );
    assert!(
        html.contains(
            "<script src=\"/__kneeguide/reload.js\" data-kneeguide-path=\"index.html\"></script></body>"
        ),
        "{html}"
    );
    assert!(!html.contains("style="), "no inline styles are added");

    let about = serve.get("/about/?utm=x");
    assert_eq!(about.status, 200);
    assert!(about.text().contains("<h1>About this guide</h1>"));
    let redirect = serve.get("/about?x=1");
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("location"), "/about/?x=1");
    assert_eq!(serve.get("/about/index.html").status, 200);

    for (path, expected) in [
        ("/sitemap.xml", "application/xml; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/__kneeguide/reload.js", "text/javascript; charset=utf-8"),
        ("/__kneeguide/overlay.css", "text/css; charset=utf-8"),
    ] {
        let reply = serve.get(path);
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("content-type"), expected, "{path}");
        assert_eq!(reply.header("x-content-type-options"), "nosniff");
    }
    let css_name = html
        .split("href=\"./")
        .find_map(|s| s.split('"').next().filter(|n| n.ends_with(".css")))
        .unwrap()
        .to_owned();
    let js_name = html
        .split("src=\"./")
        .find_map(|s| s.split('"').next().filter(|n| n.ends_with(".js")))
        .unwrap()
        .to_owned();
    let css = serve.get(&format!("/{css_name}"));
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
    assert_eq!(css.text(), "body { font-family: sans-serif; }\n");
    let js = serve.get(&format!("/{js_name}"));
    assert_eq!(js.header("content-type"), "text/javascript; charset=utf-8");

    // HEAD: the same status and headers as GET, no body.
    let head = serve.request("HEAD", "/");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("content-length"), home.header("content-length"));
    assert_eq!(head.header("content-type"), home.header("content-type"));

    let missing = serve.get("/no/such/page/");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("content-type"), "text/html; charset=utf-8");
    assert!(
        missing.text().contains("Page not found"),
        "the site's 404.html"
    );
    assert!(missing.text().contains("data-kneeguide-path=\"404.html\""));
    assert_eq!(serve.request("HEAD", "/nothing.css").status, 404);
    assert_eq!(serve.get("/__kneeguide/nothing").status, 404);

    let post = serve.raw(&format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nContent-Length: 2\r\n\r\nhi",
        serve.addr
    ));
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), "GET, HEAD");

    // Two requests on one keep-alive connection.
    let mut stream = TcpStream::connect(&serve.addr).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let host = &serve.addr;
    stream
        .write_all(format!("GET /robots.txt HTTP/1.1\r\nHost: {host}\r\n\r\nGET /about/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes())
        .unwrap();
    let mut both = String::new();
    stream.read_to_string(&mut both).unwrap();
    assert_eq!(both.matches("HTTP/1.1 200 OK").count(), 2, "{both}");

    let stdout = serve.stop();
    assert!(stdout.contains("Built 5 pages in "), "{stdout}");
}

#[test]
fn served_files_are_the_bytes_build_writes() {
    let serve = Serve::start(cli_site(), &[]);
    let out = tempfile::tempdir().unwrap();
    let (code, _, stderr) = common::build(
        serve.site.path(),
        &[
            "--output",
            out.path().to_str().unwrap(),
            "--base-url",
            &serve.url,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let built = snapshot(out.path());
    assert!(built.len() >= 8, "{:?}", built.keys());
    for (path, bytes) in &built {
        if path == ".kneeguide-build" {
            continue;
        }
        let reply = serve.get(&format!("/{path}"));
        assert_eq!(reply.status, 200, "{path}");
        if path.ends_with(".html") {
            let expected = String::from_utf8(bytes.clone()).unwrap();
            assert_eq!(without_injection(&reply.text()), expected, "{path}");
        } else {
            assert_eq!(&reply.body, bytes, "{path}");
        }
    }
    serve.stop();
}

#[test]
fn an_edit_sends_one_reload_event_and_serves_the_new_content() {
    let serve = Serve::start(cli_site(), &[]);
    let events = serve.events();
    let about = serve.path("content/about.md");
    let original = fs::read_to_string(&about).unwrap();

    // An editor's burst of saves is one rebuild, with the last version.
    for i in 1..=5 {
        let text = original.replace("A test site.", &format!("A test site, save number {i}."));
        fs::write(&about, text).unwrap();
    }
    let reload = events.expect("reload");
    assert_eq!(
        reload["paths"],
        serde_json::json!(["about/index.html"]),
        "only the page that changed is announced"
    );
    assert!(
        events.next(Duration::from_millis(800)).is_none(),
        "one rebuild for the burst"
    );
    let page = serve.get("/about/").text();
    assert!(page.contains("A test site, save number 5."), "{page}");

    // Saving without a change rebuilds but reloads nothing.
    fs::write(&about, fs::read(&about).unwrap()).unwrap();
    wait_for("the no-change rebuild", || {
        serve.stdout.lock().unwrap().contains("no page changed")
    });
    assert!(events.next(Duration::from_millis(300)).is_none());

    // A title change reaches every page that lists it (the nav is on every page).
    fs::write(
        &about,
        original.replace("title: About this guide", "title: About us"),
    )
    .unwrap();
    let reload = events.expect("reload");
    let paths: Vec<&str> = reload["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    for page in ["about/index.html", "index.html", "causes/cyst/index.html"] {
        assert!(paths.contains(&page), "{page} not in {paths:?}");
    }
    assert!(serve.get("/causes/cyst/").text().contains(">About us</a>"));

    // site.yaml and the theme are watched too.
    let yaml = serve.path("site.yaml");
    let text = fs::read_to_string(&yaml).unwrap();
    fs::write(&yaml, text.replace("\"112\"", "\"999\"")).unwrap();
    events.expect("reload");
    assert!(serve.get("/").text().contains("tel:999"));
    let base = serve.path("themes/default/templates/base.html");
    let text = fs::read_to_string(&base).unwrap();
    fs::write(&base, text.replace("<footer>", "<footer><p>Themed</p>")).unwrap();
    events.expect("reload");
    assert!(serve.get("/").text().contains("<p>Themed</p>"));

    let stdout = serve.stop();
    assert!(
        stdout.contains("content/about.md changed: rebuilt in "),
        "{stdout}"
    );
}

#[test]
fn a_broken_edit_shows_the_same_errors_over_the_last_good_page() {
    let serve = Serve::start(cli_site(), &[]);
    let events = serve.events();
    let about = serve.path("content/about.md");
    let original = fs::read_to_string(&about).unwrap();
    fs::write(
        &about,
        original
            .replace("description:", "descripton:")
            .replace("A test site.", "A broken edit."),
    )
    .unwrap();
    events.expect("errors");
    wait_for("the errors in the terminal", || {
        serve.stderr().contains("Still serving the last good build")
    });
    let terminal = serve.stderr();
    assert!(
        terminal.contains("error[E001]: unknown field `descripton`"),
        "{terminal}"
    );
    assert!(terminal.contains(" --> content/about.md:3:1"), "{terminal}");

    let page = serve.get("/about/");
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("A test site."), "the last good page: {html}");
    assert!(!html.contains("A broken edit."));
    assert!(html.contains(r#"id="kneeguide-overlay""#), "{html}");
    assert!(html.contains(r#"href="/__kneeguide/overlay.css""#));
    // The browser shows the terminal's text, line for line.
    let shown = html
        .replace("&gt;", ">")
        .replace("&lt;", "<")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let start = terminal.find("error[E001]").unwrap();
    let end = terminal.find("error: the site was not built").unwrap();
    for line in terminal[start..end].lines() {
        assert!(shown.contains(line), "`{line}` not in the overlay: {html}");
    }
    assert!(!html.contains("style="), "no inline styles (CSP)");
    // Every page shows it, and the overlay fragment is there for open pages to fetch.
    assert!(serve.get("/").text().contains("kneeguide-overlay"));
    let fragment = serve.get("/__kneeguide/overlay").text();
    assert!(fragment.contains("content/about.md:3:1"), "{fragment}");

    // A second error elsewhere: a new errors event, both listed.
    let clot = serve.path("content/causes/clot.md");
    let clot_text = fs::read_to_string(&clot).unwrap();
    fs::write(&clot, clot_text.replace("(cyst.md)", "(cyst.md#nowhere)")).unwrap();
    events.expect("errors");
    let html = serve.get("/about/").text();
    assert!(html.contains("content/about.md:3:1") && html.contains("nowhere"));

    // Fixing both clears the overlay on the next save.
    fs::write(&clot, &clot_text).unwrap();
    events.expect("errors");
    fs::write(&about, original.replace("A test site.", "A fixed site.")).unwrap();
    let reload = events.expect("reload");
    assert!(
        reload["paths"]
            .as_array()
            .unwrap()
            .contains(&"about/index.html".into())
    );
    let html = serve.get("/about/").text();
    assert!(html.contains("A fixed site.") && !html.contains("kneeguide-overlay"));
    assert_eq!(serve.get("/__kneeguide/overlay").body.len(), 0);
    serve.stop();
}

#[test]
fn a_site_that_starts_broken_shows_an_error_page_until_fixed() {
    let site = cli_site();
    copy_dir(&fixture("cli-broken"), site.path());
    let serve = Serve::start(site, &[]);
    let stderr = serve.stderr();
    assert!(stderr.contains("error[E020]"), "{stderr}");
    let page = serve.get("/about/");
    assert_eq!(page.status, 500);
    let html = page.text();
    assert!(html.contains("It has not been built yet."), "{html}");
    assert!(html.contains("content/causes/clot.md:21:"), "{html}");
    assert!(html.contains("/__kneeguide/reload.js"));
    let events = serve.events();
    common::cli_site_into(serve.site.path());
    let reload = events.expect("reload");
    assert!(
        reload["paths"]
            .as_array()
            .unwrap()
            .contains(&"about/index.html".into())
    );
    assert_eq!(serve.get("/about/").status, 200);
    serve.stop();
}

#[test]
fn paths_never_reach_outside_the_built_site() {
    let serve = Serve::start(cli_site(), &[]);
    for target in [
        "/../site.yaml",
        "/../../../../etc/passwd",
        "/%2e%2e/site.yaml",
        "/%2E%2E/%2e%2e/etc/passwd",
        "/.%2e/site.yaml",
        "/%2e%2e%2fsite.yaml",
        "/..%2f..%2fetc%2fpasswd",
        "/..%5csite.yaml",
        "/..\\site.yaml",
        "/%5c..%5c..%5cetc%5cpasswd",
        "/%252e%252e/site.yaml",
        "/%c0%ae%c0%ae/site.yaml",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/etc/passwd",
        "/C:/Windows/win.ini",
        "/C%3a%5cWindows%5cwin.ini",
        "/site.yaml",
        "/content/about.md",
        "/themes/default/templates/base.html",
        "/about/%00",
        "/about/index.html%00.txt",
        "http://example.org/../site.yaml",
        "*",
    ] {
        let reply = serve.get(target);
        assert!(
            matches!(reply.status, 400 | 404),
            "{target}: {} {}",
            reply.status,
            reply.text()
        );
        let body = reply.text();
        for secret in ["base_url:", "root:x:0:0", "last_reviewed:", "{% block"] {
            assert!(!body.contains(secret), "{target} leaked {secret}: {body}");
        }
    }
    // A request line that is not HTTP at all.
    let garbage = serve.raw("\x16\x03\x01 hello\r\n\r\n");
    assert_eq!(garbage.status, 400);
    assert_eq!(serve.get("/").status, 200, "still serving");
    serve.stop();
}

#[test]
fn a_stalled_client_does_not_block_others() {
    let serve = Serve::start(cli_site(), &[]);
    // Half a request, then silence.
    let mut stalled = TcpStream::connect(&serve.addr).unwrap();
    stalled
        .write_all(format!("GET /about/ HTTP/1.1\r\nHost: {}\r\n", serve.addr).as_bytes())
        .unwrap();
    // An event stream that is never read, while many reload events are sent.
    let mut deaf = TcpStream::connect(&serve.addr).unwrap();
    deaf.write_all(
        format!(
            "GET /__kneeguide/events HTTP/1.1\r\nHost: {}\r\n\r\n",
            serve.addr
        )
        .as_bytes(),
    )
    .unwrap();
    // Connections that never send anything.
    let idle: Vec<TcpStream> = (0..20)
        .map(|_| TcpStream::connect(&serve.addr).unwrap())
        .collect();

    let events = serve.events();
    let about = serve.path("content/about.md");
    let original = fs::read_to_string(&about).unwrap();
    for i in 0..3 {
        fs::write(
            &about,
            original.replace("A test site.", &format!("Edit {i}.")),
        )
        .unwrap();
        events.expect("reload");
    }
    let started = Instant::now();
    for _ in 0..10 {
        assert_eq!(serve.get("/about/").status, 200);
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "ten requests took {:?}",
        started.elapsed()
    );
    drop((stalled, deaf, idle));
    serve.stop();
}

#[test]
fn only_requests_for_this_computers_names_are_answered() {
    let serve = Serve::start(cli_site(), &[]);
    let port = serve.addr.rsplit(':').next().unwrap().to_owned();
    let ask = |host: Option<&str>| {
        let host = host.map_or(String::new(), |h| format!("Host: {h}\r\n"));
        serve.raw(&format!(
            "GET /about/ HTTP/1.1\r\n{host}Connection: close\r\n\r\n"
        ))
    };
    for host in ["127.0.0.1", "localhost", "[::1]"] {
        let reply = ask(Some(&format!("{host}:{port}")));
        assert_eq!(reply.status, 200, "{host}: {}", reply.text());
    }
    // DNS rebinding: another site's name pointed at 127.0.0.1 sends that name.
    for host in [
        format!("rebind.example:{port}"),
        format!("localhost.rebind.example:{port}"),
        "127.0.0.1:1".to_owned(),
        "localhost".to_owned(),
    ] {
        let reply = ask(Some(&host));
        assert_eq!(reply.status, 421, "{host}");
        assert!(!reply.text().contains("About"), "{host}: {}", reply.text());
    }
    assert_eq!(ask(None).status, 400, "no Host header");
    let events = serve.raw(&format!(
        "GET /__kneeguide/events HTTP/1.1\r\nHost: rebind.example:{port}\r\n\r\n"
    ));
    assert_eq!(events.status, 421, "the event stream is guarded too");
    serve.stop();
}

/// Sends a request head and reads until the response head has arrived.
fn response_head(stream: &mut TcpStream) -> String {
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

#[test]
fn three_hundred_slow_clients_do_not_lock_out_a_reader() {
    let serve = Serve::start(cli_site(), &[]);
    // Each sends the start of a request and then nothing: they hold a connection each.
    let slow: Vec<TcpStream> = (0..300)
        .map(|_| {
            let mut stream = TcpStream::connect(&serve.addr).unwrap();
            stream.write_all(b"GET /about/ HTTP/1.1\r\n").unwrap();
            stream
        })
        .collect();
    // The reader's request is answered while all of them are still connected.
    let reply = serve.get("/about/");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.text().contains("About this guide"));
    drop(slow);
    serve.stop();
}

#[test]
fn two_hundred_and_sixty_event_streams_do_not_lock_out_a_reader() {
    let serve = Serve::start(cli_site(), &[]);
    let request = format!(
        "GET /__kneeguide/events HTTP/1.1\r\nHost: {}\r\n\r\n",
        serve.addr
    );
    let mut streams: Vec<TcpStream> = Vec::new();
    for _ in 0..260 {
        let mut stream = TcpStream::connect(&serve.addr).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        // Each is answered (the server has taken it on) before the next is opened.
        let head = response_head(&mut stream);
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        streams.push(stream);
    }
    assert_eq!(serve.get("/about/").status, 200, "pages are still served");
    // A page opened now still gets its reload stream, and its events.
    let events = serve.events();
    let about = serve.path("content/about.md");
    let text = fs::read_to_string(&about).unwrap();
    fs::write(&about, text.replace("A test site.", "A site under load.")).unwrap();
    events.expect("reload");
    drop(streams);
    serve.stop();
}

/// The test-only hook makes any rebuild of a page containing this text hang for good, like a
/// rebuild caught in a bug (the `fn-` heading id loop of issue 10 was one).
const HANG: (&str, &str) = ("KNEEGUIDE_TEST_HANG", "HANG-THE-REBUILD");

#[test]
fn a_rebuild_that_never_ends_is_reported_later_saves_still_rebuild_and_ctrl_c_exits() {
    let serve = Serve::start_with_env(cli_site(), &["--rebuild-limit", "0.5"], &[HANG]);
    let events = serve.events();
    let about = serve.path("content/about.md");
    let original = fs::read_to_string(&about).unwrap();
    fs::write(&about, original.replace("A test site.", "HANG-THE-REBUILD")).unwrap();

    // Reported in the terminal and over the page, which still shows the last good build.
    events.expect("errors");
    wait_for("the report in the terminal", || {
        serve.stderr().contains("error[E072]")
    });
    let terminal = serve.stderr();
    assert!(
        terminal.contains(
            "error[E072]: content/about.md changed: the rebuild has been running for 0.5 s \
             and may never finish"
        ),
        "{terminal}"
    );
    let html = serve.get("/about/").text();
    assert!(
        html.contains("kneeguide-overlay") && html.contains("E072"),
        "{html}"
    );
    assert!(html.contains("A test site."), "the last good page: {html}");

    // The next save is rebuilt by a fresh rebuild while the stuck one still hangs.
    fs::write(&about, original.replace("A test site.", "A fixed site.")).unwrap();
    events.expect("reload");
    let html = serve.get("/about/").text();
    assert!(
        html.contains("A fixed site.") && !html.contains("kneeguide-overlay"),
        "{html}"
    );

    // Ctrl-C stops it at once, stuck thread and all.
    serve.stop();
}

#[test]
fn a_first_build_that_never_ends_still_lets_serve_start_and_stop() {
    let site = cli_site();
    let about = site.path().join("content/about.md");
    let original = fs::read_to_string(&about).unwrap();
    fs::write(&about, original.replace("A test site.", "HANG-THE-REBUILD")).unwrap();
    let serve = Serve::start_with_env(site, &["--rebuild-limit", "0.5"], &[HANG]);
    let page = serve.get("/about/");
    assert_eq!(page.status, 500, "no good build yet");
    assert!(
        page.text()
            .contains("error[E072]: the first build has been running for 0.5 s"),
        "{}",
        page.text()
    );
    let events = serve.events();
    fs::write(&about, &original).unwrap();
    events.expect("reload");
    assert_eq!(serve.get("/about/").status, 200);
    serve.stop();
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let site = cli_site();
    let output = common::kneeguide()
        .args(["serve", "--port", &port, "--root"])
        .arg(site.path())
        .timeout(WAIT)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("port {port} on 127.0.0.1 is already in use")),
        "{stderr}"
    );
    assert!(stderr.contains("--port 0"), "{stderr}");
    assert!(!site.path().join("public").exists(), "serve writes nothing");
}

#[test]
fn a_folder_without_a_site_is_refused() {
    let empty = tempfile::tempdir().unwrap();
    let output = common::kneeguide()
        .args(["serve", "--port", "0", "--root"])
        .arg(empty.path())
        .timeout(WAIT)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("site.yaml"), "{stderr}");
}

#[test]
fn serve_writes_nothing_and_shows_drafts_only_when_asked() {
    let site = cli_site();
    fs::write(
        site.path().join("content/draft.md"),
        "---\ntitle: Draft\ndescription: A draft page for the serve tests only.\nlast_reviewed: 2026-01-10\ndraft: true\n---\nDraft.\n",
    )
    .unwrap();
    let before = snapshot(site.path());
    let serve = Serve::start(site, &["--drafts"]);
    assert_eq!(serve.get("/draft/").status, 200);
    let after = snapshot(serve.site.path());
    assert_eq!(before, after, "nothing written into the site folder");
    assert!(!Path::new(&serve.path("public")).exists());
    serve.stop();

    let serve = Serve::start(cli_site(), &[]);
    assert_eq!(serve.get("/draft/").status, 404);
    serve.stop();
}

#[test]
fn help_explains_the_commands() {
    let output = common::kneeguide()
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    for phrase in ["Ctrl-C", "--port", "--bind", "--open", "Exit codes", "4400"] {
        assert!(help.contains(phrase), "{phrase} missing from {help}");
    }
}

#[test]
fn a_failing_safety_case_shows_in_the_overlay() {
    let site = tempfile::tempdir().unwrap();
    copy_dir(&fixture("decision_tree/_shared"), site.path());
    let serve = Serve::start(site, &[]);
    let events = serve.events();
    // Editing the cases file (not a Markdown file) rebuilds too.
    copy_dir(
        &fixture("decision_tree/cases-under-triage"),
        serve.site.path(),
    );
    events.expect("errors");
    let fragment = serve.get("/__kneeguide/overlay").text();
    assert!(
        fragment.contains("E042") && fragment.contains("content/decision-tree.cases.yaml:8:9"),
        "{fragment}"
    );
    serve.stop();
}

/// Issue 14 point 3: saving a draft while serving without `--drafts` says that it is a draft
/// and how to preview it, instead of only "no page changed", and so does its address.
#[test]
fn saving_a_draft_says_it_is_a_draft_and_how_to_preview_it() {
    let serve = Serve::start(cli_site(), &[]);
    fs::write(
        serve.path("content/draft.md"),
        "---\ntitle: Draft\ndescription: A draft page for the serve tests only.\nlast_reviewed: 2026-01-10\ndraft: true\n---\nDraft.\n",
    )
    .unwrap();
    wait_for("the draft's note", || {
        serve.stdout.lock().unwrap().contains(
            "content/draft.md is a draft (`draft: true`), left out of this preview: stop and run `kneeguide serve --drafts` to preview drafts",
        )
    });
    // Its address is a 404 that says why (serve only: a published site has no drafts).
    for address in ["/draft/", "/draft"] {
        let reply = serve.get(address);
        assert_eq!(reply.status, 404, "{address}");
        assert!(
            reply.text().starts_with(
                "Not found: this address is the page content/draft.md, which is a draft (`draft: true`).\n"
            ),
            "{address}: {}",
            reply.text()
        );
        assert!(reply.text().contains("`kneeguide serve --drafts`"));
    }
    assert_eq!(serve.get("/missing/").status, 404);
    assert!(!serve.get("/missing/").text().contains("draft"));
    serve.stop();
}
