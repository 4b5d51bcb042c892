//! Incremental builds: a cache beside the output (`.public.kneeguide.cache`, like the build
//! marker) lets a rebuild skip the work for pages whose inputs did not change: their Markdown is
//! not rendered again (the headings, ids and anchor links the checks need come from the cache),
//! their templates are not rendered, and their files are hard-linked from the previous output
//! without being read and compared.
//!
//! Keys (BLAKE3 fingerprints, over each page's text as an XXH3-128 fingerprint):
//!
//! - **build**: the kneeguide version and executable, the build options (root, base URL,
//!   drafts, the date review checks use, the service worker), `site.yaml` and every file under
//!   `themes/`.
//! - **edition** (one per language, in load order): the build key, the language, and for every
//!   page its paths, URL, front matter and whether it stands in for a missing translation (the
//!   decision tree's page whole, body included), the drafts left out and the files that failed.
//! - **page Markdown**: its edition's key, its paths and its whole source text. A hit restores
//!   the Markdown stage's results but the HTML, so it is taken only when the page's output
//!   files from the last build are still in place, and never for the tree's page (whose body is
//!   compiled into the tree) or a page whose body had problems (they are reported again).
//! - **site**: every edition's key, in order. Any front matter edited anywhere changes it.
//! - **output file**: the site key, its path, its template and the text of the page it comes
//!   from. A hit links the previous file when it is still the one the last build wrote (same
//!   device, inode, size and modification time), and gives the recorder its recorded SHA-256.
//!
//! - **front matter**: the page's kind (home, plain, cause) and its exact YAML text (XXH3-128).
//!   A hit gives the front matter the last build parsed, kept as JSON, which reads back several
//!   times faster than YAML parses; only what parsed is kept, and never the decision tree's.
//!
//! A body-only edit of one page changes only that page's keys: every other page is skipped.
//! Anything site-wide changes every key. If an edition's key differs after an earlier edition
//! restored Markdown (which then misses its HTML), the load is done again without the cache.
//! The cache is read only by `build`; a missing, corrupt or foreign file is ignored, and it is
//! replaced in one rename once the new site is in place.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::BuildOptions;
use crate::content::rendered::{AnchorLink, Heading, Rendered};
use crate::content::{Content, FrontMatterMemo, Meta, MetaKind, Page};
use crate::dir::{Dir, FileId};
use crate::output::{Sink, Staging};

type Hash = [u8; 32];
/// A page's source text, fingerprinted with XXH3-128: every page is hashed on every build, and
/// at 10,000 pages BLAKE3 on inputs this small cost ten times as much (about 8% of a rebuild).
/// A fingerprint only has to tell an author's edits apart, not resist forgery.
type TextHash = [u8; 16];

fn text_hash(text: &str) -> TextHash {
    xxhash_rust::xxh3::xxh3_128(text.as_bytes()).to_le_bytes()
}

const MAGIC: &[u8; 8] = b"KGCACHE\x02";

/// `.public.kneeguide.cache` beside `public/`.
pub fn cache_path(output: &Path) -> PathBuf {
    let name = output
        .file_name()
        .map_or("public".into(), |n| n.to_string_lossy());
    output.with_file_name(format!(".{name}.kneeguide.cache"))
}

#[derive(Debug, Clone)]
struct OutputEntry {
    key: Hash,
    sha256: Hash,
    /// The page file (as diagnostics show it) the output was rendered from.
    source: Option<String>,
    id: FileId,
}

/// The Markdown stage's results for one page, but the HTML.
#[derive(Debug, Clone)]
struct PageEntry {
    toc: Vec<Heading>,
    ids: Vec<String>,
    anchors: Vec<AnchorLink>,
}

/// The previous build's cache, as read.
#[derive(Default)]
struct Old {
    editions: Vec<Hash>,
    outputs: HashMap<String, OutputEntry>,
    /// Source file -> the output files rendered from it.
    by_source: HashMap<String, Vec<String>>,
    pages: HashMap<Hash, PageEntry>,
    /// Front matter, by kind and text, as JSON (see [`FrontMatterMemo`]).
    front_matter: HashMap<TextHash, String>,
}

/// The front matter this build parsed or recalled: what the next build may recall.
#[derive(Default)]
struct FrontMatter {
    recalled: Vec<TextHash>,
    parsed: Vec<(TextHash, String)>,
}

#[derive(Default)]
struct State {
    editions: Vec<Hash>,
    /// An edition's key differs from the last build's: restore nothing more.
    disabled: bool,
    restored_any: bool,
    /// Source file (as shown) -> fingerprint of its text.
    sources: HashMap<String, TextHash>,
    pages: HashMap<Hash, PageEntry>,
    /// Keys of pages whose Markdown was restored: their entries are carried over from `Old`
    /// when the cache is saved (not copied a second time here).
    restored: Vec<Hash>,
    /// Outputs of pages whose Markdown was restored: they must be kept, not rendered.
    promised: HashSet<String>,
}

/// One build's cache: the previous build's entries and this build's.
pub struct Cache {
    file: PathBuf,
    /// The previous site, open (`None` when there is none).
    output: Option<Dir>,
    build_key: Hash,
    old: Old,
    state: Mutex<State>,
    /// Apart from `state`: every page's load takes it.
    front_matter: Mutex<FrontMatter>,
}

/// An edition's key and its pages' Markdown keys (by index in `content.pages`).
pub struct EditionKey {
    pages: Vec<Hash>,
}

impl Cache {
    /// The cache for a build of `options` into `output`. `None` where files cannot be told apart
    /// by inode (the build is then a clean one).
    pub fn open(options: &BuildOptions, output: &Path) -> Option<Cache> {
        if !cfg!(unix) {
            return None;
        }
        let file = cache_path(output);
        let build_key = build_key(options, output);
        let old = fs::read(&file)
            .ok()
            .and_then(|bytes| decode(&bytes, &build_key))
            .unwrap_or_default();
        Some(Cache {
            file,
            output: Dir::open(output).ok(),
            build_key,
            old,
            state: Mutex::default(),
            front_matter: Mutex::default(),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn remembered(&self) -> std::sync::MutexGuard<'_, FrontMatter> {
        self.front_matter.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Fingerprints one edition as loaded (before its Markdown is rendered).
    pub fn edition(&self, language: &str, content: &Content) -> EditionKey {
        let texts: Vec<TextHash> = content
            .pages
            .par_iter()
            .map(|page| text_hash(&page.file.text))
            .collect();
        let mut h = blake3::Hasher::new();
        h.update(b"edition\0");
        h.update(&self.build_key);
        field(&mut h, language.as_bytes());
        for (page, text) in content.pages.iter().zip(&texts) {
            field(&mut h, page.content_path.as_bytes());
            field(&mut h, page.file.path.as_os_str().as_encoded_bytes());
            field(&mut h, page.url.as_bytes());
            h.update(&[u8::from(page.untranslated)]);
            match page.meta {
                Meta::Tree(_) => h.update(text),
                _ => h.update(&page.file.text.as_bytes()[..page.parts.body.start]),
            };
        }
        let mut drafts: Vec<_> = content.drafts.iter().collect();
        drafts.sort();
        for (path, url) in drafts {
            field(&mut h, path.as_bytes());
            field(&mut h, url.as_bytes());
        }
        let mut failed: Vec<_> = content.failed.iter().collect();
        failed.sort();
        for path in failed {
            field(&mut h, path.as_bytes());
        }
        let edition: Hash = *h.finalize().as_bytes();
        let pages = content
            .pages
            .iter()
            .zip(&texts)
            .map(|(page, text)| {
                let mut h = blake3::Hasher::new();
                h.update(b"page\0");
                h.update(&edition);
                field(&mut h, page.file.path.as_os_str().as_encoded_bytes());
                field(&mut h, page.content_path.as_bytes());
                h.update(text);
                *h.finalize().as_bytes()
            })
            .collect();
        let mut state = self.state();
        let index = state.editions.len();
        if self.old.editions.get(index) != Some(&edition) {
            state.disabled = true;
        }
        state.editions.push(edition);
        for (page, text) in content.pages.iter().zip(texts) {
            state
                .sources
                .insert(page.file.path.to_string_lossy().into_owned(), text);
        }
        EditionKey { pages }
    }

    /// The page's Markdown results from the last build (without the HTML), when its key is
    /// unchanged and its output files are still the ones the last build wrote.
    pub fn restore(&self, edition: &EditionKey, index: usize, page: &Page) -> Option<Rendered> {
        if matches!(page.meta, Meta::Tree(_)) {
            return None;
        }
        let entry = self.old.pages.get(&edition.pages[index])?;
        let source = page.file.path.to_string_lossy();
        let outputs = self.old.by_source.get(source.as_ref())?;
        let output = self.output.as_ref()?;
        let intact = outputs.iter().all(|path| {
            self.old
                .outputs
                .get(path)
                .is_some_and(|old| output.identify(path) == Some(old.id))
        });
        if !intact {
            return None;
        }
        let mut state = self.state();
        // An edition that differs from the last build's stops restoring (see `must_reload`).
        if state.disabled {
            return None;
        }
        state.restored_any = true;
        state.promised.extend(outputs.iter().cloned());
        state.restored.push(edition.pages[index]);
        Some(Rendered {
            html: String::new(),
            toc: entry.toc.clone(),
            ids: entry.ids.iter().cloned().collect(),
            anchor_links: entry.anchors.clone(),
        })
    }

    /// Records a page whose Markdown was rendered; `clean` when it had no problems.
    pub fn remember(&self, edition: &EditionKey, index: usize, page: &Page, clean: bool) {
        if !clean || matches!(page.meta, Meta::Tree(_)) {
            return;
        }
        let entry = PageEntry {
            toc: page.rendered.toc.clone(),
            ids: page.rendered.ids.iter().cloned().collect(),
            anchors: page.rendered.anchor_links.clone(),
        };
        self.state().pages.insert(edition.pages[index], entry);
    }

    /// After every edition is loaded: whether the load must be done again without the cache (an
    /// edition's key changed after another restored pages whose HTML is then needed). If so, the
    /// pages it restored are rendered, not kept, by that second load (their keys are recorded).
    pub fn must_reload(&self) -> bool {
        let mut state = self.state();
        let reload = state.restored_any && state.editions != self.old.editions;
        if reload {
            state.promised.clear();
            state.disabled = true;
        }
        reload
    }

    /// The sink a build renders into: `staging`, with files kept from the last build.
    pub fn sink<'a>(&'a self, staging: &'a Staging) -> CacheSink<'a> {
        let state = self.state();
        let mut h = blake3::Hasher::new();
        h.update(b"site\0");
        for edition in &state.editions {
            h.update(edition);
        }
        CacheSink {
            cache: self,
            staging,
            site_key: *h.finalize().as_bytes(),
            pending: Mutex::default(),
            written: Mutex::default(),
        }
    }

    /// Writes this build's cache beside the output, in one rename. Call it once the new site is
    /// in place; failing to write it only makes the next build a clean one.
    pub fn save(&self, made: Made) {
        let outputs = made.0;
        let state = std::mem::take(&mut *self.state());
        let front_matter = std::mem::take(&mut *self.remembered());
        let bytes = encode(&self.build_key, &state, &self.old, &front_matter, &outputs);
        let mut temp = self.file.clone().into_os_string();
        temp.push(".new");
        let written = fs::write(&temp, bytes).and_then(|()| fs::rename(&temp, &self.file));
        if written.is_err() {
            let _ = fs::remove_file(&temp);
            let _ = fs::remove_file(&self.file);
        }
    }
}

/// Front matter as JSON, which reads back many times faster than YAML parses. Only what parsed
/// is kept, so a page whose front matter has an error is parsed, and reported, on every build.
/// The cache's build key names the executable, so the JSON is always read by the structs that
/// wrote it.
impl FrontMatterMemo for Cache {
    fn front_matter(
        &self,
        kind: MetaKind,
        yaml: &str,
        parse: &mut dyn FnMut() -> Result<Meta, crate::diagnostics::Diagnostic>,
    ) -> Result<Meta, crate::diagnostics::Diagnostic> {
        if kind == MetaKind::Tree {
            return parse();
        }
        let key = xxhash_rust::xxh3::xxh3_128_with_seed(yaml.as_bytes(), kind as u64).to_le_bytes();
        let recalled = self.old.front_matter.get(&key).and_then(|json| match kind {
            MetaKind::Home => serde_json::from_str(json).ok().map(Meta::Home),
            MetaKind::Plain => serde_json::from_str(json).ok().map(Meta::Plain),
            MetaKind::Cause => serde_json::from_str(json)
                .ok()
                .map(|cause| Meta::Cause(Box::new(cause))),
            MetaKind::Tree => None,
        });
        if let Some(meta) = recalled {
            self.remembered().recalled.push(key);
            return Ok(meta);
        }
        let meta = parse()?;
        let json = match &meta {
            Meta::Home(plain) | Meta::Plain(plain) => serde_json::to_string(plain).ok(),
            Meta::Cause(cause) => serde_json::to_string(cause).ok(),
            Meta::Tree(_) => None,
        };
        if let Some(json) = json {
            self.remembered().parsed.push((key, json));
        }
        Ok(meta)
    }
}

/// The key of everything site-wide that is not content: see the module's documentation.
fn build_key(options: &BuildOptions, output: &Path) -> Hash {
    let mut h = blake3::Hasher::new();
    h.update(b"build\0");
    field(&mut h, env!("CARGO_PKG_VERSION").as_bytes());
    // A rebuilt binary of one version may render differently: its size and time tell it apart.
    if let Some(id) = std::env::current_exe()
        .ok()
        .and_then(|exe| fs::metadata(exe).ok())
        .and_then(|meta| FileId::of(&meta))
    {
        h.update(&id.size.to_le_bytes());
        h.update(&id.mtime_s.to_le_bytes());
        h.update(&id.mtime_ns.to_le_bytes());
    }
    field(&mut h, options.root.as_os_str().as_encoded_bytes());
    field(&mut h, output.as_os_str().as_encoded_bytes());
    field(
        &mut h,
        format!(
            "{:?} {} {} {}",
            options.base_url,
            options.drafts,
            options.service_worker,
            options
                .today
                .unwrap_or_else(crate::content::meta::Date::today)
        )
        .as_bytes(),
    );
    // SOURCE_DATE_EPOCH also names the date when it is not valid (the build then fails).
    field(
        &mut h,
        std::env::var_os("SOURCE_DATE_EPOCH")
            .unwrap_or_default()
            .as_encoded_bytes(),
    );
    let config = options.root.join(crate::config::CONFIG_FILE);
    field(&mut h, &fs::read(config).unwrap_or_default());
    let themes = options.root.join(crate::theme_config::THEMES_DIR);
    for entry in walkdir::WalkDir::new(&themes)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
    {
        match entry {
            Ok(entry) if entry.file_type().is_file() => {
                let relative = entry.path().strip_prefix(&themes).unwrap_or(entry.path());
                field(&mut h, relative.as_os_str().as_encoded_bytes());
                field(&mut h, &fs::read(entry.path()).unwrap_or_default());
            }
            Ok(_) => {}
            // Unreadable: the load reports it; nothing here may match a later build.
            Err(_) => field(&mut h, b"\0unreadable"),
        }
    }
    *h.finalize().as_bytes()
}

/// Hashes `bytes` with its length first, so that fields cannot run into each other.
fn field(h: &mut blake3::Hasher, bytes: &[u8]) {
    h.update(&(bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// Renders into the staging folder, keeping each file whose key is the last build's.
pub struct CacheSink<'a> {
    cache: &'a Cache,
    staging: &'a Staging,
    site_key: Hash,
    /// Files to render: their key and source, recorded when they are written.
    pending: Mutex<HashMap<String, (Hash, Option<String>)>>,
    written: Mutex<HashMap<String, OutputEntry>>,
}

/// The files a build wrote or kept, with their keys: [`CacheSink::finish`] for [`Cache::save`].
pub struct Made(HashMap<String, OutputEntry>);

impl CacheSink<'_> {
    /// Ends rendering (releasing the staging folder for its commit).
    pub fn finish(self) -> Made {
        Made(self.written.into_inner().unwrap_or_else(|p| p.into_inner()))
    }

    fn key(&self, path: &str, template: &str, source: Option<&str>) -> Option<Hash> {
        let mut h = blake3::Hasher::new();
        h.update(b"output\0");
        h.update(&self.site_key);
        field(&mut h, path.as_bytes());
        field(&mut h, template.as_bytes());
        if let Some(source) = source {
            field(&mut h, source.as_bytes());
            h.update(self.cache.state().sources.get(source)?);
        }
        Some(*h.finalize().as_bytes())
    }

    fn record(&self, path: &str, entry: OutputEntry) {
        self.written
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(path.to_owned(), entry);
    }
}

impl Sink for CacheSink<'_> {
    fn put(&self, path: &str, bytes: Vec<u8>) -> io::Result<()> {
        self.staging.put(path, bytes)
    }

    fn put_hashed(&self, path: &str, bytes: Vec<u8>, sha256: [u8; 32]) -> io::Result<()> {
        let id = self.staging.put_identified(path, bytes)?;
        let pending = self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(path);
        if let Some((key, source)) = pending
            && let Some(id) = id
        {
            self.record(
                path,
                OutputEntry {
                    key,
                    sha256,
                    source,
                    id,
                },
            );
        }
        Ok(())
    }

    fn reuse(
        &self,
        path: &str,
        template: &str,
        source: Option<&Path>,
    ) -> io::Result<Option<[u8; 32]>> {
        let source = source.map(|s| s.to_string_lossy().into_owned());
        let Some(key) = self.key(path, template, source.as_deref()) else {
            return Ok(None);
        };
        if let Some(old) = self.cache.old.outputs.get(path)
            && old.key == key
            && self.staging.keep_previous(path, &|id| *id == old.id)?
        {
            self.record(path, old.clone());
            return Ok(Some(old.sha256));
        }
        if self.cache.state().promised.contains(path) {
            // Its page's Markdown came from the cache, so it cannot be rendered now.
            return Err(io::Error::other(
                "the previous build's copy changed during this build; build again",
            ));
        }
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(path.to_owned(), (key, source));
        Ok(None)
    }
}

// The file: MAGIC, then the body, then the body's BLAKE3 hash.

fn encode(
    build_key: &Hash,
    state: &State,
    old: &Old,
    front_matter: &FrontMatter,
    outputs: &HashMap<String, OutputEntry>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + outputs.len() * 160 + state.pages.len() * 400);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(build_key);
    put_u64(&mut out, state.editions.len() as u64);
    for edition in &state.editions {
        out.extend_from_slice(edition);
    }
    put_u64(&mut out, outputs.len() as u64);
    for (path, entry) in outputs {
        put_str(&mut out, path);
        out.extend_from_slice(&entry.key);
        out.extend_from_slice(&entry.sha256);
        match &entry.source {
            Some(source) => {
                out.push(1);
                put_str(&mut out, source);
            }
            None => out.push(0),
        }
        put_u64(&mut out, entry.id.dev);
        put_u64(&mut out, entry.id.ino);
        put_u64(&mut out, entry.id.size);
        put_u64(&mut out, entry.id.mtime_s as u64);
        put_u64(&mut out, u64::from(entry.id.mtime_ns));
    }
    // A page rendered by this build, or restored from the last one.
    let pages = kept_entries(&state.pages, &state.restored, &old.pages);
    put_u64(&mut out, pages.len() as u64);
    for (key, entry) in pages {
        out.extend_from_slice(key);
        put_u64(&mut out, entry.toc.len() as u64);
        for heading in &entry.toc {
            out.push(heading.level);
            put_str(&mut out, &heading.id);
            put_str(&mut out, &heading.title);
        }
        put_u64(&mut out, entry.ids.len() as u64);
        for id in &entry.ids {
            put_str(&mut out, id);
        }
        put_u64(&mut out, entry.anchors.len() as u64);
        for anchor in &entry.anchors {
            put_str(&mut out, &anchor.target);
            put_str(&mut out, &anchor.anchor);
            put_u64(&mut out, anchor.link_index as u64);
        }
    }
    let front_matter = kept_entries(
        front_matter.parsed.iter().map(|(key, json)| (key, json)),
        &front_matter.recalled,
        &old.front_matter,
    );
    put_u64(&mut out, front_matter.len() as u64);
    for (key, json) in front_matter {
        out.extend_from_slice(key);
        put_str(&mut out, json);
    }
    let check = blake3::hash(&out[MAGIC.len()..]);
    out.extend_from_slice(check.as_bytes());
    out
}

fn put_u64(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    put_u64(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

/// What the next build may reuse: this build's entries, and the previous build's entries that
/// this build used, each key once (this build's entry winning).
fn kept_entries<'a, K: Eq + std::hash::Hash, V>(
    made: impl IntoIterator<Item = (&'a K, &'a V)>,
    reused: &'a [K],
    old: &'a HashMap<K, V>,
) -> HashMap<&'a K, &'a V> {
    let mut kept: HashMap<&K, &V> = reused
        .iter()
        .filter_map(|key| Some((key, old.get(key)?)))
        .collect();
    kept.extend(made);
    kept
}

/// Reads a cache; `None` when it is not one, is damaged, or was made with another build key.
fn decode(bytes: &[u8], build_key: &Hash) -> Option<Old> {
    let body = bytes.strip_prefix(MAGIC.as_slice())?;
    let (body, check) = body.split_at_checked(body.len().checked_sub(32)?)?;
    if blake3::hash(body).as_bytes() != check {
        return None;
    }
    let mut r = Reader(body);
    if &r.hash()? != build_key {
        return None;
    }
    let mut old = Old::default();
    for _ in 0..r.count()? {
        old.editions.push(r.hash()?);
    }
    let outputs = r.count()?;
    old.outputs.reserve(outputs);
    old.by_source.reserve(outputs);
    for _ in 0..outputs {
        let path = r.string()?;
        let key = r.hash()?;
        let sha256 = r.hash()?;
        let source = match r.byte()? {
            0 => None,
            1 => Some(r.string()?),
            _ => return None,
        };
        let id = FileId {
            dev: r.u64()?,
            ino: r.u64()?,
            size: r.u64()?,
            mtime_s: r.u64()? as i64,
            mtime_ns: u32::try_from(r.u64()?).ok()?,
        };
        if let Some(source) = &source {
            old.by_source
                .entry(source.clone())
                .or_default()
                .push(path.clone());
        }
        old.outputs.insert(
            path,
            OutputEntry {
                key,
                sha256,
                source,
                id,
            },
        );
    }
    let pages = r.count()?;
    old.pages.reserve(pages);
    for _ in 0..pages {
        let key = r.hash()?;
        let mut toc = Vec::new();
        for _ in 0..r.count()? {
            toc.push(Heading {
                level: r.byte()?,
                id: r.string()?,
                title: r.string()?,
            });
        }
        let mut ids = Vec::new();
        for _ in 0..r.count()? {
            ids.push(r.string()?);
        }
        let mut anchors = Vec::new();
        for _ in 0..r.count()? {
            anchors.push(AnchorLink {
                target: r.string()?,
                anchor: r.string()?,
                link_index: usize::try_from(r.u64()?).ok()?,
            });
        }
        old.pages.insert(key, PageEntry { toc, ids, anchors });
    }
    let front_matter = r.count()?;
    old.front_matter.reserve(front_matter);
    for _ in 0..front_matter {
        let key = r.take(16)?.try_into().ok()?;
        old.front_matter.insert(key, r.string()?);
    }
    r.0.is_empty().then_some(old)
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    /// A count of items, each at least one byte long: never more than the bytes left.
    fn count(&mut self) -> Option<usize> {
        let n = usize::try_from(self.u64()?).ok()?;
        (n <= self.0.len()).then_some(n)
    }

    fn hash(&mut self) -> Option<Hash> {
        self.take(32)?.try_into().ok()
    }

    fn string(&mut self) -> Option<String> {
        let n = self.count()?;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_damaged_or_foreign_cache_is_not_read() {
        let key = [7u8; 32];
        let mut state = State::default();
        state.editions.push([1u8; 32]);
        state.pages.insert(
            [2u8; 32],
            PageEntry {
                toc: vec![Heading {
                    level: 2,
                    id: "a".into(),
                    title: "A".into(),
                }],
                ids: vec!["a".into()],
                anchors: vec![AnchorLink {
                    target: "x.md".into(),
                    anchor: "b".into(),
                    link_index: 3,
                }],
            },
        );
        let mut outputs = HashMap::new();
        outputs.insert(
            "x/index.html".to_owned(),
            OutputEntry {
                key: [3u8; 32],
                sha256: [4u8; 32],
                source: Some("content/x.md".into()),
                id: FileId {
                    dev: 1,
                    ino: 2,
                    size: 3,
                    mtime_s: 4,
                    mtime_ns: 5,
                },
            },
        );
        let mut front_matter = FrontMatter::default();
        front_matter
            .parsed
            .push(([9u8; 16], "{\"title\":\"T\"}".to_owned()));
        let bytes = encode(&key, &state, &Old::default(), &front_matter, &outputs);
        let old = decode(&bytes, &key).expect("reads back");
        assert_eq!(old.editions, state.editions);
        assert_eq!(old.by_source["content/x.md"], vec!["x/index.html"]);
        assert_eq!(old.pages[&[2u8; 32]].anchors[0].link_index, 3);
        assert_eq!(old.front_matter[&[9u8; 16]], "{\"title\":\"T\"}");
        assert!(decode(&bytes, &[8u8; 32]).is_none(), "another build key");
        for cut in [0, 8, 40, bytes.len() - 1] {
            assert!(decode(&bytes[..cut], &key).is_none(), "cut at {cut}");
        }
        let mut flipped = bytes.clone();
        flipped[50] ^= 1;
        assert!(decode(&flipped, &key).is_none());
    }
}

#[cfg(test)]
mod front_matter_tests {
    use super::*;
    use crate::diagnostics::SourceFile;

    /// Every page of the guide (and its translations): what a rebuild recalls is what parsing
    /// gives, field for field.
    #[test]
    fn recalled_front_matter_is_the_parsed_front_matter() {
        let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
        let options = BuildOptions::new(env!("CARGO_MANIFEST_DIR"));
        let temp = tempfile::tempdir().unwrap();
        let first = Cache::open(&options, &temp.path().join("public")).unwrap();
        let mut pages = Vec::new();
        for entry in walkdir::WalkDir::new(&content).sort_by_file_name() {
            let entry = entry.unwrap();
            if entry.path().extension().is_none_or(|e| e != "md") {
                continue;
            }
            let relative = entry.path().strip_prefix(&content).unwrap();
            let relative = relative.to_string_lossy().replace('\\', "/");
            // A translation (`x.de.md`) has its page's kind.
            let page_path = match relative
                .strip_suffix(".md")
                .and_then(|s| s.rsplit_once('.'))
            {
                Some((base, _)) => format!("{base}.md"),
                None => relative.clone(),
            };
            let kind = MetaKind::of(&page_path);
            let file = SourceFile::new(
                entry.path().to_path_buf(),
                fs::read_to_string(entry.path()).unwrap(),
            );
            let parts = crate::yaml::split(&file).unwrap();
            let yaml = file.text[parts.yaml.clone()].to_owned();
            let parsed = match kind.parse(&file, parts.yaml.clone()) {
                Ok(meta) => format!("{meta:?}"),
                Err(error) => panic!("{}: {}", relative, error.message),
            };
            let mut parse = || kind.parse(&file, parts.yaml.clone());
            first.front_matter(kind, &yaml, &mut parse).unwrap();
            pages.push((kind, file, yaml, parsed));
        }
        assert!(pages.len() > 20, "the guide's pages");
        // What the first build leaves for the next one.
        let mut old = Old::default();
        let remembered = first.front_matter.lock().unwrap();
        for (key, json) in &remembered.parsed {
            old.front_matter.insert(*key, json.clone());
        }
        let second = Cache {
            old,
            ..Cache::open(&options, &temp.path().join("public")).unwrap()
        };
        for (kind, file, yaml, parsed) in &pages {
            let mut parse = || -> Result<Meta, crate::diagnostics::Diagnostic> {
                panic!("{} was parsed again", file.path.display())
            };
            if *kind == MetaKind::Tree {
                continue;
            }
            let recalled = second.front_matter(*kind, yaml, &mut parse).unwrap();
            assert_eq!(&format!("{recalled:?}"), parsed, "{}", file.path.display());
        }
    }
}
