//! Stage 1, load: walk `content/`, read every Markdown file, split and parse its front matter into
//! the typed struct for its kind of page, and give each page its URL.

pub mod meta;
pub mod rendered;
pub mod tree_meta;

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::diagnostics::{Diagnostic, Location, SourceFile};
use crate::yaml::{self, Key, Parts};
use meta::{CauseMeta, PlainMeta};
use rendered::Rendered;
use tree_meta::TreeMeta;

pub const CONTENT_DIR: &str = "content";
pub const HOME_FILE: &str = "_index.md";
pub const CAUSES_DIR: &str = "causes";
pub const TREE_FILE: &str = "decision-tree.md";
/// Root-relative URL of the decision tree's start page (templates see it as `tree_url`).
pub const TREE_URL: &str = "decision-tree/";

/// Front matter parsed by an earlier build, by its exact text: parsing YAML is most of what a
/// rebuild spends on an unchanged page (the incremental build's cache implements it).
pub trait FrontMatterMemo: Sync {
    /// The front matter `yaml` of a page of this kind: recalled, or else `parse`d (and then
    /// remembered when it parsed).
    fn front_matter(
        &self,
        kind: MetaKind,
        yaml: &str,
        parse: &mut dyn FnMut() -> Result<Meta, Diagnostic>,
    ) -> Result<Meta, Diagnostic>;
}

/// Which front matter a page has, from where its file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaKind {
    Home,
    Plain,
    Cause,
    Tree,
}

impl MetaKind {
    pub fn of(content_path: &str) -> MetaKind {
        if content_path == HOME_FILE {
            MetaKind::Home
        } else if content_path == TREE_FILE {
            MetaKind::Tree
        } else if content_path.starts_with(&format!("{CAUSES_DIR}/")) {
            MetaKind::Cause
        } else {
            MetaKind::Plain
        }
    }

    pub fn parse(self, file: &Arc<SourceFile>, yaml: Range<usize>) -> Result<Meta, Diagnostic> {
        Ok(match self {
            MetaKind::Home => Meta::Home(yaml::parse(file, yaml)?),
            MetaKind::Plain => Meta::Plain(yaml::parse(file, yaml)?),
            MetaKind::Cause => Meta::Cause(Box::new(yaml::parse(file, yaml)?)),
            MetaKind::Tree => Meta::Tree(Box::new(yaml::parse(file, yaml)?)),
        })
    }
}

#[derive(Debug, Clone)]
pub enum Meta {
    Home(PlainMeta),
    Plain(PlainMeta),
    Cause(Box<CauseMeta>),
    Tree(Box<TreeMeta>),
}

impl Meta {
    pub fn title(&self) -> &str {
        match self {
            Meta::Home(m) | Meta::Plain(m) => &m.title,
            Meta::Cause(m) => &m.title,
            Meta::Tree(m) => &m.title,
        }
    }

    pub fn draft(&self) -> bool {
        match self {
            Meta::Home(m) | Meta::Plain(m) => m.draft,
            Meta::Cause(m) => m.draft,
            Meta::Tree(m) => m.draft,
        }
    }

    fn slug(&self) -> Option<&str> {
        match self {
            Meta::Plain(m) => m.slug.as_deref(),
            Meta::Cause(m) => m.slug.as_deref(),
            Meta::Home(_) | Meta::Tree(_) => None,
        }
    }
}

#[derive(Debug)]
pub struct Page {
    pub file: Arc<SourceFile>,
    /// Path inside `content/`, with `/` separators: `causes/dvt.md`.
    pub content_path: String,
    pub parts: Parts,
    pub meta: Meta,
    /// The file stem: a cause's id.
    pub id: String,
    /// Root-relative URL: `""` for the home page, `causes/dvt/` for a cause.
    pub url: String,
    /// Filled by the markdown stage.
    pub rendered: Rendered,
    /// In another language's edition, a page of the main language standing in for a missing
    /// translation: listed and linked (at its own address, with a note), never rendered again.
    pub untranslated: bool,
}

impl Page {
    pub fn body(&self) -> &str {
        &self.file.text[self.parts.body.clone()]
    }

    /// Where the value at `path` in this page's front matter starts.
    pub fn locate(&self, path: &[Key]) -> Location {
        yaml::locate(&self.file, &self.parts.yaml, path)
    }

    /// Locates many values of this page's front matter from one parse.
    pub fn locator(&self) -> yaml::Locator<'_> {
        yaml::Locator::new(&self.file, &self.parts.yaml)
    }

    pub fn cause(&self) -> Option<&CauseMeta> {
        match &self.meta {
            Meta::Cause(meta) => Some(meta),
            _ => None,
        }
    }
}

/// All pages of the site, in a stable order (by path inside `content/`).
#[derive(Debug, Default)]
pub struct Content {
    pub pages: Vec<Page>,
    /// `content_path` -> index in `pages`.
    pub by_path: HashMap<String, usize>,
    /// Files that failed to load: links to them are not reported again as broken.
    pub failed: HashSet<String>,
    /// Drafts left out of this build, `content_path` -> the URL they would have: a reference
    /// to one says it is a draft rather than that it does not exist (and `serve` says so at
    /// its address).
    pub drafts: HashMap<String, String>,
}

impl Content {
    /// Fills `by_path` from `pages`, once every page is in.
    pub fn index_paths(&mut self) {
        self.by_path = self
            .pages
            .iter()
            .enumerate()
            .map(|(index, page)| (page.content_path.clone(), index))
            .collect();
    }

    pub fn causes(&self) -> impl Iterator<Item = (&Page, &CauseMeta)> {
        self.pages
            .iter()
            .filter_map(|page| page.cause().map(|meta| (page, meta)))
    }

    pub fn cause(&self, id: &str) -> Option<(&Page, &CauseMeta)> {
        let index = *self.by_path.get(&format!("{CAUSES_DIR}/{id}.md"))?;
        let page = &self.pages[index];
        page.cause().map(|meta| (page, meta))
    }

    /// For E003 on a cause id that names a draft left out of this build: (the words for the
    /// cause, what to do about it).
    pub fn draft_cause(&self, id: &str) -> Option<(String, String)> {
        let path = format!("{CAUSES_DIR}/{id}.md");
        self.drafts.contains_key(&path).then(|| {
            (
                format!("cause `{id}`, a draft (content/{path} has `draft: true`) that is not published"),
                format!(
                    "publish it first (remove `draft: true` once it is finished), or leave `{id}` out until then; `--drafts` includes drafts in `serve`, `check` and `build`"
                ),
            )
        })
    }

    pub fn tree(&self) -> Option<(&Page, &TreeMeta)> {
        self.pages.iter().find_map(|page| match &page.meta {
            Meta::Tree(tree) => Some((page, tree.as_ref())),
            _ => None,
        })
    }
}

/// Which files a load reads: one language's edition of the site.
#[derive(Debug, Clone)]
pub struct Edition {
    /// This edition's language code (`en`, `de`).
    pub language: String,
    /// The main language: its pages are the files without a language suffix (`dvt.md`).
    pub main_language: String,
    /// The other languages of the site (translations are `dvt.de.md`).
    pub other_languages: Vec<String>,
    /// This edition's folder in the output and in every URL: `""` for the main language.
    pub prefix: String,
}

impl Edition {
    /// The only edition of a site without translations.
    pub fn single(language: &str) -> Edition {
        Edition {
            language: language.to_owned(),
            main_language: language.to_owned(),
            other_languages: Vec::new(),
            prefix: String::new(),
        }
    }

    /// Every edition of the site `config` describes, the main language first.
    pub fn all(config: &crate::config::SiteConfig) -> Vec<Edition> {
        config
            .language_codes()
            .iter()
            .map(|code| Edition {
                language: (*code).to_owned(),
                main_language: config.language.clone(),
                other_languages: config.languages.keys().cloned().collect(),
                prefix: if *code == config.language {
                    String::new()
                } else {
                    format!("{code}/")
                },
            })
            .collect()
    }

    pub fn is_main(&self) -> bool {
        self.language == self.main_language
    }
}

/// A Markdown file's name read for its language: `dvt.de.md` is the `de` translation of
/// `dvt.md`. A suffix is two or three lower-case letters, optionally with a region (`pt-br`).
fn language_suffix(file_name: &str) -> Option<(&str, &str)> {
    let stem = file_name.strip_suffix(".md")?;
    let (base, code) = stem.rsplit_once('.')?;
    let (language, region) = code.split_once('-').unwrap_or((code, ""));
    let letters = |part: &str, min: usize, max: usize| {
        (min..=max).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_lowercase())
    };
    let region_ok = region.is_empty() || letters(region, 2, 3);
    (!base.is_empty() && letters(language, 2, 3) && region_ok).then_some((base, code))
}

/// Reads every `.md` file under `root/content` of the main language. Errors are collected, not
/// returned early, so that one build reports every broken file.
pub fn load(root: &Path, include_drafts: bool, diagnostics: &mut Vec<Diagnostic>) -> Content {
    load_edition(
        root,
        include_drafts,
        &Edition::single(""),
        None,
        diagnostics,
    )
}

/// Reads the pages of one edition: the main language's files, or another language's
/// translations (`dvt.de.md`, at `de/causes/dvt/`) with the main language's page standing in
/// for each one missing (`untranslated`; W110 says so).
pub fn load_edition(
    root: &Path,
    include_drafts: bool,
    edition: &Edition,
    memo: Option<&dyn FrontMatterMemo>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Content {
    let content_dir = root.join(CONTENT_DIR);
    if !content_dir.is_dir() {
        diagnostics.push(
            Diagnostic::error(
                "E019",
                format!("no {CONTENT_DIR}/ folder in {}", root.display()),
            )
            .at(Location::file(&content_dir))
            .with_help("create content/ with an _index.md home page, or pass --root DIR"),
        );
        return Content::default();
    }

    let mut files = Vec::new();
    // Links may point anywhere inside the site folder (or inside content/'s real folder, when
    // content/ is itself a link); one that leaves it could publish any file on the machine.
    let allowed_bases: Vec<PathBuf> = [root, content_dir.as_path()]
        .iter()
        .filter_map(|path| path.canonicalize().ok())
        .collect();
    let mut walker = WalkDir::new(&content_dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walker.next() {
        match entry {
            Ok(entry) => {
                let shown = shown_path(root, entry.path());
                let is_markdown = entry.path().extension().is_some_and(|e| e == "md");
                if entry.depth() > 0 && entry.path_is_symlink() {
                    let leaves = entry.path().canonicalize().map_or(true, |target| {
                        !allowed_bases.iter().any(|base| target.starts_with(base))
                    });
                    if leaves {
                        if entry.file_type().is_dir() {
                            walker.skip_current_dir();
                        }
                        if entry.file_type().is_dir() || is_markdown {
                            diagnostics.push(
                                Diagnostic::error(
                                    "E063",
                                    format!(
                                        "{} is a symbolic link that leaves the site folder",
                                        shown.display()
                                    ),
                                )
                                .at(Location::file(&shown))
                                .with_help("copy the file into the site folder, or point the link at a file inside it"),
                            );
                        }
                        continue;
                    }
                }
                let file_type = entry.file_type();
                if is_markdown && file_type.is_file() {
                    files.push(entry.into_path());
                } else if is_markdown && !file_type.is_dir() {
                    diagnostics.push(not_a_regular_file(&shown));
                }
            }
            Err(error) => {
                let path = error
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| content_dir.clone());
                let shown = shown_path(root, &path);
                let why = if error.loop_ancestor().is_some() {
                    "a symbolic link loops back to a folder that contains it".to_owned()
                } else {
                    error.to_string()
                };
                diagnostics.push(
                    Diagnostic::error("E019", format!("cannot read {}: {why}", shown.display()))
                        .at(Location::file(&shown)),
                );
            }
        }
    }

    // Split by language: `dvt.md` is the main language's, `dvt.de.md` German.
    let mut main_files = Vec::new();
    let mut translations = Vec::new();
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match language_suffix(&name) {
            None => main_files.push(path),
            Some((_, code)) if code == edition.language && !edition.is_main() => {
                translations.push(path)
            }
            Some((_, code)) if edition.other_languages.iter().any(|l| l == code) => {}
            Some((_, code)) => {
                // Reported once, by the main edition's load.
                if edition.is_main() && !edition.language.is_empty() {
                    let shown = shown_path(root, &path);
                    diagnostics.push(
                        Diagnostic::error(
                            "E111",
                            format!(
                                "{} is a translation into `{code}`, which is not a language of this site",
                                shown.display()
                            ),
                        )
                        .at(name_location(&shown, &format!(".{code}.md")))
                        .with_help(format!(
                            "add `{code}` under `languages:` in site.yaml, or rename the file if `.{code}` is part of its name (a file name is lower-case words joined by hyphens)"
                        )),
                    );
                }
            }
        }
    }

    let results: Vec<Result<Page, Vec<Diagnostic>>> = main_files
        .par_iter()
        .map(|path| load_page(root, &content_dir, path, None, memo))
        .collect();
    // Sized once: a `Page` is large, and growing the list by doubling copies (and first
    // touches) it again and again.
    let mut content = Content {
        pages: Vec::with_capacity(results.len()),
        ..Content::default()
    };
    if edition.is_main() {
        for (path, result) in main_files.iter().zip(results) {
            match result {
                Ok(page) if page.meta.draft() && !include_drafts => {
                    content.drafts.insert(page.content_path, page.url);
                }
                Ok(page) => content.pages.push(page),
                Err(errors) => {
                    content.failed.insert(content_path_of(&content_dir, path));
                    diagnostics.extend(errors);
                }
            }
        }
    } else {
        // The main edition reports the main files' errors; here they only stand in.
        let mut originals: HashMap<String, Page> = HashMap::new();
        for (path, result) in main_files.iter().zip(results) {
            match result {
                Ok(page) => {
                    originals.insert(page.content_path.clone(), page);
                }
                Err(_) => {
                    content.failed.insert(content_path_of(&content_dir, path));
                }
            }
        }
        let loaded: Vec<Result<Page, Vec<Diagnostic>>> = translations
            .par_iter()
            .map(|path| load_page(root, &content_dir, path, Some(edition), memo))
            .collect();
        for (path, result) in translations.iter().zip(loaded) {
            match result {
                // A draft translation is left out: its page stands in, with W110.
                Ok(page) if page.meta.draft() && !include_drafts => {}
                Ok(page) => match originals.remove(&page.content_path) {
                    Some(original) => {
                        if let Some(error) = moved_translation(&page, &original, edition) {
                            diagnostics.push(error);
                        }
                        if original.meta.draft() && !include_drafts {
                            content.drafts.insert(page.content_path, page.url);
                        } else {
                            content.pages.push(page);
                        }
                    }
                    // A page that failed to load has its own error; its translation waits.
                    None if content.failed.contains(&page.content_path) => {}
                    None => diagnostics.push(orphan_translation(&page, edition)),
                },
                Err(errors) => {
                    let shown = content_path_of(&content_dir, path);
                    let (base, _) = language_suffix(&shown).unwrap_or((&shown, ""));
                    // No stand-in either: the build fails on this file's errors.
                    originals.remove(&format!("{base}.md"));
                    content.failed.insert(format!("{base}.md"));
                    diagnostics.extend(errors);
                }
            }
        }
        for (_, mut original) in originals {
            if original.meta.draft() && !include_drafts {
                content.drafts.insert(original.content_path, original.url);
                continue;
            }
            diagnostics.push(missing_translation(&original, edition));
            original.untranslated = true;
            content.pages.push(original);
        }
        content
            .pages
            .sort_by(|a, b| a.content_path.cmp(&b.content_path));
    }
    content.index_paths();
    check_urls(&content, diagnostics);
    content
}

/// W110: the page has no translation into the edition's language.
fn missing_translation(original: &Page, edition: &Edition) -> Diagnostic {
    let expected = translation_path(&original.file.path, &edition.language);
    Diagnostic::warning(
        "W110",
        format!(
            "{} has no `{}` translation ({}): that edition links this page, in `{}`, with a note",
            original.file.path.display(),
            edition.language,
            expected.display(),
            edition.main_language
        ),
    )
    .at(original.locate(&[Key::Field("title")]))
    .with_help(format!(
        "translate it into {}, keeping its front matter's ids, urgencies and links",
        expected.display()
    ))
}

/// `content/causes/dvt.md` -> `content/causes/dvt.de.md`.
fn translation_path(path: &Path, language: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!("{stem}.{language}.md"))
}

/// E112: a translation whose page does not exist in the main language.
fn orphan_translation(page: &Page, edition: &Edition) -> Diagnostic {
    Diagnostic::error(
        "E112",
        format!(
            "{} translates content/{}, which does not exist",
            page.file.path.display(),
            page.content_path
        ),
    )
    .at(Location::file(&page.file.path))
    .with_help(format!(
        "a translation sits beside its page with the language before `.md` (`dvt.{}.md` beside `dvt.md`); write the `{}` page first, or rename this file to match it",
        edition.language, edition.main_language
    ))
}

/// E112: a translation lives at its page's address in the edition's folder; a `slug:` of its
/// own would break the language switcher and the `hreflang` pairs.
fn moved_translation(page: &Page, original: &Page, edition: &Edition) -> Option<Diagnostic> {
    let expected = format!("{}{}", edition.prefix, original.url);
    (page.url != expected).then(|| {
        Diagnostic::error(
            "E112",
            format!(
                "{} would be written to /{}, but its page content/{} is at /{}: a translation keeps its page's address",
                page.file.path.display(),
                page.url,
                original.content_path,
                expected
            ),
        )
        .at(page.locate(&[Key::Field("slug")]))
        .with_help("give the translation the same `slug:` as its page, or none if its page has none")
    })
}

fn shown_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

/// E064: a FIFO, socket or device named `.md`: reading it could block or never end.
fn not_a_regular_file(shown: &Path) -> Diagnostic {
    Diagnostic::error("E064", format!("{} is not a regular file", shown.display()))
        .at(Location::file(shown))
        .with_help(
            "kneeguide reads only regular files (or symbolic links to them inside the site folder)",
        )
}

/// Reads a file the build needs as text: a regular file only, and UTF-8 only. `shown` is the
/// path as messages name it.
pub fn read_text(path: &Path, shown: &Path) -> Result<String, Diagnostic> {
    use std::io::Read as _;
    let cannot_read = |error: std::io::Error| {
        Diagnostic::error("E019", format!("cannot read {}: {error}", shown.display()))
            .at(Location::file(shown))
    };
    // Where a FIFO cannot be opened without waiting for a writer, its path is judged first.
    if !cfg!(unix) && !std::fs::metadata(path).map_err(cannot_read)?.is_file() {
        return Err(not_a_regular_file(shown));
    }
    let mut file = open_without_waiting(path).map_err(cannot_read)?;
    // Judged on the open file, not on its path again: one path lookup per page, not two.
    let meta = file.metadata().map_err(cannot_read)?;
    if !meta.is_file() {
        return Err(not_a_regular_file(shown));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0) + 1);
    file.read_to_end(&mut bytes).map_err(cannot_read)?;
    String::from_utf8(bytes).map_err(|error| {
        let valid_up_to = error.utf8_error().valid_up_to();
        not_utf8(shown, error.as_bytes(), valid_up_to)
    })
}

/// Opens a file for reading. On Unix it is opened non-blocking, which changes nothing for a
/// regular file, but makes opening a FIFO return at once instead of waiting for a writer
/// (`read_text` then refuses it before reading).
fn open_without_waiting(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// E019 at the first byte that is not UTF-8, quoting a short escaped excerpt of its line: the
/// file may be anything (a key, a binary), so it is never printed at length or raw.
fn not_utf8(shown: &Path, bytes: &[u8], valid_up_to: usize) -> Diagnostic {
    const BEFORE: usize = 30;
    const AFTER: usize = 8;
    let valid = &bytes[..valid_up_to];
    let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
    let before_text = std::str::from_utf8(&valid[line_start..]).unwrap_or_default();
    let column = before_text.chars().count() + 1;
    let skipped = before_text.chars().count().saturating_sub(BEFORE);
    let mut excerpt = String::new();
    if skipped > 0 {
        excerpt.push('…');
    }
    for c in before_text.chars().skip(skipped) {
        if c.is_control() {
            excerpt.extend(c.escape_default());
        } else {
            excerpt.push(c);
        }
    }
    let caret = excerpt.chars().count() + 1;
    for &byte in bytes[valid_up_to..]
        .iter()
        .take_while(|&&b| b != b'\n')
        .take(AFTER)
    {
        if byte.is_ascii_graphic() || byte == b' ' {
            excerpt.push(char::from(byte));
        } else {
            excerpt.push_str(&format!("\\x{byte:02X}"));
        }
    }
    Diagnostic::error("E019", "the file is not valid UTF-8 text")
        .at(Location::quoting(shown, line, column, &excerpt).with_caret(caret))
        .with_help("save the file with UTF-8 encoding")
}

/// Reads one page; `translation` is the edition whose translation the file is (`dvt.de.md`),
/// which gets its page's `content_path` and id (`causes/dvt.md`, `dvt`) and the edition's folder.
fn load_page(
    root: &Path,
    content_dir: &Path,
    path: &Path,
    translation: Option<&Edition>,
    memo: Option<&dyn FrontMatterMemo>,
) -> Result<Page, Vec<Diagnostic>> {
    let shown = shown_path(root, path);
    let text = read_text(path, &shown).map_err(|d| vec![d])?;
    let file = SourceFile::new(shown, text);
    let mut content_path = content_path_of(content_dir, path);
    let mut id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if translation.is_some()
        && let Some((base, _)) = language_suffix(&content_path)
    {
        content_path = format!("{base}.md");
        id = id
            .rsplit_once('.')
            .map_or(id.clone(), |(stem, _)| stem.to_owned());
    }

    let parts = yaml::split(&file).map_err(|d| vec![d])?;
    let kind = MetaKind::of(&content_path);
    let mut parse = || kind.parse(&file, parts.yaml.clone());
    let meta = match memo {
        Some(memo) => memo.front_matter(kind, &file.text[parts.yaml.clone()], &mut parse),
        None => parse(),
    }
    .map_err(|d| vec![d])?;

    let mut errors = Vec::new();
    let slug = match meta.slug() {
        Some(slug) => {
            if !is_url_safe(slug) {
                errors.push(unsafe_slug(slug).at(yaml::locate(
                    &file,
                    &parts.yaml,
                    &[Key::Field("slug")],
                )));
            }
            slug.to_owned()
        }
        None => {
            if !matches!(meta, Meta::Home(_)) && !is_url_safe(&id) {
                errors.push(unsafe_slug(&id).at(name_location(&file.path, &id)).with_help(
                    "rename the file to lower-case words joined by hyphens, or set a `slug:` field",
                ));
            }
            id.clone()
        }
    };
    let url = match &meta {
        Meta::Home(_) => String::new(),
        Meta::Tree(_) => TREE_URL.to_owned(),
        Meta::Cause(_) => format!("{CAUSES_DIR}/{slug}/"),
        Meta::Plain(_) => match content_path.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/{slug}/"),
            None => format!("{slug}/"),
        },
    };
    // The folders of a plain page are part of its URL too (its own name was checked above).
    if matches!(meta, Meta::Plain(_))
        && let Some((folders, _)) = content_path.rsplit_once('/')
        && let Some(folder) = folders.split('/').find(|folder| !is_url_safe(folder))
    {
        errors.push(
            unsafe_slug(folder)
                .at(name_location(&file.path, folder))
                .with_help("rename the folder to lower-case words joined by hyphens"),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let prefix = translation.map_or("", |edition| edition.prefix.as_str());
    Ok(Page {
        file,
        content_path,
        parts,
        meta,
        id,
        url: format!("{prefix}{url}"),
        rendered: Rendered::default(),
        untranslated: false,
    })
}

/// `content/causes/dvt.md` -> `causes/dvt.md`, with `/` separators on every platform.
fn content_path_of(content_dir: &Path, path: &Path) -> String {
    path.strip_prefix(content_dir)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A file or folder name is located by quoting the path with a caret under the name: it has no
/// line in any file.
fn name_location(path: &Path, name: &str) -> Location {
    let text = path.to_string_lossy();
    let column = text
        .rfind(name)
        .map_or(1, |start| text[..start].chars().count() + 1);
    Location::quoting(path, 0, 0, &text).with_caret(column)
}

fn unsafe_slug(slug: &str) -> Diagnostic {
    Diagnostic::error("E016", format!("`{slug}` is not a URL-safe slug")).with_help(
        "use lower-case letters and digits in words joined by single hyphens, e.g. `bakers-cyst`",
    )
}

/// Lower-case ASCII words joined by single hyphens: safe in a URL and in a file name.
pub fn is_url_safe(slug: &str) -> bool {
    !slug.is_empty()
        && slug.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Two pages may not be written to the same place.
fn check_urls(content: &Content, diagnostics: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, &Page> = HashMap::new();
    for page in &content.pages {
        if let Some(first) = seen.insert(&page.url, page) {
            let place = |page: &Page| match page.meta.slug() {
                Some(_) => page.locate(&[Key::Field("slug")]),
                None => Location::file(&page.file.path),
            };
            diagnostics.push(
                Diagnostic::error(
                    "E002",
                    format!(
                        "duplicate slug: {} and {} would both be written to /{}",
                        first.file.path.display(),
                        page.file.path.display(),
                        page.url
                    ),
                )
                .at(place(page))
                .with_label(place(first), format!("/{} is taken here first", page.url))
                .with_help("give one of them a different `slug:`"),
            );
            seen.insert(&first.url, first);
        }
    }
}

/// `../../` for `causes/dvt/`; `./` for the home page.
pub fn root_prefix(url: &str) -> String {
    let depth = url.matches('/').count();
    if depth == 0 {
        "./".to_owned()
    } else {
        "../".repeat(depth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_safe_slugs() {
        assert!(is_url_safe("bakers-cyst"));
        assert!(is_url_safe("o2"));
        for bad in ["", "-a", "a-", "a--b", "A", "a b", "../x", "a/b", "ä"] {
            assert!(!is_url_safe(bad), "{bad}");
        }
    }
    #[test]
    fn language_suffixes() {
        assert_eq!(language_suffix("dvt.de.md"), Some(("dvt", "de")));
        assert_eq!(
            language_suffix("_index.pt-br.md"),
            Some(("_index", "pt-br"))
        );
        for not_one in [
            "dvt.md",
            "a.b.c.txt",
            ".de.md",
            "x.deutsch.md",
            "x.DE.md",
            "x.d.md",
        ] {
            assert_eq!(language_suffix(not_one), None, "{not_one}");
        }
    }

    #[test]
    fn root_prefixes() {
        assert_eq!(root_prefix(""), "./");
        assert_eq!(root_prefix("about/"), "../");
        assert_eq!(root_prefix("causes/dvt/"), "../../");
    }
}
