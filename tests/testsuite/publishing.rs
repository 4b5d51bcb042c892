//! What publishing gives readers beyond the pages, on a copy of the real guide: the symptoms A–Z
//! (made from the causes' front matter, so a symptom added to a cause page appears in it without
//! anyone editing the index) and offline reading (a service worker listing every file written).

use std::fs;
use std::path::Path;

use crate::common::{self, build, guide_copy, read, snapshot, unescape};

/// The text of each entry of the list, with the cause names it links, in page order.
fn entries(html: &str) -> Vec<(String, Vec<String>)> {
    let list = &html[html.find("class=\"az-group\"").expect("no letter groups")..];
    list.split("<li")
        .skip(1)
        .filter_map(|item| {
            let item = item.split("</li>").next()?;
            let body = &item[item.find('>')? + 1..];
            let text = unescape(body.split(" <span>").next()?);
            let causes = body
                .split("\">")
                .skip(1)
                .filter_map(|part| part.split("</a>").next())
                .map(unescape)
                .collect();
            Some((text, causes))
        })
        .collect()
}

#[test]
fn every_symptom_and_alias_of_every_cause_is_listed_and_linked() {
    let site = guide_copy();
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let html = read(&site.path().join("public/symptoms/index.html"));
    let listed = entries(&html);

    let loaded = kneeguide::load(&common::options(site.path())).unwrap();
    let mut expected = 0;
    for (page, meta) in loaded.main().content.causes() {
        let name = meta.title.split(": ").next().unwrap();
        let link = format!("href=\"../{}\">{name}</a>", page.url);
        assert!(unescape(&html).contains(&link), "no link {link}");
        for text in meta.symptoms.iter().chain(&meta.aliases) {
            let found = listed.iter().find(|(t, _)| t == text.trim());
            let (_, causes) = found.unwrap_or_else(|| panic!("{text:?} is not listed"));
            assert!(
                causes.iter().any(|c| c == name),
                "{text:?} does not link {name}"
            );
            expected += 1;
        }
    }
    assert!(
        expected >= 20,
        "the guide's causes list {expected} symptoms and aliases"
    );

    // Reached from the home page, and complete without JavaScript: the filter box is hidden until
    // the script reveals it, and every entry is in the HTML.
    assert!(read(&site.path().join("public/index.html")).contains("href=\"./symptoms/\""));
    assert!(html.contains("data-az-filter hidden"));

    // What the filter searches (the entries' words and links) stays small on a phone.
    let data: usize = listed
        .iter()
        .map(|(text, causes)| text.len() + causes.iter().map(String::len).sum::<usize>())
        .sum();
    assert!(data < 10 * 1024, "the list's data is {data} bytes");
}

#[test]
fn a_symptom_added_to_two_causes_is_one_entry_linking_both_sorted_without_its_article() {
    let site = guide_copy();
    for cause in ["dvt", "bakers-cyst"] {
        let path = site.path().join(format!("content/causes/{cause}.md"));
        let text = read(&path).replacen(
            "\nsymptoms:\n",
            "\nsymptoms:\n  - A zigzag ache that nobody else has\n",
            1,
        );
        fs::write(&path, text).unwrap();
    }
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let html = read(&site.path().join("public/symptoms/index.html"));
    let listed = entries(&html);
    let hits: Vec<_> = listed
        .iter()
        .filter(|(text, _)| text == "A zigzag ache that nobody else has")
        .collect();
    assert_eq!(hits.len(), 1, "{hits:?}");
    let mut causes = hits[0].1.clone();
    causes.sort();
    assert_eq!(causes, ["Baker's cyst", "Blood clot in a leg vein (DVT)"]);
    // Filed under Z (not A), the last letter of the list.
    let z = html.find("<h2 id=\"az-z\">Z</h2>").expect("no Z section");
    assert!(html[z..].contains("A zigzag ache"));
    assert!(html.contains("<a href=\"#az-z\">Z</a>"));
}

/// The URLs `sw.js` precaches, and its version.
fn precache(site: &Path) -> (Vec<String>, String) {
    let sw = read(&site.join("public/sw.js"));
    let list = sw
        .lines()
        .find_map(|line| line.strip_prefix("var URLS = "))
        .expect("sw.js lists no URLs");
    let urls: Vec<String> = serde_json::from_str(list.trim_end_matches(';')).unwrap();
    let version = sw
        .lines()
        .find_map(|line| line.strip_prefix("var CACHE = 'kneeguide-"))
        .expect("sw.js has no cache name")
        .trim_end_matches("';")
        .to_owned();
    (urls, version)
}

#[test]
fn the_service_worker_precaches_every_file_and_changes_with_any_of_them() {
    let site = guide_copy();
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let (urls, version) = precache(site.path());

    // Every file written, as the URL readers use, except the 404 page, the worker itself and
    // build-internal dot files.
    let mut expected: Vec<String> = snapshot(&site.path().join("public"))
        .into_keys()
        .filter(|path| !["404.html", "sw.js", "_headers"].contains(&path.as_str()))
        .filter(|path| !path.starts_with('.'))
        .map(|path| {
            path.strip_suffix("index.html")
                .map(str::to_owned)
                .unwrap_or(path)
        })
        .collect();
    expected.sort();
    let mut sorted = urls.clone();
    sorted.sort();
    assert_eq!(sorted, expected);
    assert!(
        urls.iter().any(|u| u.starts_with("decision-tree/")),
        "{urls:?}"
    );

    // Every page asks for the manifest and registers the worker; the manifest's icons exist.
    let public = site.path().join("public");
    for (path, bytes) in snapshot(&public) {
        if path.ends_with(".html") {
            let html = String::from_utf8(bytes).unwrap();
            assert!(html.contains("manifest.webmanifest\""), "{path}");
            assert!(html.contains("js/offline."), "{path}");
        }
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&public.join("manifest.webmanifest"))).unwrap();
    let icons = manifest["icons"].as_array().unwrap();
    assert!(icons.iter().any(|icon| icon["purpose"] == "maskable"));
    for icon in icons {
        assert!(
            public.join(icon["src"].as_str().unwrap()).is_file(),
            "{icon}"
        );
    }

    // The same input: the same worker. One word changed on one page: a new version, so
    // browsers fetch the new site.
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(precache(site.path()).1, version);
    let about = site.path().join("content/about.md");
    fs::write(&about, read(&about).replacen("guide", "Guide", 1)).unwrap();
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_ne!(precache(site.path()).1, version);
}

#[test]
fn serve_leaves_the_service_worker_out() {
    // A preview served from a worker's cache would hide the very edits it exists to show.
    let mut options = kneeguide::serve::ServeOptions::new(Path::new(env!("CARGO_MANIFEST_DIR")));
    options.quiet = true;
    options.build.today = common::options(".").today;
    assert!(!options.build.service_worker);
    let site = kneeguide::load(&options.build).unwrap();
    let sink = kneeguide::output::MemorySink::default();
    kneeguide::render(&site, &sink).unwrap();
    let files = sink.into_files();
    assert!(files.contains_key("index.html"));
    assert!(!files.contains_key("sw.js"));
}

/// The rules of `_headers`: pattern -> its header lines.
fn header_rules(text: &str) -> Vec<(String, Vec<String>)> {
    text.split("\n\n")
        .filter(|block| block.starts_with('/'))
        .map(|block| {
            let mut lines = block.lines();
            let pattern = lines.next().unwrap().to_owned();
            (pattern, lines.map(|l| l.trim().to_owned()).collect())
        })
        .collect()
}

#[test]
fn host_headers_cover_every_file_once_under_the_base_path_and_can_be_turned_off() {
    let site = guide_copy();
    let (code, _, stderr) = build(site.path(), &["--base-url", "https://example.org/knee/"]);
    assert_eq!(code, 0, "{stderr}");
    let public = site.path().join("public");
    let rules = header_rules(&read(&public.join("_headers")));

    let all = &rules
        .iter()
        .find(|(p, _)| p == "/knee/*")
        .expect("no /knee/* rule")
        .1;
    for header in [
        "Content-Security-Policy: default-src 'self'",
        "X-Content-Type-Options: nosniff",
        "Referrer-Policy: no-referrer",
    ] {
        assert!(all.contains(&header.to_owned()), "{all:?}");
    }
    assert!(
        all.iter()
            .any(|h| h.starts_with("Permissions-Policy: camera=()"))
    );

    // Every file the host serves gets exactly one Cache-Control: hashed CSS and JS for a year,
    // pages (and the service worker) revalidated.
    let matches = |pattern: &str, url: &str| match pattern.strip_suffix('*') {
        Some(prefix) => url.starts_with(prefix),
        None => url == pattern,
    };
    for path in snapshot(&public).into_keys() {
        if path.starts_with('.') || path == "_headers" || path == "index.html" {
            continue;
        }
        let url = format!("/knee/{path}");
        let caches: Vec<&String> = rules
            .iter()
            .filter(|(pattern, _)| matches(pattern, &url))
            .flat_map(|(_, headers)| headers.iter().filter(|h| h.starts_with("Cache-Control")))
            .collect();
        assert_eq!(caches.len(), 1, "{url}: {caches:?}");
        let immutable = caches[0].contains("immutable");
        let hashed = path.starts_with("css/") || path.starts_with("js/");
        assert_eq!(immutable, hashed, "{url}: {}", caches[0]);
    }
    let home = &rules
        .iter()
        .find(|(p, _)| p == "/knee/")
        .expect("no rule for the home page")
        .1;
    assert_eq!(home, &["Cache-Control: public, max-age=0, must-revalidate"]);
    // A build-internal file never reaches a host rule, and _headers is not precached.
    assert!(!read(&public.join("_headers")).contains(".kneeguide"));
    assert!(!read(&public.join("sw.js")).contains("_headers"));

    let config = site.path().join("site.yaml");
    fs::write(&config, read(&config) + "host_headers: false\n").unwrap();
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!public.join("_headers").exists());
}
