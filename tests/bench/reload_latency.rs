//! Edit-to-reload latency of `kneeguide serve`: the time from writing a content file to the
//! `reload` event reaching a browser's event stream (watch + debounce + rebuild + broadcast).
//!
//! ```text
//! cargo bench --bench reload_latency            # the guide, the cli fixture, a 1,000-page site
//! cargo bench --bench reload_latency -- 41      # more edits per site (default 21)
//! cargo bench --bench reload_latency -- --site DIR   # also any other site folder
//! ```
//!
//! Target: median under 100 ms for a one-page edit of the guide. Without `--bench` (as in
//! `cargo test --all-targets`) it runs a few edits on the small fixture only, as a smoke test.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use kneeguide::serve::{ServeOptions, Server, build_in_memory};

const TIMEOUT: Duration = Duration::from_secs(30);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let full = args.iter().any(|a| a == "--bench");
    let edits: usize =
        args.iter()
            .find_map(|a| a.parse().ok())
            .unwrap_or(if full { 21 } else { 3 });
    let others: Vec<PathBuf> = args
        .windows(2)
        .filter(|pair| pair[0] == "--site")
        .map(|pair| PathBuf::from(&pair[1]))
        .collect();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The CLI fixture as the tests build it: the good site with cli-site's files on top.
    let cli_site = copy_site(&repo.join("tests/fixtures/good"));
    copy_into(&repo.join("tests/fixtures/cli-site"), cli_site.path());

    println!(
        "edit-to-reload latency, {edits} edits per site, debounce {} ms",
        kneeguide::serve::DEFAULT_DEBOUNCE.as_millis()
    );
    println!(
        "{:<34} {:>6} {:>9} {:>9} {:>9} {:>9} {:>10} {:>12}",
        "site", "pages", "median", "p90", "min", "max", "load med", "rebuild med"
    );
    bench("cli fixture", &cli_site, "content/about.md", edits);
    if !full {
        return;
    }

    // The guide itself, copied so that the edits never touch the repository.
    let guide = copy_site(repo);
    match build_in_memory(&kneeguide::BuildOptions::new(guide.path())) {
        Ok(_) => {
            let page = first_cause(guide.path());
            bench("the guide", &guide, &page, edits);
        }
        Err(errors) => println!(
            "{:<34} skipped: the guide does not build yet ({} errors)",
            "the guide",
            errors.error_count()
        ),
    }

    // 1,000 pages: the fixture's minimal theme plus plain pages (what serve itself costs), and
    // the guide's theme plus plain pages (what the real theme costs: its footer lists every plain
    // page, so each page grows with the site).
    let mut bases = vec![(
        "fixture + plain pages (1,000)",
        cli_site.path().to_path_buf(),
    )];
    if build_in_memory(&kneeguide::BuildOptions::new(guide.path())).is_ok() {
        bases.push(("guide + plain pages (1,000)", repo.to_path_buf()));
    }
    for (label, base) in bases {
        let big = copy_site(&base);
        let have = count_pages(big.path());
        add_pages(big.path(), 1000usize.saturating_sub(have));
        bench(label, &big, "content/bench/page-0500.md", edits);
    }

    for other in others {
        let site = copy_site(&other);
        let page = first_cause(site.path());
        bench(&other.display().to_string(), &site, &page, edits);
    }
}

fn copy_site(from: &Path) -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    copy_into(from, temp.path());
    temp
}

/// Copies a site's site.yaml, content/ and themes/ into `to`, over files that exist.
fn copy_into(from: &Path, to: &Path) {
    for name in ["site.yaml", "content", "themes"] {
        let source = from.join(name);
        for entry in walkdir::WalkDir::new(&source) {
            let entry = entry.unwrap();
            let relative = entry.path().strip_prefix(&source).unwrap();
            let target = if relative.as_os_str().is_empty() {
                to.join(name)
            } else {
                to.join(name).join(relative)
            };
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&target).unwrap();
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }
}

fn first_cause(root: &Path) -> String {
    let mut causes: Vec<PathBuf> = std::fs::read_dir(root.join("content/causes"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    causes.sort();
    let name = causes[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    format!("content/causes/{name}")
}

fn count_pages(root: &Path) -> usize {
    walkdir::WalkDir::new(root.join("content"))
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .count()
}

fn add_pages(root: &Path, count: usize) {
    let folder = root.join("content/bench");
    std::fs::create_dir_all(&folder).unwrap();
    let paragraph = "Pain in the back of the knee has many causes. Most are harmless and get \
                     better with rest, but some need a doctor the same day. This paragraph is \
                     filler text of a realistic length for a benchmark page. ";
    for i in 0..count.max(501) {
        let body = format!(
            "## What it is\n\n{}\n\n## What you can do\n\n{}\n\n- Rest\n- Cool the knee\n- Raise the leg\n\n\
             ## When to get help\n\n{}\n\nSee also [the next page](page-{:04}.md#what-it-is).\n",
            paragraph.repeat(4),
            paragraph.repeat(3),
            paragraph.repeat(2),
            (i + 1) % count.max(501)
        );
        std::fs::write(
            folder.join(format!("page-{i:04}.md")),
            format!(
                "---\ntitle: Benchmark page {i}\ndescription: A generated page for the reload \
                 latency benchmark, number {i}.\nlast_reviewed: 2026-01-10\n---\n{body}"
            ),
        )
        .unwrap();
    }
}

fn bench(label: &str, site: &tempfile::TempDir, page: &str, edits: usize) {
    let options = kneeguide::BuildOptions::new(site.path());
    let (_, pages, _) = match build_in_memory(&options) {
        Ok(built) => built,
        Err(errors) => {
            println!("{label:<34} skipped: does not build:\n{errors}");
            return;
        }
    };
    let mut serve = ServeOptions::new(site.path());
    serve.port = 0;
    serve.quiet = true;
    let server = Server::start(serve).unwrap();
    let events = subscribe(server.local_addr());

    let path = site.path().join(page);
    let original = std::fs::read_to_string(&path).unwrap();
    let expected = page_output(page);
    let mut latencies = Vec::new();
    for i in 0..edits + 2 {
        std::thread::sleep(Duration::from_millis(150));
        while events.try_recv().is_ok() {}
        let edited = format!("{}\nEdit number {i}.\n", original.trim_end());
        let started = Instant::now();
        std::fs::write(&path, edited).unwrap();
        loop {
            let (name, data) = events.recv_timeout(TIMEOUT).expect("no reload event");
            if name == "errors" {
                panic!("{label}: the edit broke the site");
            }
            if name == "reload" && (data.contains(&expected) || data.contains("\"*\"")) {
                break;
            }
        }
        if i >= 2 {
            latencies.push(started.elapsed());
        }
    }
    server.stop();

    // Where a rebuild's time goes: load (read, parse, Markdown, checks, tree) and the whole rebuild.
    let runs = edits.min(11);
    let mut loads: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            kneeguide::load(&options).map_err(|_| ()).unwrap();
            started.elapsed()
        })
        .collect();
    let mut rebuilds: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            build_in_memory(&options).unwrap();
            started.elapsed()
        })
        .collect();
    latencies.sort();
    loads.sort();
    rebuilds.sort();
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    println!(
        "{label:<34} {pages:>6} {:>9} {:>9} {:>9} {:>9} {:>10} {:>12}",
        ms(latencies[latencies.len() / 2]),
        ms(latencies[latencies.len() * 9 / 10]),
        ms(latencies[0]),
        ms(latencies[latencies.len() - 1]),
        ms(loads[loads.len() / 2]),
        ms(rebuilds[rebuilds.len() / 2]),
    );
}

/// `content/causes/x.md` -> `causes/x/index.html`
fn page_output(page: &str) -> String {
    let stem = page.trim_start_matches("content/").trim_end_matches(".md");
    format!("{stem}/index.html")
}

/// A browser's view: the event stream, as (event name, data) pairs.
fn subscribe(addr: std::net::SocketAddr) -> Receiver<(String, String)> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .write_all(format!("GET /__kneeguide/events HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .unwrap();
    let (sender, receiver) = channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut name = String::new();
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
            let text = line.trim_end();
            if let Some(value) = text.strip_prefix("event: ") {
                name = value.to_owned();
            } else if let Some(value) = text.strip_prefix("data: ")
                && sender
                    .send((std::mem::take(&mut name), value.to_owned()))
                    .is_err()
            {
                break;
            }
            line.clear();
        }
    });
    receiver
}
