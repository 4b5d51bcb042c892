//! Stage 4, render: Tera templates from the theme, fed with the site, rendered in parallel; each
//! result goes straight to the output sink instead of piling up in memory.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tera::{Context, Tera};
use walkdir::WalkDir;

use crate::config::SiteConfig;
use crate::content::frontmatter::Key;
use crate::content::meta::{CauseGroup, Urgency};
use crate::content::{Content, Meta, Page};
use crate::diagnostics::{Diagnostic, Location, SourceFile};
use crate::output::Sink;

/// A file to write: path relative to the output root, and its bytes.
pub type OutputFile = (String, Vec<u8>);

pub const THEMES_DIR: &str = "themes";

/// A loaded theme: compiled templates and static files (CSS and JS renamed with a content hash).
pub struct Theme {
    pub tera: Tera,
    pub dir: PathBuf,
    /// Template name -> source, to quote lines in errors.
    sources: BTreeMap<String, std::sync::Arc<SourceFile>>,
    /// Output path -> bytes.
    pub static_files: Vec<OutputFile>,
    /// Logical path (`css/site.css`) -> hashed path (`css/site.3f9a01c2b4.css`).
    pub assets: BTreeMap<String, String>,
}

pub const THEME_FILE: &str = "theme.yaml";

/// `theme.yaml`: ids that the theme's templates put on every page of a kind (`#symptoms` on a
/// cause page). Markdown headings never take them, and links to them are valid.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeIdsFile {
    #[serde(default)]
    ids: ThemeIdLists,
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeIdLists {
    #[serde(default)]
    all: Vec<String>,
    #[serde(default)]
    home: Vec<String>,
    #[serde(default)]
    page: Vec<String>,
    #[serde(default)]
    cause: Vec<String>,
    #[serde(default)]
    decision_tree: Vec<String>,
}

/// The theme's ids per kind of page, each set including the ids on every page.
#[derive(Debug, Default, Clone)]
pub struct ThemeIds {
    home: std::collections::HashSet<String>,
    page: std::collections::HashSet<String>,
    cause: std::collections::HashSet<String>,
    decision_tree: std::collections::HashSet<String>,
}

impl ThemeIds {
    fn from_lists(lists: ThemeIdLists) -> Self {
        let with_all = |own: Vec<String>| lists.all.iter().cloned().chain(own).collect();
        ThemeIds {
            home: with_all(lists.home),
            page: with_all(lists.page),
            cause: with_all(lists.cause),
            decision_tree: with_all(lists.decision_tree),
        }
    }

    pub fn for_page(&self, meta: &Meta) -> &std::collections::HashSet<String> {
        match meta {
            Meta::Home(_) => &self.home,
            Meta::Plain(_) => &self.page,
            Meta::Cause(_) => &self.cause,
            Meta::Tree(_) => &self.decision_tree,
        }
    }
}

/// Read apart from the templates, so that a template error does not also turn every link to a
/// theme id into a broken-anchor error.
pub fn load_theme_ids(root: &Path, theme: &str, diagnostics: &mut Vec<Diagnostic>) -> ThemeIds {
    let path = root.join(THEMES_DIR).join(theme).join(THEME_FILE);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return ThemeIds::default();
    };
    let file = SourceFile::new(shown(root, &path), text);
    match crate::content::frontmatter::parse::<ThemeIdsFile>(&file, 0..file.text.len()) {
        Ok(parsed) => ThemeIds::from_lists(parsed.ids),
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            ThemeIds::default()
        }
    }
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

fn shown(root: &Path, path: &Path) -> PathBuf {
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
            // JSON that is safe inside <script type="application/ld+json">: no `</` can close the tag.
            let json = serde_json::to_string(&value).unwrap_or_default();
            json.replace("</", "<\\/").replace("<!--", "<\\!--")
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

/// One file to render: the template, where it goes and how to make its context (made lazily in
/// the worker thread, so thousands of contexts never exist at once).
pub struct Job<'a> {
    pub output_path: String,
    pub template: String,
    /// Content file the page comes from, named in template errors.
    pub source: Option<PathBuf>,
    pub context: Box<dyn Fn() -> Context + Send + Sync + 'a>,
}

/// Renders all jobs in parallel, each straight into the sink; returns how many were written.
pub fn render_jobs(
    theme: &Theme,
    jobs: Vec<Job>,
    sink: &dyn Sink,
) -> Result<usize, Vec<Diagnostic>> {
    let errors = Mutex::new(BTreeMap::<String, Diagnostic>::new());
    jobs.par_iter().for_each(|job| {
        let result = theme
            .tera
            .render(&job.template, &(job.context)())
            .map_err(|error| template_error(&error, &theme.sources, job.source.as_deref()))
            .and_then(|html| {
                sink.put(&job.output_path, html.into_bytes())
                    .map_err(|error| {
                        Diagnostic::error(
                            "E032",
                            format!("cannot write {}: {error}", job.output_path),
                        )
                    })
            });
        if let Err(diagnostic) = result {
            // The same template mistake on a thousand pages is reported once.
            let key = match &diagnostic.location {
                Some(l) => format!("{}:{}:{}", l.file.display(), l.line, l.column),
                None => diagnostic.message.clone(),
            };
            errors
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(key)
                .or_insert(diagnostic);
        }
    });
    let errors = errors.into_inner().unwrap_or_else(|p| p.into_inner());
    if errors.is_empty() {
        Ok(jobs.len())
    } else {
        Err(errors.into_values().collect())
    }
}

/// Words and ranks of the urgency levels, shared by cause pages and the decision tree.
#[derive(Serialize)]
pub struct UrgencyInfo {
    pub id: &'static str,
    pub rank: u8,
    /// Short label shown beside the icon: never colour alone.
    pub label: &'static str,
    /// The call to action heading a care card; templates complete it ("... if:").
    pub action: String,
}

pub fn urgency_info(config: &SiteConfig) -> BTreeMap<&'static str, UrgencyInfo> {
    Urgency::ALL
        .iter()
        .map(|&urgency| {
            let (label, action) = match urgency {
                Urgency::Emergency => {
                    ("Emergency", format!("Call {} now", config.emergency_number))
                }
                Urgency::Urgent => ("Urgent", "Get medical help today".to_owned()),
                Urgency::Routine => ("See a doctor", "See a doctor".to_owned()),
                Urgency::SelfCare => (
                    "Self-care",
                    "You can usually look after this yourself".to_owned(),
                ),
            };
            let info = UrgencyInfo {
                id: urgency.as_str(),
                rank: urgency as u8,
                label,
                action,
            };
            (urgency.as_str(), info)
        })
        .collect()
}

pub fn group_label(group: CauseGroup) -> &'static str {
    match group {
        CauseGroup::Injury => "After a fall, accident or twist",
        CauseGroup::Overuse => "After sport or exercise",
        CauseGroup::Swelling => "A lump or swelling",
        CauseGroup::BloodVessels => "Blood vessels",
        CauseGroup::Nerves => "Nerves",
        CauseGroup::Children => "In children",
    }
}

/// A page as templates see it in lists (`pages`, `causes`, `nav`).
#[derive(Serialize)]
pub struct PageSummary<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub url: &'a str,
}

#[derive(Serialize)]
struct CauseSummary<'a> {
    id: &'a str,
    url: &'a str,
    #[serde(flatten)]
    meta: &'a crate::content::meta::CauseMeta,
}

#[derive(Serialize)]
struct Group<'a> {
    id: CauseGroup,
    label: &'static str,
    causes: Vec<CauseSummary<'a>>,
}

/// The context every template sees, set once on the Tera instance (not cloned per page).
pub fn set_global_context(
    theme: &mut Theme,
    config: &SiteConfig,
    content: &Content,
    extra: Vec<(&'static str, tera::Value)>,
) {
    let mut nav: Vec<(u32, PageSummary)> = content
        .pages
        .iter()
        .filter_map(|page| match &page.meta {
            Meta::Plain(meta) => meta.nav_order.map(|order| {
                (
                    order,
                    PageSummary {
                        title: meta.nav_title.as_deref().unwrap_or(&meta.title),
                        description: &meta.description,
                        url: &page.url,
                    },
                )
            }),
            Meta::Tree(tree) => Some((
                1,
                PageSummary {
                    title: tree.nav_title.as_deref().unwrap_or(&tree.title),
                    description: &tree.description,
                    url: &page.url,
                },
            )),
            _ => None,
        })
        .collect();
    nav.sort_by_key(|(order, entry)| (*order, entry.url.to_owned()));
    let nav: Vec<PageSummary> = nav.into_iter().map(|(_, entry)| entry).collect();

    let pages: Vec<PageSummary> = content
        .pages
        .iter()
        .filter_map(|page| match &page.meta {
            Meta::Plain(meta) => Some(PageSummary {
                title: &meta.title,
                description: &meta.description,
                url: &page.url,
            }),
            _ => None,
        })
        .collect();

    let mut groups: BTreeMap<CauseGroup, Vec<CauseSummary>> = BTreeMap::new();
    for (page, meta) in content.causes() {
        groups.entry(meta.group).or_default().push(CauseSummary {
            id: &page.id,
            url: &page.url,
            meta,
        });
    }
    let causes: Vec<&CauseSummary> = groups.values().flatten().collect();
    let global = theme.tera.global_context();
    global.insert("site", config);
    global.insert("base_path", config.base_path());
    global.insert("nav", &nav);
    global.insert("pages", &pages);
    global.insert("causes", &causes);
    let groups: Vec<Group> = groups
        .into_iter()
        .map(|(id, causes)| Group {
            id,
            label: group_label(id),
            causes,
        })
        .collect();
    global.insert("cause_groups", &groups);
    global.insert("urgency", &urgency_info(config));
    global.insert("assets", &theme.assets);
    global.insert(
        "generator",
        &format!("kneeguide {}", env!("CARGO_PKG_VERSION")),
    );
    for (key, value) in extra {
        global.insert_value(key, value);
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

#[derive(Serialize)]
struct RelatedCause<'a> {
    id: &'a str,
    title: &'a str,
    summary: &'a str,
    url: &'a str,
}

/// The `page` variable of a content page.
/// A page's front matter by reference, so templates see its fields without a copy through JSON.
#[derive(Serialize)]
#[serde(untagged)]
enum MetaView<'a> {
    Plain(&'a crate::content::meta::PlainMeta),
    Cause(&'a crate::content::meta::CauseMeta),
    Tree(&'a crate::triage::model::TreeMeta),
}

/// The `page` variable of a content page: its front matter plus what the pipeline computed.
#[derive(Serialize)]
struct PageView<'a> {
    #[serde(flatten)]
    meta: MetaView<'a>,
    kind: &'static str,
    id: &'a str,
    url: &'a str,
    source: &'a str,
    content: &'a str,
    toc: &'a [crate::markdown::Heading],
    #[serde(skip_serializing_if = "Option::is_none")]
    related_causes: Option<Vec<RelatedCause<'a>>>,
}

fn page_context(
    config: &SiteConfig,
    content: &Content,
    page: &Page,
    extra: Option<tera::Value>,
) -> Context {
    let (meta, kind) = match &page.meta {
        Meta::Home(meta) => (MetaView::Plain(meta), "home"),
        Meta::Plain(meta) => (MetaView::Plain(meta), "page"),
        Meta::Cause(meta) => (MetaView::Cause(meta), "cause"),
        Meta::Tree(meta) => (MetaView::Tree(meta), "decision-tree"),
    };
    let related_causes = page.cause().map(|meta| {
        meta.related
            .iter()
            .filter_map(|id| content.cause(id))
            .map(|(p, m)| RelatedCause {
                id: &p.id,
                title: &m.title,
                summary: &m.summary,
                url: &p.url,
            })
            .collect()
    });
    let view = PageView {
        meta,
        kind,
        id: &page.id,
        url: &page.url,
        source: &page.content_path,
        content: &page.rendered.html,
        toc: &page.rendered.toc,
        related_causes,
    };
    let mut context = Context::new();
    context.insert("page", &view);
    context.insert("root", &root_prefix(&page.url));
    context.insert("canonical", &format!("{}{}", config.base_url, page.url));
    if let Some(extra) = extra {
        context.insert_value("extra", extra);
    }
    context
}

pub fn template_for(page: &Page) -> String {
    match &page.meta {
        Meta::Home(meta) => meta
            .template
            .clone()
            .unwrap_or_else(|| "index.html".to_owned()),
        Meta::Plain(meta) => meta
            .template
            .clone()
            .unwrap_or_else(|| "page.html".to_owned()),
        Meta::Cause(_) => "cause.html".to_owned(),
        Meta::Tree(_) => "decision-tree/start.html".to_owned(),
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

/// Jobs for every content page. `extra_for` adds data that other stages computed (e.g. which
/// decision-tree answers lead to a cause).
pub fn page_jobs<'a>(
    config: &'a SiteConfig,
    content: &'a Content,
    extra_for: &'a (dyn Fn(&Page) -> Option<tera::Value> + Send + Sync),
) -> Vec<Job<'a>> {
    content
        .pages
        .iter()
        .map(|page| Job {
            output_path: format!("{}index.html", page.url),
            template: template_for(page),
            source: Some(page.file.path.clone()),
            context: Box::new(move || page_context(config, content, page, extra_for(page))),
        })
        .collect()
}

/// The 404 page is served at any missing path, so its links are absolute under the base path.
pub fn not_found_job(config: &SiteConfig) -> Job<'_> {
    Job {
        output_path: "404.html".to_owned(),
        template: "404.html".to_owned(),
        source: None,
        context: Box::new(move || {
            let mut context = Context::new();
            context.insert("root", config.base_path());
            context.insert("canonical", &format!("{}404.html", config.base_url));
            let mut page = serde_json::Map::new();
            page.insert("kind".into(), "404".into());
            page.insert("title".into(), "Page not found".into());
            page.insert("description".into(), "This page does not exist.".into());
            page.insert("url".into(), "404.html".into());
            context.insert("page", &page);
            context
        }),
    }
}

/// `sitemap.xml` lists every HTML page (URLs ending in `/`), sorted for determinism.
pub fn sitemap(config: &SiteConfig, urls: &[(String, Option<String>)]) -> String {
    let mut sorted: Vec<&(String, Option<String>)> = urls.iter().collect();
    sorted.sort();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (url, lastmod) in sorted {
        let _ = write!(
            xml,
            "  <url><loc>{}{}</loc>",
            escape_xml(&config.base_url),
            escape_xml(url)
        );
        if let Some(date) = lastmod {
            let _ = write!(xml, "<lastmod>{date}</lastmod>");
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}

pub fn robots(config: &SiteConfig) -> String {
    format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}sitemap.xml\n",
        config.base_url
    )
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_prefixes() {
        assert_eq!(root_prefix(""), "./");
        assert_eq!(root_prefix("about/"), "../");
        assert_eq!(root_prefix("causes/dvt/"), "../../");
    }
}
