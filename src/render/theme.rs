//! The theme: Tera templates (every syntax error reported at once), static files with hashed
//! names, the ids its templates use (`theme.yaml`), and template errors as diagnostics.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tera::Tera;
use walkdir::WalkDir;

use crate::content::{Content, Meta};
use crate::diagnostics::{Diagnostic, Location, SourceFile};
use crate::yaml::Key;

use super::{OutputFile, template_for};
use crate::theme_config::THEMES_DIR;

/// A loaded theme: compiled templates and static files (CSS and JS renamed with a content hash).
pub struct Theme {
    pub tera: Tera,
    pub dir: PathBuf,
    /// Template name -> source, to quote lines in errors.
    pub(super) sources: BTreeMap<String, std::sync::Arc<SourceFile>>,
    /// Output path -> bytes.
    pub static_files: Vec<OutputFile>,
    /// Logical path (`css/site.css`) -> hashed path (`css/site.3f9a01c2b4.css`).
    pub assets: BTreeMap<String, String>,
}

impl Theme {
    pub fn load(root: &Path, name: &str, diagnostics: &mut Vec<Diagnostic>) -> Option<Theme> {
        let dir = root.join(THEMES_DIR).join(name);
        let templates_dir = dir.join("templates");
        if !templates_dir.is_dir() {
            diagnostics.push(
                Diagnostic::error(
                    "E031",
                    format!(
                        "theme `{name}` not found: no folder {}",
                        shown(root, &templates_dir).display()
                    ),
                )
                .at(Location::file(Path::new(crate::config::CONFIG_FILE)))
                .with_help(
                    "set `theme:` in site.yaml to a folder under themes/ that has templates/",
                ),
            );
            return None;
        }
        let mut sources = BTreeMap::new();
        for entry in WalkDir::new(&templates_dir)
            .sort_by_file_name()
            .into_iter()
            .flatten()
        {
            if !entry.file_type().is_file() {
                continue;
            }
            let name = relative_name(&templates_dir, entry.path());
            match std::fs::read_to_string(entry.path()) {
                Ok(text) => {
                    sources.insert(name, SourceFile::new(shown(root, entry.path()), text));
                }
                Err(error) => diagnostics.push(
                    Diagnostic::error("E019", format!("cannot read template: {error}"))
                        .at(Location::file(&shown(root, entry.path()))),
                ),
            }
        }

        let mut tera = Tera::new();
        tera.autoescape_on(vec![".html", ".xml"]);
        register_filters(&mut tera);
        // Syntax errors are found template by template so that all of them are reported at once.
        let mut syntax_ok = true;
        for (name, file) in &sources {
            let mut single = Tera::new();
            register_filters(&mut single);
            if let Err(error) = single.add_raw_template(name, &file.text)
                && matches!(error.kind(), tera::ErrorKind::SyntaxError(_))
            {
                syntax_ok = false;
                diagnostics.push(template_error(&error, &sources, None));
            }
        }
        if !syntax_ok {
            return None;
        }
        if let Err(error) = tera.add_raw_templates(
            sources
                .iter()
                .map(|(name, file)| (name.as_str(), file.text.as_str())),
        ) {
            diagnostics.push(template_error(&error, &sources, None));
            return None;
        }

        let (static_files, assets) = load_static(root, &dir.join("static"), diagnostics);
        Some(Theme {
            tera,
            dir,
            sources,
            static_files,
            assets,
        })
    }

    pub fn has_template(&self, name: &str) -> bool {
        self.tera.contains_template(name)
    }
}

pub(crate) fn shown(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

fn relative_name(base: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(base).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn load_static(
    root: &Path,
    static_dir: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<OutputFile>, BTreeMap<String, String>) {
    let mut files = Vec::new();
    let mut assets = BTreeMap::new();
    if !static_dir.is_dir() {
        return (files, assets);
    }
    for entry in WalkDir::new(static_dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        if !entry.file_type().is_file() {
            continue;
        }
        let logical = relative_name(static_dir, entry.path());
        let bytes = match std::fs::read(entry.path()) {
            Ok(bytes) => bytes,
            Err(error) => {
                diagnostics.push(
                    Diagnostic::error("E019", format!("cannot read static file: {error}"))
                        .at(Location::file(&shown(root, entry.path()))),
                );
                continue;
            }
        };
        let output = match logical.rsplit_once('.') {
            Some((stem, ext @ ("css" | "js"))) => {
                let hash = Sha256::digest(&bytes);
                let short: String = hash.iter().take(5).fold(String::new(), |mut s, b| {
                    let _ = write!(s, "{b:02x}");
                    s
                });
                format!("{stem}.{short}.{ext}")
            }
            _ => logical.clone(),
        };
        assets.insert(logical, output.clone());
        files.push((output, bytes));
    }
    (files, assets)
}

/// Filters our templates need beyond Tera's built-ins.
fn register_filters(tera: &mut Tera) {
    tera.register_filter(
        "json_ld",
        |value: tera::Value, _: tera::Kwargs, _: &tera::State| {
            // JSON that is safe inside <script type="application/ld+json">: strings stay JSON
            // (never HTML-escaped), and `<`, `>` and `&` are written as \u escapes, which JSON
            // reads back as the same characters but which cannot close the element or open a
            // comment.
            let json = serde_json::to_string(&value).unwrap_or_default();
            let mut safe = String::with_capacity(json.len());
            for c in json.chars() {
                match c {
                    '<' => safe.push_str("\\u003c"),
                    '>' => safe.push_str("\\u003e"),
                    '&' => safe.push_str("\\u0026"),
                    c => safe.push(c),
                }
            }
            safe
        },
    );
    tera.register_filter("tel", |number: String, _: tera::Kwargs, _: &tera::State| {
        number
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect::<String>()
    });
}

/// Converts a Tera error into our diagnostic, naming the template file and line.
pub fn template_error(
    error: &tera::Error,
    sources: &BTreeMap<String, std::sync::Arc<SourceFile>>,
    page: Option<&Path>,
) -> Diagnostic {
    let while_rendering = page
        .map(|p| format!(" (while rendering {})", p.display()))
        .unwrap_or_default();
    match error.kind() {
        tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) => {
            let code = if matches!(error.kind(), tera::ErrorKind::SyntaxError(_)) {
                "template syntax error"
            } else {
                "template error"
            };
            let mut diagnostic = Diagnostic::error(
                "E030",
                format!("{code}: {}{while_rendering}", report.message()),
            );
            match sources.get(report.filename()) {
                Some(file) => {
                    let span = report.span();
                    diagnostic = diagnostic.at(file.location(span.start_line, span.start_col + 1));
                }
                None => {
                    diagnostic = diagnostic.at(Location::file(Path::new(report.filename())));
                }
            }
            diagnostic
        }
        tera::ErrorKind::TemplateNotFound(name) => Diagnostic::error(
            "E031",
            format!("template `{name}` not found{while_rendering}"),
        )
        .with_help("add it to the theme's templates/ folder"),
        tera::ErrorKind::MissingParent { current, parent } => {
            let mut diagnostic = Diagnostic::error(
                "E031",
                format!("template `{current}` extends `{parent}`, which does not exist"),
            );
            if let Some(file) = sources.get(current) {
                diagnostic = diagnostic.at(Location::file(&file.path));
            }
            diagnostic
        }
        other => {
            let mut message = other.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(inner) = source {
                message.push_str(&format!(": {inner}"));
                source = inner.source();
            }
            Diagnostic::error(
                "E030",
                format!("template error: {message}{while_rendering}"),
            )
        }
    }
}

/// Every content page must name a template the theme has.
pub fn check_templates(theme: &Theme, content: &Content, diagnostics: &mut Vec<Diagnostic>) {
    for page in &content.pages {
        let template = template_for(page);
        if theme.has_template(&template) {
            continue;
        }
        let explicit = matches!(&page.meta, Meta::Home(m) | Meta::Plain(m) if m.template.is_some());
        let location = if explicit {
            page.locate(&[Key::Field("template")])
        } else {
            Location::file(&page.file.path)
        };
        let available: Vec<&str> = theme
            .tera
            .get_template_names()
            .filter(|n| !n.starts_with("partials/"))
            .collect();
        let mut available = available;
        available.sort_unstable();
        diagnostics.push(
            Diagnostic::error(
                "E031",
                format!(
                    "template `{template}` not found in {}",
                    shown(Path::new(""), &theme.dir.join("templates")).display()
                ),
            )
            .at(location)
            .with_help(
                match crate::diagnostics::nearest(&template, available.iter().copied()) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!("the theme has: {}", available.join(", ")),
                },
            ),
        );
    }
}

/// E066: a file in the theme's `static/` at a path the build also writes (`404.html`,
/// `sitemap.xml`, a page's `index.html` …). Found here, located at the static file, rather
/// than as a failed write while rendering.
pub fn check_static_collisions(
    theme: &Theme,
    theme_name: &str,
    content: &Content,
    tree: Option<&crate::decision_tree::Tree>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if theme.static_files.is_empty() {
        return;
    }
    let mut generated: HashMap<String, String> = content
        .pages
        .iter()
        .map(|page| {
            (
                format!("{}index.html", page.url),
                format!("the page of {}", page.file.path.display()),
            )
        })
        .collect();
    for (path, what) in [
        ("404.html", "the not-found page"),
        ("sitemap.xml", "the sitemap"),
        ("robots.txt", "robots.txt"),
    ] {
        generated.insert(path.to_owned(), what.to_owned());
    }
    if let Some(tree) = tree {
        let tree_prefix = tree.url.as_str();
        if theme
            .static_files
            .iter()
            .any(|(path, _)| path.starts_with(tree_prefix))
        {
            for url in tree.page_urls() {
                generated.insert(
                    format!("{url}index.html"),
                    "a decision-tree page".to_owned(),
                );
            }
            for (path, _) in tree.files() {
                generated.insert(path, "a decision-tree file".to_owned());
            }
        }
    }
    for (path, _) in &theme.static_files {
        if let Some(what) = generated.get(path) {
            let source = std::path::Path::new(crate::theme_config::THEMES_DIR)
                .join(theme_name)
                .join("static")
                .join(path);
            diagnostics.push(
                Diagnostic::error(
                    "E066",
                    format!(
                        "static file {path} would overwrite {what}, which the build writes there"
                    ),
                )
                .at(crate::diagnostics::Location::file(&source))
                .with_help(
                    "rename or remove the static file; kneeguide generates this file itself",
                ),
            );
        }
    }
}
