//! Issue 13: the German edition. The real guide is built (a copy of it, in a temp dir) and its
//! two editions are compared: every page in both languages, linked both ways, one tree shape.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use crate::common::{self, build, guide_copy, read, run, snapshot};

/// Every HTML page of the build, as output paths (`de/causes/dvt/index.html`).
fn html_pages(public: &Path) -> BTreeSet<String> {
    snapshot(public)
        .into_keys()
        .filter(|path| path.ends_with("index.html"))
        .collect()
}

/// The value of `attribute` in every tag of `html` that contains all of `markers`.
fn attribute_values(html: &str, markers: &[&str], attribute: &str) -> Vec<String> {
    html.split('<')
        .filter(|tag| markers.iter().all(|marker| tag.contains(marker)))
        .filter_map(|tag| {
            let start = tag.find(&format!("{attribute}=\""))? + attribute.len() + 2;
            let end = start + tag[start..].find('"')?;
            Some(tag[start..end].to_owned())
        })
        .collect()
}

/// `href` of a relative link on the page at `page` (an output path), as an output folder path.
fn resolve(page: &str, href: &str) -> String {
    let mut parts: Vec<&str> = page.split('/').collect();
    parts.pop(); // index.html
    for segment in href.split('/') {
        match segment {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            other => parts.push(other),
        }
    }
    let mut path = parts.join("/");
    if !path.is_empty() {
        path.push('/');
    }
    path
}

#[test]
fn the_german_edition_has_every_page_linked_both_ways() {
    let site = guide_copy();
    let (code, _, stderr) = build(site.path(), &["--base-url", "https://knee.test/"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !stderr.contains("W110"),
        "the real guide has a translation of every page:\n{stderr}"
    );
    let public = site.path().join("public");
    let pages = html_pages(&public);
    let english: BTreeSet<&str> = pages
        .iter()
        .filter(|p| !p.starts_with("de/"))
        .map(String::as_str)
        .collect();
    let german: BTreeSet<String> = pages
        .iter()
        .filter_map(|p| p.strip_prefix("de/").map(str::to_owned))
        .collect();
    assert!(english.len() > 90, "{} English pages", english.len());
    let english_owned: BTreeSet<String> = english.iter().map(|p| (*p).to_owned()).collect();
    assert_eq!(german, english_owned, "the same pages in both languages");

    for page in &pages {
        let html = read(&public.join(page));
        let german = page.starts_with("de/");
        let (own, other) = if german { ("de", "en") } else { ("en", "de") };
        assert!(html.contains(&format!("<html lang=\"{own}\">")), "{page}");
        let url = page.strip_suffix("index.html").unwrap();
        let counterpart = if german {
            url.strip_prefix("de/").unwrap().to_owned()
        } else {
            format!("de/{url}")
        };
        // Canonical: the page itself, or for a tree step showing a result, the result's own
        // page (in the same language). A page that is its own canonical names both languages
        // as alternates, and the English as x-default; a step pointing elsewhere names none.
        let canonical = attribute_values(&html, &["rel=\"canonical\""], "href");
        assert_eq!(canonical.len(), 1, "{page}");
        let own_url = format!("https://knee.test/{url}");
        if canonical[0] == own_url {
            for (code, href) in [
                (own, url.to_owned()),
                (other, counterpart.clone()),
                (
                    "x-default",
                    url.strip_prefix("de/").unwrap_or(url).to_owned(),
                ),
            ] {
                let link = format!(
                    "<link rel=\"alternate\" hreflang=\"{code}\" href=\"https://knee.test/{href}\">"
                );
                assert!(html.contains(&link), "{page}: no {link}");
            }
        } else {
            let prefix = if german {
                "https://knee.test/de/decision-tree/outcome/"
            } else {
                "https://knee.test/decision-tree/outcome/"
            };
            assert!(
                canonical[0].starts_with(prefix),
                "{page}: canonical {canonical:?}"
            );
            assert!(
                !html.contains("<link rel=\"alternate\""),
                "{page}: alternates"
            );
        }
        // The switcher leads to the same page (the same step of the tree) in the other language.
        let switch = attribute_values(
            &html,
            &[&format!("hreflang=\"{other}\""), "a href="],
            "href",
        );
        assert_eq!(switch.len(), 1, "{page}: one switcher link, got {switch:?}");
        assert_eq!(resolve(page, &switch[0]), counterpart, "{page}: switcher");
    }

    // German words around German content: dates, the disclaimer, the tree's buttons.
    let dvt = read(&public.join("de/causes/dvt/index.html"));
    assert!(dvt.contains(">1. Dezember 2026</time>"), "German date");
    assert!(
        !dvt.contains("December"),
        "no English month on a German page"
    );
    let step = read(&public.join("de/decision-tree/no/no/adult/yes/index.html"));
    assert!(step.contains("Ihre Antworten"), "German \"Your answers\"");
    assert!(!step.contains("Your answers"));
    let english_step = read(&public.join("decision-tree/no/no/adult/yes/index.html"));
    assert!(english_step.contains("Your answers"));

    // Installed from a German page, the guide starts at /de/, named in German, with the icons.
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&public.join("de/manifest.webmanifest"))).unwrap();
    assert_eq!(manifest["lang"], "de");
    assert_eq!(manifest["start_url"], "./");
    assert_eq!(manifest["short_name"], "Knieschmerz");
    for icon in manifest["icons"].as_array().unwrap() {
        let src = icon["src"].as_str().unwrap();
        assert!(public.join("de").join(src).exists(), "{src}");
    }
    assert!(dvt.contains("<link rel=\"manifest\" href=\"../../../de/manifest.webmanifest\">"));

    // Hosts serve one 404 page for every missing address: it speaks both languages.
    let not_found = read(&public.join("404.html"));
    assert!(not_found.contains("<html lang=\"en\">"));
    let german_part = &not_found[not_found.find("<div lang=\"de\">").expect("a German part")..];
    assert!(german_part.contains("<a href=\"/de/\">"), "{german_part}");
    assert!(
        german_part.contains("<a href=\"/de/decision-tree/\">"),
        "{german_part}"
    );

    // One sitemap: every page of both editions, each with its alternates.
    let sitemap = read(&public.join("sitemap.xml"));
    for page in &pages {
        let url = page.strip_suffix("index.html").unwrap();
        assert!(
            sitemap.contains(&format!("<loc>https://knee.test/{url}</loc>")),
            "sitemap: {url}"
        );
    }
    assert!(sitemap.contains(
        "<loc>https://knee.test/de/causes/dvt/</loc><lastmod>2026-12-01</lastmod>\
         <xhtml:link rel=\"alternate\" hreflang=\"en\" href=\"https://knee.test/causes/dvt/\"/>\
         <xhtml:link rel=\"alternate\" hreflang=\"de\" href=\"https://knee.test/de/causes/dvt/\"/></url>"
    ), "{sitemap}");
}

/// A German tree that sends one answer elsewhere is refused, at the answer, naming both targets;
/// nothing is written.
#[test]
fn a_german_tree_that_changes_one_next_is_a_located_error() {
    let site = guide_copy();
    assert_eq!(build(site.path(), &[]).0, 0);
    let public = site.path().join("public");
    let before = snapshot(&public);

    let tree_file = site.path().join("content/decision-tree.de.md");
    let original = read(&tree_file);
    let from = "none: true, next: q-adult-clot-risk}";
    assert_eq!(original.matches(from).count(), 1);
    let changed = original.replace(from, "none: true, next: q-adult-injury}");
    fs::write(&tree_file, &changed).unwrap();
    let at = changed.find("q-adult-injury}").unwrap();
    let line = changed[..at].matches('\n').count() + 1;
    let column = changed[..at].rsplit('\n').next().unwrap().chars().count() + 1;

    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    let message = "error[E113]: the translated tree changes where answer `no` of question \
                   `q-adult-clot-signs` leads: `q-adult-injury` here, `q-adult-clot-risk` in \
                   content/decision-tree.md";
    assert!(stderr.contains(message), "{stderr}");
    let location = format!("--> content/decision-tree.de.md:{line}:{column}");
    assert!(
        stderr.contains(&location),
        "expected {location} in:\n{stderr}"
    );
    assert_eq!(snapshot(&public), before, "the previous site is untouched");
}

/// Issue 13 point 4: a page without its German translation warns, located at the English page;
/// the German edition then links the English page, with a note, and claims no translation.
#[test]
fn a_missing_translation_warns_and_the_german_site_links_the_english_page_with_a_note() {
    let site = guide_copy();
    fs::remove_file(site.path().join("content/causes/overuse.de.md")).unwrap();
    let (code, _, stderr) = build(site.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "warning[W110]: content/causes/overuse.md has no `de` translation (content/causes/overuse.de.md)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("--> content/causes/overuse.md:"),
        "{stderr}"
    );
    let public = site.path().join("public");
    assert!(!public.join("de/causes/overuse/index.html").exists());
    assert!(public.join("causes/overuse/index.html").exists());

    // The German home page lists the cause: the English page, marked as English, with the note.
    let home = read(&public.join("de/index.html"));
    let link = attribute_values(&home, &["hreflang=\"en\"", "cause-list__link"], "href");
    assert_eq!(link, ["../causes/overuse/"], "{home}");
    assert!(
        home.contains("<span class=\"translation-note\""),
        "the note"
    );
    // The English page has no German alternate to offer.
    let overuse = read(&public.join("causes/overuse/index.html"));
    assert!(!overuse.contains("hreflang=\"de\""), "no German alternate");
    let sitemap = read(&public.join("sitemap.xml"));
    assert!(!sitemap.contains("de/causes/overuse/"));
}

#[test]
fn translations_without_their_page_or_in_an_unknown_language_are_errors() {
    let site = guide_copy();
    let about = read(&site.path().join("content/about.de.md"));
    let cause = read(&site.path().join("content/causes/overuse.de.md"));
    fs::write(site.path().join("content/causes/shin.de.md"), &cause).unwrap();
    fs::write(site.path().join("content/about.fr.md"), &about).unwrap();
    let (code, _, stderr) = common::check(site.path());
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(
            "error[E112]: content/causes/shin.de.md translates content/causes/shin.md, which does not exist"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "error[E111]: content/about.fr.md is a translation into `fr`, which is not a language of this site"
        ),
        "{stderr}"
    );
}

/// Issue 13 point 3: one cases file, proven on both trees.
#[test]
fn the_safety_cases_run_against_both_trees() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, stdout, stderr) = run(common::kneeguide()
        .args(["check", "--cases", "--root"])
        .arg(root));
    assert_eq!(code, 0, "{stderr}");
    let english = stdout
        .find("Safety cases on the `en` tree (content/decision-tree.md):")
        .expect("the English table");
    let german = stdout
        .find("Safety cases on the `de` tree (content/decision-tree.de.md):")
        .expect("the German table");
    assert!(english < german);
    let totals: Vec<&str> = stdout
        .lines()
        .filter(|line| line.contains(" paths in ") && line.contains(" cases: "))
        .collect();
    assert_eq!(totals.len(), 2, "{stdout}");
    assert_eq!(totals[0], totals[1], "the same cases pass on both trees");
    assert!(totals[0].ends_with(", 0 failed"), "{stdout}");
}

/// site.yaml's languages: each needs the words the main language sets, and a usable code.
#[test]
fn a_language_without_the_services_words_is_a_located_error() {
    let site = guide_copy();
    let config = site.path().join("site.yaml");
    let text = read(&config);
    let line = "    emergency_department: Notaufnahme\n";
    assert_eq!(text.matches(line).count(), 1);
    fs::write(
        &config,
        text.replace(line, "").replace(
            "\n  de:\n",
            "\n  en:\n    title: x\n    description: x\n    urgent_help: x\n  de:\n",
        ),
    )
    .unwrap();
    let (code, _, stderr) = common::check(site.path());
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(
            "error[E110]: language `de` has no `emergency_department`, which the site sets for `en`"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("error[E110]: `en` is the site's `language`: its edition is the one at /"),
        "{stderr}"
    );
}
