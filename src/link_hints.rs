//! Hints for links that do not resolve: each suggests a link that works from the page it is on,
//! written the way links are written in content (a Markdown file, relative to this one).

use std::collections::HashMap;

use crate::config::SiteConfig;
use crate::diagnostics::nearest;

/// The link from content file `from` to content file `to`: `causes/dvt.md` -> `first-aid.md`
/// gives `../first-aid.md`.
pub fn relative_path(from: &str, to: &str) -> String {
    let from_dirs: Vec<&str> = from.split('/').collect();
    let from_dirs = &from_dirs[..from_dirs.len() - 1];
    let to_parts: Vec<&str> = to.split('/').collect();
    let (to_dirs, file) = to_parts.split_at(to_parts.len() - 1);
    let common = from_dirs
        .iter()
        .zip(to_dirs)
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<&str> = vec![".."; from_dirs.len() - common];
    parts.extend(&to_dirs[common..]);
    parts.extend(file);
    parts.join("/")
}

/// For a broken link to `target` (a content path that is no page): the page meant, as a link from
/// `from`. A page with the same file name elsewhere wins over one with a similar path.
pub fn broken_link_help(from: &str, target: &str, urls: &HashMap<String, String>) -> String {
    let name = target.rsplit('/').next().unwrap_or(target);
    let mut same_name: Vec<&str> = urls
        .keys()
        .map(String::as_str)
        .filter(|path| path.rsplit('/').next() == Some(name))
        .collect();
    same_name.sort_unstable();
    let meant = same_name
        .first()
        .copied()
        .or_else(|| nearest(target, urls.keys().map(String::as_str)));
    match meant {
        Some(path) => format!(
            "did you mean `{}` (content/{path})? Links are relative to this file; draft pages only exist with --drafts",
            relative_path(from, path)
        ),
        None => format!(
            "check the file name; links are relative to this file, e.g. `{}` (draft pages only exist with --drafts)",
            example_link(from, urls)
        ),
    }
}

/// For a link that is not a Markdown file: the page a site-absolute address such as
/// `/first-aid/` shows, as a link from `from`, or else a link that works as an example.
pub fn unsupported_link_help(
    from: &str,
    dest: &str,
    urls: &HashMap<String, String>,
    config: Option<&SiteConfig>,
) -> String {
    if let Some(address) = dest.strip_prefix('/') {
        let base_path = config.map_or("/", SiteConfig::base_path);
        let address = address
            .strip_prefix(base_path.trim_start_matches('/'))
            .filter(|_| base_path != "/")
            .unwrap_or(address);
        if let Some(link) = link_for_address(from, address, urls) {
            return format!("link the page's Markdown file, relative to this one: `{link}`");
        }
    }
    format!(
        "link to another page by its Markdown file, relative to this one (e.g. `{}`), or use a full https:// address",
        example_link(from, urls)
    )
}

/// A full link to the site's own address (`https://…/first-aid/`) that shows a page: the
/// relative Markdown link to write instead.
pub fn own_site_link(
    from: &str,
    dest: &str,
    urls: &HashMap<String, String>,
    config: Option<&SiteConfig>,
) -> Option<String> {
    let without_scheme = |url: &str| {
        url.strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .map(str::to_owned)
    };
    let base = without_scheme(&config?.base_url)?;
    let link = without_scheme(dest)?;
    let address = if format!("{link}/") == base {
        ""
    } else {
        link.strip_prefix(base.as_str())?
    };
    link_for_address(from, address, urls)
}

/// `first-aid/#ice` (root-relative, as a reader's browser shows it) -> `../first-aid.md#ice`.
fn link_for_address(from: &str, address: &str, urls: &HashMap<String, String>) -> Option<String> {
    let (path, anchor) = match address.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor)),
        None => (address, None),
    };
    let path = path.split('?').next().unwrap_or(path);
    let path = path.strip_suffix("index.html").unwrap_or(path);
    let path = if path.is_empty() || path.ends_with('/') {
        path.to_owned()
    } else {
        format!("{path}/")
    };
    let (content_path, _) = urls.iter().find(|(_, url)| **url == path)?;
    let mut link = relative_path(from, content_path);
    if let Some(anchor) = anchor {
        link.push('#');
        link.push_str(anchor);
    }
    Some(link)
}

/// A link from `from` to a page that exists, for hints: the home page if the site has one.
fn example_link(from: &str, urls: &HashMap<String, String>) -> String {
    let mut pages: Vec<&str> = urls
        .keys()
        .map(String::as_str)
        .filter(|path| *path != from)
        .collect();
    pages.sort_unstable_by_key(|path| (path.contains('/'), *path));
    let target = pages.first().copied().unwrap_or("_index.md");
    relative_path(from, target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls() -> HashMap<String, String> {
        [
            ("_index.md", ""),
            ("first-aid.md", "first-aid/"),
            ("causes/dvt.md", "causes/dvt/"),
            ("causes/bakers-cyst.md", "causes/bakers-cyst/"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect()
    }

    #[test]
    fn relative_paths_climb_and_descend() {
        assert_eq!(
            relative_path("causes/dvt.md", "first-aid.md"),
            "../first-aid.md"
        );
        assert_eq!(
            relative_path("first-aid.md", "causes/dvt.md"),
            "causes/dvt.md"
        );
        assert_eq!(
            relative_path("causes/dvt.md", "causes/bakers-cyst.md"),
            "bakers-cyst.md"
        );
        assert_eq!(relative_path("a/b/c.md", "a/d/e.md"), "../d/e.md");
    }

    #[test]
    fn site_addresses_become_markdown_links() {
        let urls = urls();
        assert_eq!(
            link_for_address("causes/dvt.md", "first-aid/#ice", &urls).as_deref(),
            Some("../first-aid.md#ice")
        );
        assert_eq!(
            link_for_address("first-aid.md", "causes/dvt", &urls).as_deref(),
            Some("causes/dvt.md")
        );
        assert_eq!(link_for_address("first-aid.md", "nowhere/", &urls), None);
    }

    #[test]
    fn the_example_link_exists() {
        assert_eq!(example_link("causes/dvt.md", &urls()), "../_index.md");
    }
}
