//! kneeguide: a static site generator for a public guide to pain in the back of the knee.
//!
//! The pipeline runs in one direction, one module per stage:
//!
//! ```text
//! site.yaml, content/, themes/
//!   -> content::load   typed front matter, URLs            (content/)
//!   -> config::load    site.yaml                           (config.rs)
//!   -> theme_config    theme.yaml's ids, strings/<lang>    (theme_config.rs)
//!   -> markdown        HTML, heading ids, links rewritten  (markdown.rs)
//!   -> check           links, anchors, dates, sources      (check.rs)
//!   -> decision_tree   the decision tree, checked          (decision_tree/)
//!   -> render          Tera templates, in parallel         (render/)
//!   -> output          staging folder swapped in at the end (output.rs)
//! ```
//!
//! A site in several languages runs the stages from content to decision_tree once per language
//! (an [`Edition`]: the main language at the root, `de/` for German), then checks across them
//! (a translated tree's shape, `decision_tree::translation`) and renders every edition into one
//! output, with one sitemap that pairs each page with its translations.
//!
//! Imports point down this list: a stage uses the stages before it, never one after. Shared by
//! all of them: `diagnostics` (errors with locations), `yaml` (YAML parsed with locations) and
//! `job` (a page for render, made by content pages and by the tree). `serve` (serve/) and
//! `scaffold` sit on top; inside `serve`, `http` uses `reload`, and both use `response`.
//!
//! Diagnostics are collected one way: each stage pushes into a `&mut Vec<Diagnostic>` and
//! returns what it made (`Option` when it could not); [`load`] sorts them once into
//! [`Diagnostics`] for the caller.
//!
//! [`build_into`] loads and renders into any sink: `check` drops each page once rendered,
//! `serve` keeps them in memory; only [`build`] writes the output folder.
//! It also reads and writes the `incremental` cache beside it, to skip unchanged pages.

// A diagnostic is only built on the error path, so its size in a `Result` costs nothing that matters.
#![allow(clippy::result_large_err)]

pub mod check;
pub mod config;
pub mod content;
pub mod decision_tree;
pub mod diagnostics;
pub mod dir;
#[doc(hidden)]
pub mod fuzzing;
pub mod html;
pub mod incremental;
pub mod job;
pub mod link_hints;
pub mod markdown;
pub mod output;
pub mod placeholders;
pub mod render;
pub mod scaffold;
pub mod serve;
pub mod theme_config;
pub mod unfinished;
pub mod yaml;
mod yaml_words;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use config::SiteConfig;
use content::meta::Date;
use content::{Content, Meta};
use diagnostics::{Diagnostic, Diagnostics};
use output::Sink;
use render::Theme;

#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The site root: holds `site.yaml`, `content/` and `themes/`.
    pub root: PathBuf,
    /// Overrides `base_url` from `site.yaml`.
    pub base_url: Option<String>,
    /// Include pages marked `draft: true`.
    pub drafts: bool,
    /// The date review checks compare with; `Date::today()` (which honours `SOURCE_DATE_EPOCH`)
    /// unless set.
    pub today: Option<Date>,
    /// Write the theme's service worker (offline reading). `serve` turns it off: a preview that
    /// a worker serves from its cache would hide the edits it exists to show.
    pub service_worker: bool,
    /// `build --deny-warnings`: any warning fails the build, and nothing is written.
    pub deny_warnings: bool,
}

impl BuildOptions {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BuildOptions {
            root: root.into(),
            base_url: None,
            drafts: false,
            today: None,
            service_worker: true,
            deny_warnings: false,
        }
    }
}

/// A loaded and checked site, ready to render: one edition per language.
pub struct Site {
    /// The main language's edition (written at the root) first, then each of site.yaml's
    /// `languages` (written under its own folder, `de/`).
    pub editions: Vec<Edition>,
    /// Warnings found on the way (errors stop the load).
    pub warnings: Diagnostics,
    /// See [`BuildOptions::service_worker`].
    pub service_worker: bool,
}

/// The site in one language: its settings, pages, templates, tree and theme words.
pub struct Edition {
    /// site.yaml with this language's words; `config.prefix` is its folder (`""`, `de/`).
    pub config: SiteConfig,
    pub content: Content,
    pub theme: Theme,
    pub tree: Option<decision_tree::Tree>,
    /// The theme's words in this language.
    pub strings: theme_config::Strings,
}

impl Site {
    /// The main language's edition.
    pub fn main(&self) -> &Edition {
        &self.editions[0]
    }
}

/// One edition as loaded, before the checks across editions: `None` parts did not load.
struct LoadedEdition {
    config: Option<SiteConfig>,
    content: Content,
    theme: Option<Theme>,
    strings: Option<theme_config::Strings>,
    tree: Option<decision_tree::Tree>,
}

/// Loads and checks everything; on any error, returns all diagnostics found (errors and warnings).
pub fn load(options: &BuildOptions) -> Result<Site, Diagnostics> {
    load_cached(options, None)
}

/// [`load`], taking each unchanged page's Markdown results from `cache` (`build` only).
fn load_cached(
    options: &BuildOptions,
    cache: Option<&incremental::Cache>,
) -> Result<Site, Diagnostics> {
    let mut found = Vec::new();
    let config = config::load(&options.root, options.base_url.as_deref(), &mut found);
    let today = match options.today {
        Some(today) => today,
        None => {
            if let Err(message) = content::meta::source_date_epoch() {
                found.push(Diagnostic::error("E065", message).with_help(
                    "set it to whole seconds since 1970 (e.g. `date -u +%s`), or unset it to use the clock",
                ));
            }
            Date::today()
        }
    };
    // Without a config the languages are unknown: load the main language's files only.
    let editions = match &config {
        Some(config) => content::Edition::all(config),
        None => vec![content::Edition::single("")],
    };
    let theme_ids = config
        .as_ref()
        .map(|config| theme_config::load_theme_ids(&options.root, &config.theme, &mut found))
        .unwrap_or_default();
    let mut loaded: Vec<LoadedEdition> = Vec::new();
    for files in editions {
        let edition_config = config
            .as_ref()
            .and_then(|config| config.edition(&files.language));
        let edition = load_edition(
            options,
            files,
            edition_config,
            config.as_ref(),
            &theme_ids,
            today,
            cache,
            &mut found,
        );
        loaded.push(edition);
    }
    // Incremental: an edition changed after another took pages from the cache that now need
    // their HTML (see `incremental`): load again without it.
    if cache.is_some_and(incremental::Cache::must_reload) {
        return load_cached(options, None);
    }
    if let Some((main, others)) = loaded.split_first() {
        for other in others {
            decision_tree::translation::compare(&main.content, &other.content, &mut found);
        }
    }

    let mut diagnostics = Diagnostics::new();
    diagnostics.extend(found);
    let diagnostics = diagnostics.sorted();
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    let mut editions = Vec::new();
    for edition in loaded {
        let (Some(config), Some(theme), Some(strings)) =
            (edition.config, edition.theme, edition.strings)
        else {
            return Err(diagnostics);
        };
        editions.push(Edition {
            config,
            content: edition.content,
            theme,
            tree: edition.tree,
            strings,
        });
    }
    let main_language = editions
        .first()
        .map(|edition| edition.config.language.clone())
        .unwrap_or_default();
    for edition in &mut editions {
        let mut extra = edition
            .tree
            .as_ref()
            .map(|tree| vec![("tree", tree.global())])
            .unwrap_or_default();
        extra.push(("main_language", tera::Value::from(main_language.as_str())));
        render::set_global_context(
            &mut edition.theme,
            &edition.config,
            &edition.content,
            edition.tree.as_ref(),
            &edition.strings,
            extra,
        );
    }
    Ok(Site {
        editions,
        warnings: diagnostics,
        service_worker: options.service_worker,
    })
}

/// Loads and checks one language's edition. `main_config` is the main language's settings
/// (pages standing in for a missing translation keep its words).
// One more than clippy's limit since the incremental build's cache joined them.
#[allow(clippy::too_many_arguments)]
fn load_edition(
    options: &BuildOptions,
    files: content::Edition,
    config: Option<SiteConfig>,
    main_config: Option<&SiteConfig>,
    theme_ids: &theme_config::ThemeIds,
    today: Date,
    cache: Option<&incremental::Cache>,
    found: &mut Vec<Diagnostic>,
) -> LoadedEdition {
    // Diagnostics of the pages standing in for missing translations are the main edition's:
    // reported there once, not again here.
    let mut edition_found = Vec::new();
    let memo = cache.map(|cache| cache as &dyn content::FrontMatterMemo);
    let mut content = content::load_edition(
        &options.root,
        options.drafts,
        &files,
        memo,
        &mut edition_found,
    );
    if let (Some(config), Some(main_config)) = (&config, main_config) {
        placeholders::fill_front_matter(&mut content, config, main_config, &mut edition_found);
    }
    // Without a config the theme's name is unknown: don't pile a second error on the first.
    let theme = config
        .as_ref()
        .and_then(|config| Theme::load(&options.root, &config.theme, &mut edition_found));
    let strings = config.as_ref().and_then(|config| {
        theme_config::load_strings(
            &options.root,
            &config.theme,
            &config.language,
            &mut edition_found,
        )
    });
    let edition_key = cache.map(|cache| cache.edition(&files.language, &content));
    let body_errors = render_markdown(
        &mut content,
        config.as_ref(),
        theme_ids,
        strings.as_ref(),
        cache.zip(edition_key.as_ref()),
    );
    check::run(
        &content,
        &body_errors,
        theme_ids,
        config.as_ref(),
        today,
        &mut edition_found,
    );
    unfinished::check(&content, &mut edition_found);
    if let Some(theme) = &theme {
        render::check_templates(theme, &content, &mut edition_found);
    }
    // An untranslated tree is not compiled again: the edition links the main language's tree.
    let tree_translated = content.tree().is_some_and(|(page, _)| !page.untranslated);
    let tree = config
        .as_ref()
        .filter(|_| tree_translated)
        .and_then(|config| {
            decision_tree::compile(&content, config, &options.root, &mut edition_found)
        });
    // Drafts may add causes to the tree's outcomes: the reviewed list is of the published tree.
    // The other languages' trees have the same paths (`translation::compare`).
    if let Some(tree) = &tree
        && !options.drafts
        && files.is_main()
    {
        decision_tree::golden::compare(&options.root, tree, &mut edition_found);
    }
    if let (Some(theme), Some(config)) = (&theme, &config) {
        render::check_static_collisions(
            theme,
            &config.theme,
            &content,
            tree.as_ref(),
            &mut edition_found,
        );
    }
    let untranslated: HashSet<&Path> = content
        .pages
        .iter()
        .filter(|page| page.untranslated)
        .map(|page| page.file.path.as_path())
        .collect();
    found.extend(edition_found.into_iter().filter(|diagnostic| {
        diagnostic.code == "W110"
            || !diagnostic
                .location
                .as_ref()
                .is_some_and(|at| untranslated.contains(at.file.as_path()))
    }));
    LoadedEdition {
        config,
        content,
        theme,
        strings,
        tree,
    }
}

/// Renders each page's Markdown in parallel; returns each page's problems (links, raw HTML, ids).
/// In another language's edition, links to a page standing in for a missing translation say so
/// (`strings.language.untranslated`).
fn render_markdown(
    content: &mut Content,
    config: Option<&SiteConfig>,
    theme_ids: &theme_config::ThemeIds,
    strings: Option<&theme_config::Strings>,
    cache: Option<(&incremental::Cache, &incremental::EditionKey)>,
) -> Vec<(usize, Vec<markdown::BodyError>)> {
    let urls: HashMap<String, String> = content
        .pages
        .iter()
        .map(|page| (page.content_path.clone(), page.url.clone()))
        .collect();
    let untranslated = markdown::Untranslated {
        paths: content
            .pages
            .iter()
            .filter(|page| page.untranslated)
            .map(|page| page.content_path.clone())
            .collect(),
        note: strings
            .map(|s| s.language.untranslated.clone())
            .unwrap_or_default(),
    };
    let words = strings.map_or_else(markdown::Words::default, |strings| markdown::Words {
        section_link: strings.page.section_link.clone(),
        notes: strings.page.notes.clone(),
        back_to_text: strings.page.back_to_text.clone(),
    });
    let failed = std::mem::take(&mut content.failed);
    let drafts = std::mem::take(&mut content.drafts);
    let link_errors = content
        .pages
        .par_iter_mut()
        .enumerate()
        .filter_map(|(index, page)| {
            if let Some(rendered) = cache.and_then(|(cache, key)| cache.restore(key, index, page)) {
                page.rendered = rendered;
                return None;
            }
            let root = content::root_prefix(&page.url);
            let links = markdown::LinkContext {
                content_path: &page.content_path,
                root: &root,
                urls: &urls,
                failed: &failed,
                drafts: &drafts,
                config,
                reserved_ids: theme_ids.for_page(&page.meta),
                untranslated: &untranslated,
                words: &words,
            };
            let (rendered, errors) = markdown::render(page.body(), &links);
            page.rendered = rendered;
            if let Some((cache, key)) = cache {
                cache.remember(key, index, page, errors.is_empty());
            }
            (!errors.is_empty()).then_some((index, errors))
        })
        .collect();
    content.failed = failed;
    content.drafts = drafts;
    link_errors
}

/// What a build made without writing the output folder: pages rendered and the warnings found.
#[derive(Debug)]
pub struct Rendered {
    pub pages: usize,
    pub warnings: Diagnostics,
}

/// Loads, checks and renders the whole site into `sink`, exactly as `build` does but without
/// the output folder: `check` renders into a [`output::DiscardSink`], `serve` into a
/// [`output::MemorySink`].
pub fn build_into(options: &BuildOptions, sink: &dyn Sink) -> Result<Rendered, Diagnostics> {
    let site = load(options)?;
    let pages = render(&site, sink)?;
    Ok(Rendered {
        pages,
        warnings: site.warnings,
    })
}

/// Renders the whole site into `sink`; returns the number of pages written. Two files are made
/// last, from the list of everything else the build wrote: `_headers` (the HTTP policy for hosts
/// that read it) and the theme's service worker.
pub fn render(site: &Site, sink: &dyn Sink) -> Result<usize, Diagnostics> {
    let recorder = render::Recorder::new(sink);
    let written = render_pages(site, &recorder)?;
    let precache = recorder.precache();
    let main = site.main();
    let mut errors = Vec::new();
    let worker = site.service_worker && main.theme.has_template(render::SERVICE_WORKER_TEMPLATE);
    if main.config.host_headers {
        let worker_file = worker.then_some(render::SERVICE_WORKER_PATH);
        let files = precache.files.iter().map(String::as_str).chain(worker_file);
        let headers = render::netlify_headers(main.config.base_path(), files);
        if let Err(error) = sink.put(render::HEADERS_FILE, headers.into_bytes()) {
            errors.push(Diagnostic::error(
                "E032",
                format!("cannot write {}: {error}", render::HEADERS_FILE),
            ));
        }
    }
    if worker && let Err(error) = render::write_service_worker(&main.theme, precache, sink) {
        errors.push(error);
    }
    if errors.is_empty() {
        Ok(written)
    } else {
        let mut diagnostics = Diagnostics::new();
        diagnostics.extend(errors);
        Err(diagnostics)
    }
}

/// The root-relative URL of every page an edition writes (with the date of its last review):
/// content pages (not those standing in for a missing translation) and the tree's steps.
fn edition_urls(edition: &Edition) -> Vec<(String, Option<String>)> {
    let mut urls: Vec<(String, Option<String>)> = edition
        .content
        .pages
        .iter()
        .filter(|page| !page.untranslated)
        .map(|page| {
            (
                page.url.clone(),
                last_reviewed(&page.meta).map(|d| d.to_string()),
            )
        })
        .collect();
    if let Some(tree) = &edition.tree {
        urls.extend(tree.page_urls().into_iter().map(|url| (url, None)));
    }
    urls
}

/// Which page exists in which language: for each page's switcher and `hreflang` links.
fn translations(site: &Site) -> render::Translations {
    render::Translations::new(
        site.editions
            .iter()
            .map(|edition| {
                let language = render::Language {
                    code: edition.config.language.clone(),
                    name: edition.strings.language.name.clone(),
                    prefix: edition.config.prefix.clone(),
                };
                let urls = edition_urls(edition)
                    .into_iter()
                    .map(|(url, _)| url)
                    .collect();
                (language, urls)
            })
            .collect(),
    )
}

/// Every page of every edition, the tree, the theme's static files, the sitemap and robots.txt.
fn render_pages(site: &Site, sink: &dyn Sink) -> Result<usize, Diagnostics> {
    let main = site.main();
    let translations = translations(site);
    let mut sitemap_urls = Vec::new();
    for edition in &site.editions {
        sitemap_urls.extend(edition_urls(edition));
    }
    let mut files: Vec<(String, Vec<u8>)> = vec![
        (
            "sitemap.xml".to_owned(),
            render::sitemap(&main.config, &sitemap_urls, &translations).into_bytes(),
        ),
        (
            "robots.txt".to_owned(),
            render::robots(&main.config).into_bytes(),
        ),
    ];
    files.extend(main.theme.static_files.iter().cloned());
    let mut errors = Vec::new();
    for edition in &site.editions {
        match render::web_manifest(&edition.theme, &edition.config.prefix) {
            Some(Ok(file)) => files.push(file),
            Some(Err(error)) => errors.push(error),
            None => {}
        }
    }
    for edition in &site.editions {
        if let Some(tree) = &edition.tree {
            files.extend(tree.files());
        }
    }
    for (path, bytes) in files {
        if let Err(error) = sink.put(&path, bytes) {
            errors.push(Diagnostic::error(
                "E032",
                format!("cannot write {path}: {error}"),
            ));
        }
    }
    let mut written = 0;
    for (index, edition) in site.editions.iter().enumerate() {
        let not_found = (index == 0).then(|| not_found_languages(&site.editions[1..]));
        match render_edition(edition, not_found, &translations, sink) {
            Ok(count) => written += count,
            Err(render_errors) => errors.extend(render_errors),
        }
    }
    if errors.is_empty() {
        Ok(written)
    } else {
        let mut diagnostics = Diagnostics::new();
        diagnostics.extend(errors);
        Err(diagnostics.sorted())
    }
}

/// The not-found page's words in each of `editions` (the languages besides the main one).
fn not_found_languages(editions: &[Edition]) -> Vec<render::NotFoundLanguage> {
    editions
        .iter()
        .map(|edition| {
            let words = &edition.strings.not_found;
            render::NotFoundLanguage {
                code: edition.config.language.clone(),
                title: words.title.clone(),
                text: words.text.clone(),
                home: words.home.clone(),
                home_url: edition.config.prefix.clone(),
                tree: words.tree.clone(),
                tree_url: edition.content.tree().map_or_else(
                    || format!("{}{}", edition.config.prefix, content::TREE_URL),
                    |(page, _)| page.url.clone(),
                ),
            }
        })
        .collect()
}

/// Renders the pages of one edition, each told its translations (`alternates`). The main
/// edition also writes the not-found page (hosts serve one `404.html`), which says it in
/// `not_found`'s other languages too.
fn render_edition(
    edition: &Edition,
    not_found: Option<Vec<render::NotFoundLanguage>>,
    translations: &render::Translations,
    sink: &dyn Sink,
) -> Result<usize, Vec<Diagnostic>> {
    let tree = edition.tree.as_ref();
    let cause_extra = |page: &content::Page| match (&page.meta, tree) {
        (Meta::Cause(_), Some(tree)) => tree.cause_extra(&page.id),
        _ => None,
    };
    let mut jobs = render::page_jobs(&edition.config, &edition.content, &cause_extra);
    if let Some(tree) = tree {
        jobs.extend(tree.jobs(&edition.config, &edition.strings));
    }
    if let Some(other_languages) = not_found {
        jobs.push(render::not_found_job(
            &edition.config,
            &edition.strings,
            other_languages,
        ));
    }
    let jobs = jobs
        .into_iter()
        .map(|mut job| {
            let url = job
                .output_path
                .strip_suffix("index.html")
                .map(str::to_owned);
            let context = job.context;
            job.context = Box::new(move || {
                let mut context = context();
                let alternates = url
                    .as_deref()
                    .map(|url| translations.alternates(url))
                    .unwrap_or_default();
                context.insert("alternates", &alternates);
                context.insert("output_url", &url);
                context.insert("x_default", &translations.main_code());
                context
            });
            job
        })
        .collect();
    render::render_jobs(&edition.theme, jobs, sink)
}

fn last_reviewed(meta: &Meta) -> Option<Date> {
    match meta {
        Meta::Home(m) | Meta::Plain(m) => Some(m.last_reviewed),
        Meta::Cause(m) => Some(m.last_reviewed),
        Meta::Tree(m) => Some(m.last_reviewed),
    }
}

/// The safety cases' report on one language's tree.
pub struct CaseReport {
    pub language: String,
    /// The tree's file: `content/decision-tree.de.md`.
    pub tree_file: PathBuf,
    pub report: decision_tree::cases::Report,
}

/// `kneeguide check --cases`: the safety cases' report on the decision tree of every language
/// (the answer ids are shared, so one cases file serves all). `Err` holds every diagnostic when
/// a report cannot be made (no tree, or a tree itself has errors).
pub fn case_report(options: &BuildOptions) -> Result<Vec<CaseReport>, Diagnostics> {
    let mut found = Vec::new();
    let mut config_found = Vec::new();
    let config = config::load(
        &options.root,
        options.base_url.as_deref(),
        &mut config_found,
    );
    // The build reports site.yaml's warnings; the case report only needs its errors.
    found.extend(config_found.into_iter().filter(Diagnostic::is_error));
    let mut reports = Vec::new();
    let mut missing = false;
    if let Some(config) = &config {
        for files in content::Edition::all(config) {
            let Some(edition_config) = config.edition(&files.language) else {
                continue;
            };
            let mut edition_found = Vec::new();
            let content = content::load_edition(
                &options.root,
                options.drafts,
                &files,
                None,
                &mut edition_found,
            );
            // The main edition reports problems of the pages; here only the tree's count.
            if files.is_main() {
                found.extend(edition_found);
            }
            let Some((page, _)) = content.tree() else {
                missing |= files.is_main();
                continue;
            };
            if page.untranslated {
                continue;
            }
            let tree_file = page.file.path.clone();
            let (_, report) = decision_tree::compile_with_cases(
                &content,
                &edition_config,
                &options.root,
                &mut found,
            );
            match report {
                Some(report) => reports.push(CaseReport {
                    language: files.language.clone(),
                    tree_file,
                    report,
                }),
                None => missing = true,
            }
        }
    }
    if missing || config.is_none() {
        if !found.iter().any(Diagnostic::is_error) {
            found.push(Diagnostic::error(
                "E046",
                format!(
                    "the site has no decision tree (content/{}), so it has no safety cases",
                    content::TREE_FILE
                ),
            ));
        }
        let mut diagnostics = Diagnostics::new();
        diagnostics.extend(found);
        return Err(diagnostics.sorted());
    }
    Ok(reports)
}

#[derive(Debug)]
pub struct BuildReport {
    pub pages: usize,
    pub elapsed: Duration,
    pub warnings: Diagnostics,
    /// The address the site was built for (`--base-url` or `site.yaml`), ending with `/`.
    pub base_url: String,
}

/// `kneeguide build`: load, check, render into a staging folder, swap it in as `output`.
/// Waiting for another build into the same folder is reported on stderr.
pub fn build(options: &BuildOptions, output: &Path) -> Result<BuildReport, Diagnostics> {
    build_with(options, output, &|message| eprintln!("{message}"))
}

/// [`build`], telling `on_wait` when it has to wait for another build into the same folder.
pub fn build_with(
    options: &BuildOptions,
    output: &Path,
    on_wait: &dyn Fn(&str),
) -> Result<BuildReport, Diagnostics> {
    let started = Instant::now();
    // Incremental: what the last build into `output` made, to skip pages that did not change.
    let cache = incremental::Cache::open(options, output);
    let mut site = load_cached(options, cache.as_ref())?;
    // Publishing: a build (unlike check and serve) says when its address is a placeholder.
    if let Some(warning) = config::example_address_warning(
        &options.root,
        &site.main().config.base_url,
        options.base_url.is_some(),
    ) {
        site.warnings.push(warning);
        site.warnings = site.warnings.sorted();
    }
    if options.deny_warnings && site.warnings.warning_count() > 0 {
        return Err(site.warnings);
    }
    let one = |diagnostic: Diagnostic| {
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(diagnostic);
        diagnostics
    };
    let staging = output::Staging::begin(output, &options.root, on_wait).map_err(one)?;
    let sink = cache.as_ref().map(|cache| cache.sink(&staging));
    let pages = match &sink {
        Some(sink) => render(&site, sink)?,
        None => render(&site, &staging)?,
    };
    let made = sink.map(incremental::CacheSink::finish);
    test_hook_pause("before-commit");
    let notes = staging.commit().map_err(one)?;
    if let (Some(cache), Some(made)) = (&cache, made) {
        cache.save(made);
    }
    let base_url = site.main().config.base_url.clone();
    let mut warnings = site.warnings;
    warnings.extend(notes);
    Ok(BuildReport {
        pages,
        elapsed: started.elapsed(),
        warnings,
        base_url,
    })
}

/// Test-only: with `KNEEGUIDE_TEST_PAUSE=<point>`, a build says `paused at <point>` on stderr
/// and waits for a line on stdin there, so tests can run two builds at once without sleeping.
/// Points: `before-commit`, and `after-swap` (the new site is in place, the marker beside it
/// still names the old and the new folder).
pub(crate) fn test_hook_pause(point: &str) {
    if std::env::var("KNEEGUIDE_TEST_PAUSE").is_ok_and(|wanted| wanted == point) {
        eprintln!("paused at {point}");
        let _ = std::io::stdin().read_line(&mut String::new());
    }
}
