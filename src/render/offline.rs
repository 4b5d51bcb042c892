//! Offline after one visit: the theme's service worker (`templates/sw.js`) is rendered after every
//! other file, with the list of everything the build wrote and a version made from their bytes.
//! It is written as `sw.js` at the site root, so its scope is the whole site, and its bytes change
//! whenever any file of the site changes: that is how browsers notice a new build.

use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::{Theme, template_error};
use crate::diagnostics::Diagnostic;
use crate::output::Sink;

/// The theme template that becomes the service worker; a theme without it has no offline mode.
pub const SERVICE_WORKER_TEMPLATE: &str = "sw.js";
/// Where the service worker is written: the root, so that its scope is the whole site.
pub const SERVICE_WORKER_PATH: &str = "sw.js";

/// A sink that passes every file on and remembers its path and a hash of its bytes (cheap next to
/// rendering: about 1% of a 10,000-page build).
pub struct Recorder<'a> {
    inner: &'a dyn Sink,
    seen: Mutex<Vec<(String, [u8; 32])>>,
}

impl<'a> Recorder<'a> {
    pub fn new(inner: &'a dyn Sink) -> Self {
        Recorder {
            inner,
            seen: Mutex::new(Vec::new()),
        }
    }

    /// What the offline cache holds: every written file as the URL readers use (`causes/dvt/`
    /// for `causes/dvt/index.html`), sorted, and a version that changes with any file's bytes.
    pub fn precache(self) -> Precache {
        let mut seen = self.seen.into_inner().unwrap_or_else(|p| p.into_inner());
        seen.sort();
        let mut version = Sha256::new();
        let mut urls = Vec::with_capacity(seen.len());
        let files = seen.iter().map(|(path, _)| path.clone()).collect();
        for (path, hash) in &seen {
            version.update(path.as_bytes());
            version.update(hash);
            // Build-internal files and the 404 page (served at any address) are not pages to keep.
            if path == "404.html" || path.starts_with('.') {
                continue;
            }
            let url = match path.strip_suffix("index.html") {
                Some(folder) => folder.to_owned(),
                None => path.clone(),
            };
            urls.push(url);
        }
        let version = version.finalize();
        Precache {
            version: version.iter().take(8).map(|b| format!("{b:02x}")).collect(),
            urls,
            files,
        }
    }
}

impl Sink for Recorder<'_> {
    fn put(&self, path: &str, bytes: Vec<u8>) -> std::io::Result<()> {
        let hash: [u8; 32] = Sha256::digest(&bytes).into();
        self.inner.put_hashed(path, bytes, hash)?;
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((path.to_owned(), hash));
        Ok(())
    }

    /// A file kept from the last build is recorded with the hash the build recorded then.
    fn reuse(
        &self,
        path: &str,
        template: &str,
        source: Option<&std::path::Path>,
    ) -> std::io::Result<Option<[u8; 32]>> {
        let kept = self.inner.reuse(path, template, source)?;
        if let Some(hash) = kept {
            self.seen
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((path.to_owned(), hash));
        }
        Ok(kept)
    }
}

/// The template's data: `precache.version` and `precache.urls` (relative to the site root).
#[derive(Debug, serde::Serialize)]
pub struct Precache {
    pub version: String,
    pub urls: Vec<String>,
    /// Every file written, as paths under the output root (for `_headers`).
    #[serde(skip)]
    pub files: Vec<String>,
}

/// The theme template for the web app manifest, written under the same name at the site root.
pub const WEB_MANIFEST: &str = "manifest.webmanifest";

/// The web app manifest (name, icons, colours) that lets a reader install the guide, when the
/// theme has one: rendered with the site-wide context only.
pub fn web_manifest(theme: &Theme, prefix: &str) -> Option<Result<super::OutputFile, Diagnostic>> {
    if !theme.has_template(WEB_MANIFEST) {
        return None;
    }
    // One manifest per language, in its folder (`de/manifest.webmanifest` starts the installed
    // guide at `de/`); `root` leads from there back to the shared icons.
    let mut context = tera::Context::new();
    context.insert("root", &crate::content::root_prefix(prefix));
    let rendered = theme
        .tera
        .render(WEB_MANIFEST, &context)
        .map_err(|error| template_error(&error, &theme.sources, None))
        .map(|json| (format!("{prefix}{WEB_MANIFEST}"), json.into_bytes()));
    Some(rendered)
}

/// Renders the theme's service worker with `precache` and writes it at the site root.
pub fn write_service_worker(
    theme: &Theme,
    precache: Precache,
    sink: &dyn Sink,
) -> Result<(), Diagnostic> {
    let mut context = tera::Context::new();
    context.insert("precache", &precache);
    let js = theme
        .tera
        .render(SERVICE_WORKER_TEMPLATE, &context)
        .map_err(|error| template_error(&error, &theme.sources, None))?;
    sink.put(SERVICE_WORKER_PATH, js.into_bytes())
        .map_err(|error| {
            Diagnostic::error(
                "E032",
                format!("cannot write {SERVICE_WORKER_PATH}: {error}"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::MemorySink;

    #[test]
    fn pages_become_folder_urls_and_the_version_follows_the_bytes() {
        let precache = |files: &[(&str, &str)]| {
            let sink = MemorySink::default();
            let recorder = Recorder::new(&sink);
            for (path, text) in files {
                recorder.put(path, text.as_bytes().to_vec()).unwrap();
            }
            recorder.precache()
        };
        let one = precache(&[
            ("index.html", "home"),
            ("causes/dvt/index.html", "dvt"),
            ("css/site.1234567890.css", "css"),
            ("404.html", "missing"),
        ]);
        assert_eq!(one.urls, ["causes/dvt/", "css/site.1234567890.css", ""]);
        assert_eq!(one.version.len(), 16);
        // The same files in another order: the same version.
        let again = precache(&[
            ("404.html", "missing"),
            ("css/site.1234567890.css", "css"),
            ("causes/dvt/index.html", "dvt"),
            ("index.html", "home"),
        ]);
        assert_eq!(one.version, again.version);
        // One byte changed anywhere, even in a file not precached: a new version.
        let changed = precache(&[
            ("index.html", "home"),
            ("causes/dvt/index.html", "dvt"),
            ("css/site.1234567890.css", "css"),
            ("404.html", "missing!"),
        ]);
        assert_ne!(one.version, changed.version);
    }
}
