//! The default theme on the real site: builds the repository's own site.yaml, content/ and
//! themes/ in memory and checks the HTML every page gets (structure, accessibility hooks, CSP
//! safety, metadata, page weight) and what every cause page must show. Behaviours the real guide
//! does not show (a clinician's review, a badge raised by the tree) are checked on the fixture
//! site in tests/fixtures/theme/, rendered with the same theme.

use crate::common::{self, unescape};
use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use kneeguide::Site;
use kneeguide::content::Meta;
use kneeguide::content::meta::{Date, Urgency};
use kneeguide::diagnostics::Diagnostics;
use kneeguide::output::MemorySink;

/// HTML + CSS + JS of one page, uncompressed.
const PAGE_WEIGHT_LIMIT: usize = 40 * 1024;

struct Built {
    site: Site,
    files: BTreeMap<String, Vec<u8>>,
}

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        // The repository's own site; KNEEGUIDE_SITE points the checks at another site folder.
        let root = std::env::var_os("KNEEGUIDE_SITE").map_or_else(
            || env!("CARGO_MANIFEST_DIR").into(),
            std::path::PathBuf::from,
        );
        let options = common::options(root);
        let site =
            kneeguide::load(&options).unwrap_or_else(|d| panic!("the site does not load:\n{d}"));
        let sink = MemorySink::default();
        kneeguide::render(&site, &sink)
            .unwrap_or_else(|d| panic!("the site does not render:\n{d}"));
        Built {
            site,
            files: sink.into_files(),
        }
    })
}

/// Every HTML page: output path -> text.
fn pages() -> Vec<(&'static str, &'static str)> {
    built()
        .files
        .iter()
        .filter(|(path, _)| path.ends_with(".html"))
        .map(|(path, bytes)| {
            (
                path.as_str(),
                std::str::from_utf8(bytes).expect("HTML is UTF-8"),
            )
        })
        .collect()
}

/// The edition an output file belongs to: `de/about/index.html` is German's.
fn edition_of(path: &str) -> &'static kneeguide::Edition {
    let editions = &built().site.editions;
    editions
        .iter()
        .filter(|edition| !edition.config.prefix.is_empty())
        .find(|edition| path.starts_with(&edition.config.prefix))
        .unwrap_or(&editions[0])
}

fn page(path: &str) -> &'static str {
    let bytes = built()
        .files
        .get(path)
        .unwrap_or_else(|| panic!("{path} was not written"));
    std::str::from_utf8(bytes).unwrap()
}

/// The opening tags of `html`: (lower-case name, the whole tag text).
fn tags(html: &str) -> Vec<(String, &str)> {
    let mut found = Vec::new();
    let mut rest = html;
    let mut offset = 0;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        if after.starts_with("!--") {
            let end = after.find("-->").map_or(after.len(), |e| e + 3);
            offset += start + 1 + end;
            rest = &html[offset..];
            continue;
        }
        let end = after.find('>').map_or(after.len(), |e| e + 1);
        let tag = &html[offset + start..offset + start + 1 + end];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!' || *c == '/')
            .collect::<String>()
            .to_ascii_lowercase();
        found.push((name, tag));
        offset += start + 1 + end;
        rest = &html[offset..];
    }
    found
}

/// The value of attribute `name` in one tag (double-quoted, as the templates write them).
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')?;
    Some(&tag[start..start + end])
}

/// The part of `html` from the element with `id` to the next `<h2` after it (or the end of main).
fn section<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    let start = html.find(&format!(" id=\"{id}\""))?;
    let rest = &html[start..];
    let after_heading = rest.find('>').map_or(0, |i| i + 1);
    let end = rest[after_heading..]
        .find("<h2")
        .or_else(|| rest[after_heading..].find("</main>"))
        .map_or(rest.len(), |e| e + after_heading);
    Some(&rest[..end])
}

/// Joins a relative link with the folder of the page it is on: `../../css/x.css` from
/// `causes/dvt/index.html` is `css/x.css`.
fn resolve(page_path: &str, href: &str) -> String {
    let mut parts: Vec<&str> = page_path.split('/').collect();
    parts.pop();
    for piece in href.split('/') {
        match piece {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            other => parts.push(other),
        }
    }
    parts.join("/")
}

fn json_ld(html: &str) -> Vec<serde_json::Value> {
    let open = "<script type=\"application/ld+json\">";
    html.match_indices(open)
        .map(|(start, _)| {
            let body = &html[start + open.len()..];
            let end = body.find("</script>").expect("JSON-LD script is closed");
            serde_json::from_str(&body[..end])
                .unwrap_or_else(|e| panic!("JSON-LD does not parse: {e}\n{}", &body[..end]))
        })
        .collect()
}

/// The wording of the disclaimer on a page no clinician has reviewed.
const NOT_REVIEWED: &str = "No doctor or other clinician has reviewed this page.";

/// The `<aside class="disclaimer">` of a page, unescaped.
fn disclaimer(html: &str) -> String {
    let start = html
        .find("<aside class=\"disclaimer\"")
        .expect("a disclaimer");
    let end = html[start..].find("</aside>").expect("the disclaimer ends") + start;
    unescape(&html[start..end])
}

/// The badge level right after the link to `url` (the cause list's item).
fn badge_after(html: &str, link: &str) -> Option<String> {
    let at = html.find(link)?;
    let item_end = html[at..].find("</li>").map_or(html.len(), |e| e + at);
    let item = &html[at..item_end];
    let class = "urgency-badge urgency-badge--";
    let start = item.find(class)? + class.len();
    let end = item[start..].find('"')? + start;
    Some(item[start..end].to_owned())
}

/// The badge under a cause page's h1.
fn cause_page_badge(html: &str) -> String {
    let meta = html.find("class=\"cause-meta\"").expect("cause-meta");
    let class = "urgency-badge urgency-badge--";
    let start = html[meta..].find(class).expect("a badge") + meta + class.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}

/// The badge a cause must show: its floor, raised to the least urgent tree outcome naming it.
fn expected_badge(site: &Site, cause_id: &str, min_urgency: Urgency) -> Urgency {
    let tree_floor = site.main().tree.as_ref().and_then(|tree| {
        tree.outcomes
            .iter()
            .filter(|o| o.causes.iter().any(|c| c.id == cause_id))
            .map(|o| o.urgency)
            .min()
    });
    tree_floor.map_or(min_urgency, |floor| floor.max(min_urgency))
}

/// The fixture site tests/fixtures/theme/site (with `overlay` copied on top) and the repository's
/// own theme, built in memory on a pinned day.
fn build_fixture(overlay: Option<&str>) -> Result<(Site, BTreeMap<String, Vec<u8>>), Diagnostics> {
    let temp = tempfile::tempdir().unwrap();
    let fixtures = common::fixture("theme");
    common::copy_dir(&fixtures.join("site"), temp.path());
    if let Some(overlay) = overlay {
        common::copy_dir(&fixtures.join(overlay), temp.path());
    }
    common::copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes"),
        &temp.path().join("themes"),
    );
    let mut options = common::options(temp.path());
    options.today = Date::parse("2026-12-01");
    let site = kneeguide::load(&options)?;
    let sink = MemorySink::default();
    kneeguide::render(&site, &sink)?;
    Ok((site, sink.into_files()))
}

fn fixture() -> &'static (Site, BTreeMap<String, Vec<u8>>) {
    static BUILT: OnceLock<(Site, BTreeMap<String, Vec<u8>>)> = OnceLock::new();
    BUILT.get_or_init(|| {
        build_fixture(None).unwrap_or_else(|d| panic!("the theme fixture does not build:\n{d}"))
    })
}

fn fixture_page(path: &str) -> &'static str {
    let bytes = fixture()
        .1
        .get(path)
        .unwrap_or_else(|| panic!("fixture: {path} was not written"));
    std::str::from_utf8(bytes).unwrap()
}

fn cause_pages() -> Vec<(
    &'static kneeguide::content::Page,
    &'static kneeguide::content::meta::CauseMeta,
)> {
    let causes: Vec<_> = built().site.main().content.causes().collect();
    assert!(!causes.is_empty(), "the site has no cause pages");
    causes
}

#[test]
fn every_page_has_one_h1_lang_and_a_working_skip_link() {
    for (path, html) in pages() {
        let language = &edition_of(path).config.language;
        let tags = tags(html);
        let h1 = tags.iter().filter(|(name, _)| name == "h1").count();
        assert_eq!(h1, 1, "{path}: {h1} h1 elements");
        let html_tag = tags.iter().find(|(name, _)| name == "html").unwrap().1;
        assert_eq!(attr(html_tag, "lang"), Some(language.as_str()), "{path}");

        let first_link = tags.iter().find(|(name, _)| name == "a").unwrap().1;
        assert_eq!(
            attr(first_link, "href"),
            Some("#main-content"),
            "{path}: the first link is the skip link"
        );
        let main = tags.iter().find(|(name, _)| name == "main");
        assert_eq!(
            main.and_then(|(_, tag)| attr(tag, "id")),
            Some("main-content"),
            "{path}: <main id=\"main-content\">"
        );
        // Whatever sits between the header and main (the back link) is inside a landmark.
        let between = &html[html.find("</header>").unwrap() + 9..html.find("<main").unwrap()];
        let between = between.replace("<div class=\"container\">", "");
        let between = between.trim();
        assert!(
            between.is_empty() || between.starts_with("<nav") && between.ends_with("</nav>"),
            "{path}: content outside landmarks before main: {between}"
        );
        for landmark in ["header", "nav", "main", "footer"] {
            assert!(
                tags.iter().any(|(name, _)| name == landmark),
                "{path}: no <{landmark}>"
            );
        }
    }
}

#[test]
fn headings_go_down_one_level_at_a_time_and_ids_are_unique() {
    for (path, html) in pages() {
        let mut previous = 0;
        let mut ids = HashSet::new();
        for (name, tag) in tags(html) {
            if let Some(id) = attr(tag, "id") {
                assert!(ids.insert(id.to_owned()), "{path}: duplicate id `{id}`");
            }
            let level = match name.as_str() {
                "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => name[1..].parse::<u32>().unwrap(),
                _ => continue,
            };
            assert!(
                level <= previous + 1,
                "{path}: h{level} follows h{previous}: {tag}"
            );
            previous = level;
        }
        // Every in-page link has a target.
        for (name, tag) in tags(html) {
            if name == "a"
                && let Some(anchor) = attr(tag, "href").and_then(|h| h.strip_prefix('#'))
            {
                assert!(
                    ids.contains(anchor),
                    "{path}: no element with id `{anchor}`"
                );
            }
        }
    }
}

#[test]
fn no_inline_style_or_script_so_pages_work_under_a_strict_csp() {
    for (path, html) in pages() {
        for (name, tag) in tags(html) {
            assert_ne!(name, "style", "{path}: <style> block");
            assert!(
                attr(tag, "style").is_none(),
                "{path}: style attribute: {tag}"
            );
            let lower = tag.to_ascii_lowercase();
            assert!(
                !lower
                    .split_whitespace()
                    .any(|word| word.starts_with("on") && word.contains('=')),
                "{path}: event handler attribute: {tag}"
            );
            assert!(!lower.contains("javascript:"), "{path}: javascript: URL");
            if name == "script" {
                let is_data = attr(tag, "type") == Some("application/ld+json");
                let is_file = attr(tag, "src").is_some();
                assert!(is_data || is_file, "{path}: inline script: {tag}");
            }
            // No third-party requests: nothing the page loads comes from another origin.
            let loads = match name.as_str() {
                // Canonical and hreflang links name pages, they load nothing.
                "link" if !matches!(attr(tag, "rel"), Some("canonical" | "alternate")) => {
                    attr(tag, "href")
                }
                "script" | "img" | "iframe" | "source" | "video" | "audio" => attr(tag, "src"),
                _ => None,
            };
            if let Some(url) = loads {
                assert!(
                    !url.contains("//"),
                    "{path}: loads {url} from another origin"
                );
            }
        }
    }
}

#[test]
fn css_is_linked_with_its_hashed_name_and_exists() {
    let files = &built().files;
    for (path, html) in pages() {
        let sheets: Vec<&str> = tags(html)
            .into_iter()
            .filter(|(name, tag)| name == "link" && attr(tag, "rel") == Some("stylesheet"))
            .filter_map(|(_, tag)| attr(tag, "href"))
            .collect();
        assert!(
            sheets
                .iter()
                .any(|href| href.rsplit('/').next().unwrap().starts_with("site.")),
            "{path}: site.css is not linked: {sheets:?}"
        );
        for href in sheets {
            // `site.3f9a01c2b4.css`: the build adds a content hash to every CSS file name.
            let file_name = href.rsplit('/').next().unwrap();
            let hash = file_name
                .strip_suffix(".css")
                .and_then(|stem| stem.rsplit_once('.'))
                .map_or("", |(_, hash)| hash);
            assert!(
                hash.len() >= 8 && hash.chars().all(|c| c.is_ascii_hexdigit()),
                "{path}: stylesheet name without a content hash: {href}"
            );
            assert!(
                files.contains_key(&target(path, href)),
                "{path}: {href} does not exist"
            );
        }
    }
}

/// The output file a link on `page_path` points at (404.html links from the base path).
fn target(page_path: &str, href: &str) -> String {
    if page_path == "404.html" {
        let base = built().site.main().config.base_path();
        href.strip_prefix(base).unwrap_or(href).to_owned()
    } else {
        resolve(page_path, href)
    }
}

#[test]
fn every_page_has_metadata_disclaimer_and_emergency_number() {
    for (path, html) in pages() {
        let config = &edition_of(path).config;
        let tel = format!(
            "href=\"tel:{}\"",
            config
                .emergency_number
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect::<String>()
        );
        let text = unescape(html);
        let title_start = text.find("<title>").expect("title") + 7;
        let title = &text[title_start..title_start + text[title_start..].find("</title>").unwrap()];
        assert!(
            title == config.title || title.ends_with(&format!(" – {}", config.title)),
            "{path}: title `{title}`"
        );
        for needle in [
            "<meta name=\"description\" content=\"",
            "<link rel=\"canonical\" href=\"",
            "<meta property=\"og:title\"",
            "<meta property=\"og:description\"",
            "<meta property=\"og:url\"",
            "<meta property=\"og:type\"",
            "<meta property=\"og:site_name\"",
            "<meta property=\"og:locale\"",
            "<meta name=\"viewport\"",
        ] {
            assert!(html.contains(needle), "{path}: no {needle}");
        }
        assert!(
            !html.contains("<meta name=\"description\" content=\"\""),
            "{path}: empty description"
        );
        assert!(
            html.contains("class=\"disclaimer\"")
                && text.contains(
                    edition_of(path)
                        .strings
                        .disclaimer
                        .does_not_diagnose
                        .split('{')
                        .next()
                        .unwrap()
                ),
            "{path}: no disclaimer"
        );
        assert!(
            html.contains(&tel),
            "{path}: no tel: link to the emergency number"
        );
        let ld = json_ld(html);
        assert_eq!(ld.len(), 1, "{path}: one JSON-LD block");
        assert_eq!(ld[0]["@context"], "https://schema.org", "{path}");
    }
}

#[test]
fn content_pages_show_their_review_dates() {
    let files = &built().files;
    for page in &built().site.main().content.pages {
        let (last, next) = match &page.meta {
            Meta::Home(m) | Meta::Plain(m) => (m.last_reviewed, m.next_review),
            Meta::Cause(m) => (m.last_reviewed, Some(m.next_review)),
            Meta::Tree(m) => (m.last_reviewed, Some(m.next_review)),
        };
        let path = format!("{}index.html", page.url);
        let html = std::str::from_utf8(&files[&path]).unwrap();
        let main = &html[html.find("<main").unwrap()..html.find("</main>").unwrap()];
        let reviewed = main
            .find("class=\"review-dates\"")
            .map(|i| &main[i..])
            .unwrap_or_else(|| panic!("{path}: no review dates in <main>"));
        assert!(
            reviewed.contains(&format!("datetime=\"{last}\"")),
            "{path}: last reviewed {last} not shown"
        );
        // The date is a check against sources, not a clinical review: it must say so.
        assert!(
            reviewed.contains("Last checked against sources:"),
            "{path}: the date is not labelled as a check against sources"
        );
        assert!(
            !html.contains("Page last reviewed"),
            "{path}: `Page last reviewed` reads as a clinical review"
        );
        if let Some(next) = next {
            assert!(
                reviewed.contains(&format!("datetime=\"{next}\"")),
                "{path}: next review {next} not shown"
            );
        }
    }
}

#[test]
fn cause_pages_show_summary_symptoms_care_cards_and_sources() {
    let config = &built().site.main().config;
    for (cause, meta) in cause_pages() {
        let path = format!("{}index.html", cause.url);
        let html = page(&path);
        let text = unescape(html);
        let main_start = html.find("<main").unwrap();

        // Summary right under the h1.
        let h1_end = text.find("</h1>").unwrap();
        let after_h1 = &text[h1_end..];
        let summary_at = after_h1
            .find(&meta.summary)
            .unwrap_or_else(|| panic!("{path}: no summary after the h1"));
        assert!(
            !after_h1[..summary_at].contains("<h2"),
            "{path}: the summary is not right under the h1"
        );

        let symptoms = unescape(section(html, "symptoms").expect("symptoms section"));
        for symptom in &meta.symptoms {
            assert!(
                symptoms.contains(symptom.as_str()),
                "{path}: symptom `{symptom}`"
            );
        }

        // Care cards: one per level, most urgent first on serious causes, routine first otherwise.
        let help = &meta.when_to_get_help;
        let levels: Vec<(&str, &Vec<String>)> = [
            ("emergency", &help.emergency),
            ("urgent", &help.urgent),
            ("routine", &help.routine),
        ]
        .into_iter()
        .filter(|(_, items)| !items.is_empty())
        .collect();
        assert!(!levels.is_empty(), "{path}: no when_to_get_help");
        let mut positions = Vec::new();
        for (level, items) in &levels {
            let class = format!("care-card care-card--{level}");
            let at = html
                .find(&class)
                .unwrap_or_else(|| panic!("{path}: no {level} care card"));
            assert!(at > main_start, "{path}: care card outside main");
            let card_end = html[at..].find("</section>").unwrap() + at;
            let card = unescape(&html[at..card_end]);
            for item in items.iter() {
                assert!(
                    card.contains(item.as_str()),
                    "{path}: {level} card lacks `{item}`"
                );
            }
            let prefix = match *level {
                "emergency" => "Emergency:",
                "urgent" => "Urgent advice:",
                _ => "Non-urgent advice:",
            };
            assert!(
                card.contains(&format!("<span class=\"visually-hidden\">{prefix} </span>")),
                "{path}: {level} card has no hidden prefix"
            );
            assert!(
                card.contains("class=\"icon\""),
                "{path}: {level} card has no icon"
            );
            assert!(
                card.contains("urgency-badge"),
                "{path}: {level} card has no label"
            );
            if *level == "emergency" {
                assert!(card.contains(&format!("Call {} now if:", config.emergency_number)));
                assert!(card.contains("Do not drive yourself"), "{path}");
                assert!(card.contains("href=\"tel:"), "{path}: no tel: link");
            }
            if *level == "urgent" {
                assert!(card.contains(&config.urgent_help), "{path}: urgent card");
                if let Some(number) = &config.urgent_number {
                    let region = config
                        .urgent_number_region
                        .as_ref()
                        .map(|r| format!(" (in {r})"))
                        .unwrap_or_default();
                    assert!(
                        card.contains(&format!(">{number}</a>{region}")),
                        "{path}: urgent number without where it works"
                    );
                }
            }
            positions.push(at);
        }
        // Most urgent first, all right after the summary: before the contents, the symptoms,
        // the body and any self-care text, so dangerous look-alikes are seen first.
        let mut expected = positions.clone();
        expected.sort_unstable();
        assert_eq!(
            positions, expected,
            "{path}: care cards not most urgent first"
        );
        let summary_end = html.find("class=\"lead\"").expect("summary");
        let first_card = positions[0];
        assert!(
            !html[summary_end..first_card].contains("<h2"),
            "{path}: something with a heading comes between the summary and the care cards"
        );
        for later in [
            "id=\"contents\"",
            "id=\"symptoms\"",
            "class=\"prose\"",
            "id=\"self-care\"",
        ] {
            if let Some(at) = html.find(later) {
                assert!(
                    positions.iter().all(|&p| p < at),
                    "{path}: a care card comes after {later}"
                );
            }
        }

        let sources = unescape(section(html, "sources").expect("sources section"));
        for source in &meta.sources {
            assert!(
                sources.contains(&source.title),
                "{path}: source `{}`",
                source.title
            );
            if let Some(url) = &source.url {
                assert!(
                    sources.contains(&format!("href=\"{url}\"")),
                    "{path}: {url}"
                );
            }
            if let Some(publisher) = &source.publisher {
                assert!(sources.contains(publisher.as_str()), "{path}: {publisher}");
            }
        }
        for related in &meta.related {
            assert!(
                html.contains(&format!("href=\"../../causes/{related}/\"")),
                "{path}: related cause {related} not linked"
            );
        }
    }
}

#[test]
fn cause_pages_have_medical_json_ld() {
    let config = &built().site.main().config;
    for (cause, meta) in cause_pages() {
        let path = format!("{}index.html", cause.url);
        let ld = json_ld(page(&path));
        let ld = &ld[0];
        assert_eq!(ld["@type"], "MedicalWebPage", "{path}");
        assert_eq!(ld["url"], format!("{}{}", config.base_url, cause.url));
        assert_eq!(ld["inLanguage"], config.language.as_str());
        // lastReviewed claims a review for accuracy: only a recorded clinical review makes it.
        match &meta.reviewed_by {
            Some(review) => {
                assert_eq!(ld["lastReviewed"], review.date.to_string(), "{path}");
                assert_eq!(ld["reviewedBy"]["name"], review.name.as_str(), "{path}");
            }
            None => assert!(ld.get("lastReviewed").is_none(), "{path}: lastReviewed"),
        }
        assert_eq!(ld["medicalAudience"]["audienceType"], "Patient");
        let about = &ld["about"];
        assert_eq!(about["@type"], "MedicalCondition", "{path}");
        assert_eq!(about["name"], meta.title.as_str());
        let symptoms = about["signOrSymptom"].as_array().expect("signOrSymptom");
        assert_eq!(symptoms.len(), meta.symptoms.len(), "{path}");
        assert!(symptoms.iter().all(|s| s["@type"] == "MedicalSymptom"));
        if !meta.aliases.is_empty() {
            assert_eq!(
                about["alternateName"].as_array().unwrap().len(),
                meta.aliases.len()
            );
        }
        let risks = about["riskFactor"].as_array().map_or(0, Vec::len);
        assert_eq!(risks, meta.risk_factors.len(), "{path}: riskFactor");
        let treatments = about["possibleTreatment"].as_array().map_or(0, Vec::len);
        assert_eq!(
            treatments,
            meta.self_care.len() + meta.treatments.len(),
            "{path}: possibleTreatment"
        );
        let tests = about["typicalTest"].as_array().map_or(0, Vec::len);
        assert_eq!(tests, meta.tests.len(), "{path}: typicalTest");
    }
    // Other pages are WebPages.
    let about = json_ld(page("index.html"));
    assert_eq!(about[0]["@type"], "WebPage");
}

#[test]
fn home_offers_the_decision_tree_first_and_lists_every_cause_with_its_badge() {
    let html = page("index.html");
    let emergency = html
        .find("class=\"emergency-callout\"")
        .expect("emergency callout");
    let main = html.find("<main").unwrap();
    let (start, start_tag) = tags(&html[main..])
        .into_iter()
        .find(|(name, tag)| {
            name == "a" && attr(tag, "class").is_some_and(|c| c.contains("button--primary"))
        })
        .map(|(_, tag)| (main + html[main..].find(tag).unwrap(), tag))
        .expect("a primary button in main");
    assert_eq!(
        attr(start_tag, "href"),
        Some("./decision-tree/"),
        "the primary button goes to the decision tree: {start_tag}"
    );
    assert!(
        !html[main..start].contains("<h2"),
        "the decision tree is offered before any section"
    );
    assert!(
        emergency < start,
        "the emergency number comes before the tree"
    );
    for (cause, _) in cause_pages() {
        let link = format!("href=\"./{}\"", cause.url);
        let at = html
            .find(&link)
            .unwrap_or_else(|| panic!("home: no link to {}", cause.url));
        assert!(at > start, "causes come after the decision tree");
        assert!(
            badge_after(html, &link).is_some(),
            "home: no badge for {}",
            cause.url
        );
    }
}

/// Point 7: a badge states the action that fits the page and the tree, never a lower one.
#[test]
fn badges_never_say_less_than_the_cause_or_the_tree() {
    let site = &built().site;
    let home = page("index.html");
    for (cause, meta) in cause_pages() {
        let expected = expected_badge(site, &cause.id, meta.min_urgency);
        let path = format!("{}index.html", cause.url);
        let link = format!("href=\"./{}\"", cause.url);
        assert_eq!(
            badge_after(home, &link).as_deref(),
            Some(expected.as_str()),
            "home: badge of {}",
            cause.id
        );
        assert_eq!(
            cause_page_badge(page(&path)),
            expected.as_str(),
            "{path}: badge"
        );
    }
}

#[test]
fn badges_are_raised_by_the_least_urgent_tree_outcome_naming_the_cause() {
    let (_, files) = fixture();
    let home = fixture_page("index.html");
    // cyst: self_care floor, named by o-cyst (routine) and o-clot (urgent) -> See a doctor.
    // clot: urgent floor, named by o-emergency and o-clot -> Same day.
    // sprain, growing: named only by self-care outcomes -> Self-care.
    for (id, level, words) in [
        ("cyst", "routine", "See a doctor"),
        ("clot", "urgent", "Same day"),
        ("sprain", "self_care", "Self-care"),
        ("growing", "self_care", "Self-care"),
    ] {
        let link = format!("href=\"./causes/{id}/\"");
        assert_eq!(
            badge_after(home, &link).as_deref(),
            Some(level),
            "home: {id}"
        );
        let cause = fixture_page(&format!("causes/{id}/index.html"));
        assert_eq!(cause_page_badge(cause), level, "{id}");
        let meta = &cause[cause.find("class=\"cause-meta\"").unwrap()..];
        assert!(
            meta[..meta.find("</p>").unwrap()].contains(words),
            "{id}: badge does not say {words}"
        );
    }
    assert!(files.contains_key("causes/cyst/index.html"));
}

#[test]
fn every_page_weighs_less_than_40_kb_with_its_css_and_js() {
    let files = &built().files;
    for (path, html) in pages() {
        let mut weight = html.len();
        for (name, tag) in tags(html) {
            let href = match name.as_str() {
                "link" if attr(tag, "rel") == Some("stylesheet") => attr(tag, "href"),
                "script" => attr(tag, "src"),
                _ => None,
            };
            if let Some(href) = href {
                weight += files.get(&target(path, href)).map_or(0, Vec::len);
            }
        }
        assert!(
            weight < PAGE_WEIGHT_LIMIT,
            "{path}: {weight} bytes of HTML, CSS and JS"
        );
    }
}

/// Point 9: until a clinician's review is recorded, every page says plainly that there was none.
#[test]
fn disclaimer_says_no_clinician_reviewed_the_page_unless_one_is_recorded() {
    for (path, html) in pages() {
        let edition = edition_of(path);
        let content = &edition.content;
        let text = disclaimer(html);
        let page = content
            .pages
            .iter()
            .find(|p| format!("{}index.html", p.url) == path);
        let tree_review = content.tree().and_then(|(_, m)| m.reviewed_by.as_ref());
        let reviewed_by = match page {
            Some(p) => match &p.meta {
                Meta::Home(m) | Meta::Plain(m) => m.reviewed_by.as_ref(),
                Meta::Cause(m) => m.reviewed_by.as_ref(),
                Meta::Tree(m) => m.reviewed_by.as_ref(),
            },
            None if path.starts_with(&format!("{}decision-tree/", edition.config.prefix)) => {
                tree_review
            }
            None => None,
        };
        match reviewed_by {
            Some(review) => assert!(text.contains(&review.name), "{path}: reviewer"),
            None => {
                assert!(
                    text.contains(&edition.strings.disclaimer.not_reviewed),
                    "{path}: the disclaimer does not say that no clinician reviewed the page: {text}"
                );
                let reviewed_by = edition
                    .strings
                    .disclaimer
                    .reviewed_by
                    .split('{')
                    .next()
                    .unwrap();
                assert!(!text.contains(reviewed_by.trim()), "{path}");
            }
        }
    }
    // The fixture has pages with and without a review.
    for path in [
        "first-aid/index.html",
        "causes/sprain/index.html",
        "404.html",
    ] {
        let text = disclaimer(fixture_page(path));
        assert!(text.contains(NOT_REVIEWED), "fixture {path}: {text}");
        assert!(!text.contains("Reviewed by"), "fixture {path}");
    }
    for (path, who) in [
        (
            "about/index.html",
            "Reviewed by Dr A. Example, General practitioner, on <time datetime=\"2026-02-03\">3 February 2026</time>.",
        ),
        (
            "causes/cyst/index.html",
            "Reviewed by Dr B. Example, Orthopaedic surgeon, on <time datetime=\"2026-03-04\">4 March 2026</time>.",
        ),
    ] {
        let html = fixture_page(path);
        let text = disclaimer(html);
        assert!(text.contains(who), "fixture {path}: {text}");
        assert!(!text.contains(NOT_REVIEWED), "fixture {path}");
        let ld = &json_ld(html)[0];
        assert_eq!(ld["reviewedBy"]["@type"], "Person", "fixture {path}");
        assert!(ld["lastReviewed"].is_string(), "fixture {path}");
    }
    let ld = &json_ld(fixture_page("first-aid/index.html"))[0];
    assert!(ld.get("lastReviewed").is_none() && ld.get("reviewedBy").is_none());
}

#[test]
fn a_review_dated_after_today_or_naming_nobody_is_a_located_error() {
    let Err(diagnostics) = build_fixture(Some("future-review")) else {
        panic!("a review dated tomorrow builds");
    };
    let found: Vec<(&str, String)> = diagnostics
        .iter()
        .filter(|d| d.severity == kneeguide::diagnostics::Severity::Error)
        .map(|d| {
            let at = d.location.as_ref().map_or(String::new(), |l| {
                format!("{}:{}:{}", l.file.display(), l.line, l.column)
            });
            (d.code, format!("{at} {}", d.message))
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "E052",
                "content/causes/cyst.md:13:44 reviewed_by role is empty".to_owned()
            ),
            (
                "E051",
                "content/causes/cyst.md:13:54 reviewed_by date 2026-12-02 is in the future (today is 2026-12-01)"
                    .to_owned()
            ),
        ]
    );
}

/// Point 9: 116117 works in Germany only; wherever the theme prints it, it says so.
#[test]
fn the_urgent_number_is_shown_with_where_it_works() {
    for (path, html) in pages() {
        let config = &edition_of(path).config;
        let (Some(number), Some(region)) = (&config.urgent_number, &config.urgent_number_region)
        else {
            panic!("site.yaml sets urgent_number and urgent_number_region");
        };
        let link = format!(">{number}</a>");
        for (at, _) in html.match_indices(&format!("href=\"tel:{number}\"")) {
            let after = &html[at..];
            let end = after.find(&link).expect("the link closes") + link.len();
            assert!(
                after[end..].starts_with(&format!(" (in {region})")),
                "{path}: {number} without `(in {region})`"
            );
        }
    }
}

/// Service names are written once in site.yaml and filled into every text.
#[test]
fn service_names_fill_their_placeholders_in_bodies_and_tree_texts() {
    let home = unescape(fixture_page("index.html"));
    assert!(home.contains("go to the emergency department (in Germany the Notaufnahme)."));
    assert!(
        home.contains(
            "needs\na children's emergency department (in Germany the Kinder-Notaufnahme)."
        )
    );
    let hot_knee = unescape(fixture_page("decision-tree/outcome/o-hot-knee/index.html"));
    assert!(hot_knee.contains(
        "Go to a children's emergency department (in Germany the Kinder-Notaufnahme) now"
    ));
    let sprain = unescape(fixture_page("decision-tree/outcome/o-sprain/index.html"));
    assert!(sprain.contains("go to the emergency department (in Germany the Notaufnahme)."));
}

/// Issue 14 point 1: the care-card lines of cause pages name the services from site.yaml, and
/// no page of the guide (JSON-LD included) shows a placeholder unfilled.
#[test]
fn cause_front_matter_fills_its_placeholders_and_no_page_shows_one_raw() {
    let injury = unescape(page("causes/knee-injury/index.html"));
    assert!(injury.contains(
        "go to the emergency department (in Germany the Notaufnahme), as a bone may be broken"
    ));
    let overuse = unescape(page("causes/overuse/index.html"));
    assert!(overuse.contains(
        "you cannot put weight on the leg: go to the emergency department (in Germany the Notaufnahme)"
    ));
    let slipped = unescape(page("causes/epiphysiolysis/index.html"));
    assert!(
        slipped.contains(
            "go to a children's emergency department (in Germany the Kinder-Notaufnahme)"
        )
    );
    for (path, html) in pages() {
        for name in kneeguide::placeholders::PLACEHOLDERS {
            assert!(
                !html.contains(&format!("{{{name}}}")),
                "{path} shows {{{name}}} unfilled"
            );
        }
    }
}

/// Point 9: pages that have sources list them (the about page says every page does).
#[test]
fn home_and_tree_pages_list_their_sources_when_they_have_any() {
    for content_page in &built().site.main().content.pages {
        let sources = match &content_page.meta {
            Meta::Home(m) | Meta::Plain(m) => &m.sources,
            Meta::Cause(m) => &m.sources,
            Meta::Tree(m) => &m.sources,
        };
        let path = format!("{}index.html", content_page.url);
        let html = page(&path);
        for source in sources {
            assert!(
                section(html, "sources").is_some_and(|s| unescape(s).contains(&source.title)),
                "{path}: source `{}` not listed",
                source.title
            );
        }
    }
    // The tree's step pages list the tree's sources.
    if let Some((_, tree)) = built().site.main().content.tree() {
        for (path, html) in pages() {
            if path.starts_with("decision-tree/") {
                for source in &tree.sources {
                    assert!(
                        section(html, "sources")
                            .is_some_and(|s| unescape(s).contains(&source.title)),
                        "{path}: the tree's source `{}` not listed",
                        source.title
                    );
                }
            }
        }
    }
    let home = fixture_page("index.html");
    let sources = section(home, "sources").expect("fixture home: a sources section");
    assert!(sources.contains("href=\"https://www.nhs.uk/conditions/knee-pain/\""));
    // A page without sources has no empty Sources heading.
    assert!(section(fixture_page("first-aid/index.html"), "sources").is_none());
}

/// The `<section class="care-card ...">` elements of `html` in order: (level, text).
fn care_cards(html: &str) -> Vec<(String, String)> {
    let class = "<section class=\"care-card care-card--";
    html.match_indices(class)
        .map(|(at, _)| {
            let level_start = at + class.len();
            let level_end = html[level_start..].find('"').unwrap() + level_start;
            let end = html[at..].find("</section>").unwrap() + at;
            (
                html[level_start..level_end].to_owned(),
                unescape(&html[at..end]),
            )
        })
        .collect()
}

/// Point 5 and 6: every tree outcome is the shared care card, followed by its safety net in the
/// same cards as on cause pages (hidden prefix, tel: button, "Do not drive yourself").
#[test]
fn outcome_pages_show_their_safety_net_in_the_cause_pages_cards() {
    let site = &built().site;
    let tree = site
        .main()
        .tree
        .as_ref()
        .expect("the guide has a decision tree");
    let config = &site.main().config;
    for (index, outcome) in tree.outcomes.iter().enumerate() {
        let path = format!("{}index.html", tree.outcome_url(index));
        let Some(bytes) = built().files.get(&path) else {
            continue; // an outcome no path reaches has no page (and is an error elsewhere)
        };
        let html = std::str::from_utf8(bytes).unwrap();
        let cards = care_cards(html);
        let (level, main) = &cards[0];
        assert_eq!(level, outcome.urgency.as_str(), "{path}: the result card");
        assert!(main.contains("id=\"dt-result\""), "{path}: the h1 card");
        assert!(main.contains(&outcome.heading), "{path}: heading");
        let mut expected = Vec::new();
        if !outcome.safety_net.emergency.is_empty() {
            expected.push(("emergency", &outcome.safety_net.emergency));
        }
        if !outcome.safety_net.urgent.is_empty() {
            expected.push(("urgent", &outcome.safety_net.urgent));
        }
        assert_eq!(
            cards.len(),
            1 + expected.len(),
            "{path}: one card for the result and one per safety-net list"
        );
        for ((level, lines), (found_level, card)) in expected.iter().zip(&cards[1..]) {
            assert_eq!(level, found_level, "{path}: safety-net cards in order");
            for line in lines.iter() {
                assert!(card.contains(line.as_str()), "{path}: `{line}`");
            }
            if *level == "emergency" {
                assert!(card.contains("<span class=\"visually-hidden\">Emergency: </span>"));
                assert!(card.contains(&format!("Call {} now if:", config.emergency_number)));
                assert!(card.contains("Do not drive yourself"), "{path}");
                assert!(card.contains("class=\"button button--emergency\" href=\"tel:"));
            } else {
                assert!(card.contains("<span class=\"visually-hidden\">Urgent advice: </span>"));
                assert!(card.contains("Get medical help today if:"), "{path}");
                assert!(card.contains(&config.urgent_help), "{path}");
            }
        }
        for link in &outcome.pages {
            assert!(
                html.contains(&format!("href=\"../../../{}\"", link.url)),
                "{path}: no link to {}",
                link.url
            );
        }
    }
}

#[test]
fn fixture_outcome_pages_have_safety_nets_links_sources_and_the_trees_review() {
    let html = fixture_page("decision-tree/no/adult/none/twist/index.html");
    let cards = care_cards(html);
    let levels: Vec<&str> = cards.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(levels, ["self_care", "emergency", "urgent"]);
    assert!(cards[1].1.contains("the leg looks bent or out of shape"));
    assert!(
        cards[2]
            .1
            .contains("the calf swells up after resting the leg")
    );
    // The urgent card is word for word the cause page's: compare the parts after the list.
    let cyst = care_cards(fixture_page("causes/cyst/index.html"));
    let tail = |card: &str| card[card.find("</ul>").unwrap()..].to_owned();
    assert_eq!(
        tail(&cards[1].1),
        tail(&cyst[0].1),
        "emergency card drifted"
    );
    assert_eq!(tail(&cards[2].1), tail(&cyst[1].1), "urgent card drifted");
    // An urgent result offers the urgent number only when its text sends the reader to that
    // service, never under "go to the emergency department".
    let clot = care_cards(fixture_page("decision-tree/outcome/o-clot/index.html"));
    assert!(clot[0].1.contains("Contact your doctor today."));
    assert!(
        clot[0].1.contains(
            "You can call <a href=\"tel:116117\" data-dt-ignore>116117</a> (in Germany)."
        )
    );
    let hot_knee = care_cards(fixture_page("decision-tree/outcome/o-hot-knee/index.html"));
    assert!(hot_knee[0].1.contains("children's emergency department"));
    assert!(!hot_knee[0].1.contains("tel:116117"), "{}", hot_knee[0].1);
    // Read next: the outcome's pages.
    let read_next = section(html, "dt-read-next").expect("a Read next section");
    assert!(read_next.contains("href=\"../../../../../first-aid/\""));
    assert!(read_next.contains(">First aid</a>"));
    // The tree's sources and reviewer on every step page.
    for path in [
        "decision-tree/index.html",
        "decision-tree/start/index.html",
        "decision-tree/no/adult/none/twist/index.html",
        "decision-tree/outcome/o-sprain/index.html",
    ] {
        let html = fixture_page(path);
        let sources = section(html, "sources").unwrap_or_else(|| panic!("{path}: no sources"));
        assert!(sources.contains("Deep vein thrombosis"), "{path}");
        assert!(
            disclaimer(html).contains("Reviewed by Dr C. Example, Emergency physician"),
            "{path}: the tree's reviewer"
        );
    }
}

/// A cause page shows one set of answers per tree result that names it, not every path: the page
/// must not grow with the tree.
#[test]
fn cause_pages_show_one_path_per_tree_result() {
    let tree = built()
        .site
        .main()
        .tree
        .as_ref()
        .expect("the guide has a decision tree");
    for (cause, _) in cause_pages() {
        let html = page(&format!("{}index.html", cause.url));
        let Some(section) = section(html, "decision-tree") else {
            continue;
        };
        let results = tree
            .outcomes
            .iter()
            .filter(|o| o.causes.iter().any(|c| c.id == cause.id))
            .count();
        let shown = section
            .matches("See this result in the decision tree")
            .count();
        assert!(
            shown <= results,
            "{}: {shown} paths shown for {results} results",
            cause.id
        );
    }
}

/// Point 9: the about page's claim that every page lists its sources must be true of the built
/// site. Only 404.html, which is not a page of the guide, has none.
#[test]
fn every_page_lists_its_sources_as_the_about_page_says() {
    let about = unescape(page("about/index.html"));
    if !about.contains("lists its sources") {
        return;
    }
    for (path, html) in pages() {
        if path == "404.html" {
            continue;
        }
        let sources = section(html, "sources").unwrap_or_else(|| panic!("{path}: no sources"));
        assert!(sources.contains("<li"), "{path}: an empty list of sources");
    }
}

/// The whole HTML of one page of each kind, on the fixture site with the real theme: a change to
/// any template or to the words of the strings file shows here as a diff to review
/// (`cargo insta review`), not only where a targeted assertion happens to look.
#[test]
fn the_theme_renders_each_kind_of_page_as_reviewed() {
    let files = &fixture().1;
    let outcome = files
        .keys()
        .find(|path| path.starts_with("decision-tree/outcome/") && path.ends_with("index.html"))
        .expect("the fixture tree has an outcome page");
    for path in [
        "index.html",
        "causes/clot/index.html",
        "decision-tree/start/index.html",
        outcome.as_str(),
    ] {
        let name = match path.strip_suffix("/index.html") {
            Some(folder) => folder.replace('/', "-"),
            None => "home".to_owned(),
        };
        insta::assert_snapshot!(format!("html-{name}"), fixture_page(path));
    }
}
