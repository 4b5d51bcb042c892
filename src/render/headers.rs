//! `_headers`: the site's HTTP policy for hosts that read that file (Netlify, Cloudflare Pages),
//! written from the list of files the build wrote. The same policy is given for nginx, Apache and
//! S3 with CloudFront in the README.
//!
//! Cache rules never overlap: Netlify lets a later matching rule replace a header, Cloudflare
//! joins the values of every matching rule with commas, so a `/*` rule with `Cache-Control`
//! would give hashed assets two contradicting values on one host. Security headers go on `/*`;
//! `Cache-Control` goes on each top-level folder or file by what it holds.

use std::collections::BTreeMap;

/// The Content-Security-Policy every page is built to satisfy: no inline script or style, nothing
/// from another origin. Also sent by `serve`, and put in each page's `<meta>` by the theme.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'";

/// Security headers for every response.
pub const SECURITY_HEADERS: [(&str, &str); 4] = [
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    // Readers follow links to health services and sources: those need not learn which page of
    // a guide about a health problem the reader came from.
    ("Referrer-Policy", "no-referrer"),
    (
        "Permissions-Policy",
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    ),
];

/// Files whose names carry a content hash never change: cache them for a year.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Pages, the service worker and everything else whose name stays the same: ask every time.
pub const REVALIDATE: &str = "public, max-age=0, must-revalidate";

/// `_headers` for a site published at `base_path` (`/` or `/knee/`) whose output holds `files`
/// (paths relative to the output root).
pub fn netlify_headers<'a>(base_path: &str, files: impl IntoIterator<Item = &'a str>) -> String {
    // Top-level entry -> whether everything under it has a hashed name.
    let mut entries: BTreeMap<(&str, bool), bool> = BTreeMap::new();
    for path in files {
        if path.starts_with('.') || path == "_headers" {
            continue;
        }
        let (top, is_folder) = match path.split_once('/') {
            Some((folder, _)) => (folder, true),
            None => (path, false),
        };
        let hashed = is_hashed(path);
        entries
            .entry((top, is_folder))
            .and_modify(|all| *all &= hashed)
            .or_insert(hashed);
    }

    let mut out = String::from(
        "# Written by kneeguide build: the site's HTTP headers for Netlify and Cloudflare Pages.\n\
         # Turn it off with `host_headers: false` in site.yaml; the README gives the same policy\n\
         # for nginx, Apache and S3 with CloudFront.\n",
    );
    let mut rule = |pattern: &str, headers: &[(&str, &str)]| {
        out.push_str(&format!("\n{base_path}{pattern}\n"));
        for (name, value) in headers {
            out.push_str(&format!("  {name}: {value}\n"));
        }
    };
    rule("*", &SECURITY_HEADERS);
    rule("", &[("Cache-Control", REVALIDATE)]);
    for ((top, is_folder), all_hashed) in entries {
        let cache = if all_hashed { IMMUTABLE } else { REVALIDATE };
        if is_folder {
            rule(&format!("{top}/*"), &[("Cache-Control", cache)]);
        } else if top != "index.html" {
            rule(top, &[("Cache-Control", cache)]);
        }
    }
    out
}

/// `site.3f9a01c2b4.css`: a name that changes whenever the bytes do (see the theme loader).
fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let mut parts = name.rsplit('.');
    let (Some(_extension), Some(hash), Some(stem)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    !stem.is_empty() && hash.len() == 10 && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names() {
        assert!(is_hashed("css/site.3f9a01c2b4.css"));
        assert!(is_hashed("js/decision-tree.52906e96f6.js"));
        assert!(!is_hashed("sw.js"));
        assert!(!is_hashed("icons/icon-192.png"));
        assert!(!is_hashed("causes/dvt/index.html"));
        assert!(!is_hashed(".3f9a01c2b4.css"));
    }

    #[test]
    fn one_cache_rule_per_top_level_entry_under_the_base_path() {
        let files = [
            "index.html",
            "404.html",
            "sw.js",
            "causes/dvt/index.html",
            "css/site.3f9a01c2b4.css",
            "js/symptoms.0123456789.js",
            "icons/icon.svg",
            ".kneeguide-build",
        ];
        let headers = netlify_headers("/knee/", files);
        let expected = "\n/knee/*\n  Content-Security-Policy: default-src 'self'\n";
        assert!(headers.contains(expected), "{headers}");
        for (pattern, value) in [
            ("/knee/", REVALIDATE),
            ("/knee/404.html", REVALIDATE),
            ("/knee/sw.js", REVALIDATE),
            ("/knee/causes/*", REVALIDATE),
            ("/knee/css/*", IMMUTABLE),
            ("/knee/js/*", IMMUTABLE),
            ("/knee/icons/*", REVALIDATE),
        ] {
            let rule = format!("\n{pattern}\n  Cache-Control: {value}\n");
            assert!(headers.contains(&rule), "no {rule:?} in\n{headers}");
        }
        assert!(!headers.contains("kneeguide-build"));
        assert!(!headers.contains("index.html\n"));
        // No path gets two Cache-Control rules: `/*` has none.
        let star = headers
            .split("\n\n")
            .find(|r| r.starts_with("/knee/*"))
            .unwrap();
        assert!(!star.contains("Cache-Control"), "{star}");
    }
}
