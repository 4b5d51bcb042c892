//! Entry points for the fuzz targets (`fuzz/`) and the property tests (`tests/testsuite/properties.rs`):
//! each runs one stage on arbitrary input the way a build does. Whatever the input, they must
//! return (an error is a fine answer): never panic, never hang.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::SiteConfig;
use crate::content::meta::{CauseMeta, PlainMeta};
use crate::content::rendered::Rendered;
use crate::content::tree_meta::TreeMeta;
use crate::content::{Content, Meta, Page};
use crate::diagnostics::SourceFile;
use crate::markdown::LinkContext;
use crate::yaml;

/// Splits `text` as a content file and parses its front matter as each kind of page.
pub fn front_matter(text: &str) {
    let file = SourceFile::new(PathBuf::from("content/fuzz.md"), text.to_owned());
    let Ok(parts) = yaml::split(&file) else {
        return;
    };
    let _ = yaml::parse::<PlainMeta>(&file, parts.yaml.clone()).map_err(|e| e.to_string());
    let _ = yaml::parse::<CauseMeta>(&file, parts.yaml.clone()).map_err(|e| e.to_string());
    let _ = yaml::parse::<TreeMeta>(&file, parts.yaml).map_err(|e| e.to_string());
}

/// Renders `body` as a page at `content/fuzz.md` of a small site (heading ids, footnotes,
/// placeholders, links to other pages and their anchors).
pub fn markdown(body: &str, config: Option<&SiteConfig>) {
    let urls: HashMap<String, String> = [
        ("_index.md", ""),
        ("fuzz.md", "fuzz/"),
        ("about.md", "about/"),
        ("causes/cyst.md", "causes/cyst/"),
    ]
    .iter()
    .map(|(path, url)| ((*path).to_owned(), (*url).to_owned()))
    .collect();
    let failed = HashSet::from(["broken.md".to_owned()]);
    let reserved = HashSet::from(["symptoms".to_owned(), "main".to_owned()]);
    let links = LinkContext {
        content_path: "fuzz.md",
        root: "../",
        urls: &urls,
        failed: &failed,
        drafts: &HashMap::new(),
        config,
        reserved_ids: &reserved,
        untranslated: &Default::default(),
        words: &Default::default(),
    };
    let (rendered, errors) = crate::markdown::render(body, &links);
    // Locating errors and anchor links re-reads the body: part of what a failing build does.
    let mut spots: Vec<crate::markdown::Spot> = errors.iter().map(|error| error.spot).collect();
    spots.extend(
        rendered
            .anchor_links
            .iter()
            .map(|link| crate::markdown::Spot::Link(link.link_index)),
    );
    let _ = crate::markdown::spot_offsets(body, &spots);
}

/// Parses `site_yaml` (`None` when it does not parse).
pub fn site_config(site_yaml: &str) -> Option<SiteConfig> {
    let file = SourceFile::new(PathBuf::from("site.yaml"), site_yaml.to_owned());
    yaml::parse(&file, 0..file.text.len()).ok()
}

/// Compiles `tree_file` (a whole `content/decision-tree.md`) against `causes`
/// (`(id, file text)`), and writes its JSON and path list, as a build does. Returns the errors
/// found (empty when the tree compiled), `None` when the files do not even parse.
pub fn tree(tree_file: &str, causes: &[(&str, &str)], config: &SiteConfig) -> Option<Vec<String>> {
    let mut content = Content::default();
    let tree = page(
        "decision-tree.md",
        "decision-tree",
        crate::content::TREE_URL,
        tree_file,
    )?;
    content.pages.push(tree);
    for (id, text) in causes {
        let path = format!("causes/{id}.md");
        if let Some(cause) = page(&path, id, &format!("causes/{id}/"), text) {
            content.pages.push(cause);
        }
    }
    content.index_paths();
    let mut found = Vec::new();
    // No safety-cases file beside the tree (a W010): the tree alone is what is fuzzed.
    let root = std::path::Path::new("/nonexistent/kneeguide-fuzzing");
    if let Some(tree) = crate::decision_tree::compile(&content, config, root, &mut found) {
        let _ = tree.files();
        let _ = tree.paths_text();
        let _ = tree.page_urls();
        // The default theme's words: fuzzing looks at the tree, not at a theme.
        let strings: crate::theme_config::Strings =
            serde_yaml::from_str(include_str!("../themes/default/strings/en.yaml"))
                .expect("the default theme's strings parse");
        let _ = tree.jobs(config, &strings);
    }
    Some(found.iter().map(ToString::to_string).collect())
}

fn page(content_path: &str, id: &str, url: &str, text: &str) -> Option<Page> {
    let file = SourceFile::new(PathBuf::from("content").join(content_path), text.to_owned());
    let parts = yaml::split(&file).ok()?;
    let meta = if content_path.starts_with("causes/") {
        Meta::Cause(Box::new(yaml::parse(&file, parts.yaml.clone()).ok()?))
    } else {
        Meta::Tree(Box::new(yaml::parse(&file, parts.yaml.clone()).ok()?))
    };
    Some(Page {
        file: Arc::clone(&file),
        content_path: content_path.to_owned(),
        parts,
        meta,
        id: id.to_owned(),
        url: url.to_owned(),
        rendered: Rendered::default(),
        untranslated: false,
    })
}

/// Parses `head` as the preview server does, and routes its path.
pub fn request(head: &[u8]) {
    if let Some(request) = crate::serve::http::Request::parse(head) {
        let _ = crate::serve::http::route(request.path_only());
        if let Some(host) = &request.host {
            let rule = crate::serve::http::HostRule::new(([127, 0, 0, 1], 4400).into());
            let _ = rule.allows(host);
        }
    }
}
