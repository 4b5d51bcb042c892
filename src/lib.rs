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

// A diagnostic is only built on the error path, so its size in a `Result` costs nothing that matters.
#![allow(clippy::result_large_err)]

pub mod check;
pub mod config;
pub mod content;
pub mod decision_tree;
pub mod diagnostics;
#[doc(hidden)]
pub mod fuzzing;
pub mod html;
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

use std::collections::HashMap;
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

/// A loaded and checked site, ready to render.
pub struct Site {
    pub config: SiteConfig,
    pub content: Content,
    pub theme: Theme,
    pub tree: Option<decision_tree::Tree>,
    /// The theme's words in the site's language.
    pub strings: theme_config::Strings,
    /// Warnings found on the way (errors stop the load).
    pub warnings: Diagnostics,
    /// See [`BuildOptions::service_worker`].
    pub service_worker: bool,
}

/// Loads and checks everything; on any error, returns all diagnostics found (errors and warnings).
pub fn load(options: &BuildOptions) -> Result<Site, Diagnostics> {
    let mut found = Vec::new();
    let config = config::load(&options.root, options.base_url.as_deref(), &mut found);
    let mut content = content::load(&options.root, options.drafts, &mut found);
    if let Some(config) = &config {
        placeholders::fill_front_matter(&mut content, config, &mut found);
    }
    // Without a config the theme's name is unknown: don't pile a second error on the first.
    let theme = config
        .as_ref()
        .and_then(|config| Theme::load(&options.root, &config.theme, &mut found));
    let strings = config.as_ref().and_then(|config| {
        theme_config::load_strings(&options.root, &config.theme, &config.language, &mut found)
    });
    let theme_ids = config
        .as_ref()
        .map(|config| theme_config::load_theme_ids(&options.root, &config.theme, &mut found))
        .unwrap_or_default();
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
    let body_errors = render_markdown(&mut content, config.as_ref(), &theme_ids);
    check::run(
        &content,
        &body_errors,
        &theme_ids,
        config.as_ref(),
        today,
        &mut found,
    );
    unfinished::check(&content, &mut found);
    if let Some(theme) = &theme {
        render::check_templates(theme, &content, &mut found);
    }
    let tree = config
        .as_ref()
        .and_then(|config| decision_tree::compile(&content, config, &options.root, &mut found));
    // Drafts may add causes to the tree's outcomes: the reviewed list is of the published tree.
    if let Some(tree) = &tree
        && !options.drafts
    {
        decision_tree::golden::compare(&options.root, tree, &mut found);
    }
    if let (Some(theme), Some(config)) = (&theme, &config) {
        render::check_static_collisions(theme, &config.theme, &content, tree.as_ref(), &mut found);
    }

    let mut diagnostics = Diagnostics::new();
    diagnostics.extend(found);
    let diagnostics = diagnostics.sorted();
    match (config, theme, strings) {
        (Some(config), Some(mut theme), Some(strings)) if !diagnostics.has_errors() => {
            let extra = tree
                .as_ref()
                .map(|tree| vec![("tree", tree.global())])
                .unwrap_or_default();
            render::set_global_context(
                &mut theme,
                &config,
                &content,
                tree.as_ref(),
                &strings,
                extra,
            );
            Ok(Site {
                config,
                content,
                theme,
                tree,
                strings,
                warnings: diagnostics,
                service_worker: options.service_worker,
            })
        }
        _ => Err(diagnostics),
    }
}

/// Renders each page's Markdown in parallel; returns each page's problems (links, raw HTML, ids).
fn render_markdown(
    content: &mut Content,
    config: Option<&SiteConfig>,
    theme_ids: &theme_config::ThemeIds,
) -> Vec<(usize, Vec<markdown::BodyError>)> {
    let urls: HashMap<String, String> = content
        .pages
        .iter()
        .map(|page| (page.content_path.clone(), page.url.clone()))
        .collect();
    let failed = std::mem::take(&mut content.failed);
    let drafts = std::mem::take(&mut content.drafts);
    let link_errors = content
        .pages
        .par_iter_mut()
        .enumerate()
        .filter_map(|(index, page)| {
            let root = content::root_prefix(&page.url);
            let links = markdown::LinkContext {
                content_path: &page.content_path,
                root: &root,
                urls: &urls,
                failed: &failed,
                drafts: &drafts,
                config,
                reserved_ids: theme_ids.for_page(&page.meta),
            };
            let (rendered, errors) = markdown::render(page.body(), &links);
            page.rendered = rendered;
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
    let mut errors = Vec::new();
    let worker = site.service_worker && site.theme.has_template(render::SERVICE_WORKER_TEMPLATE);
    if site.config.host_headers {
        let worker_file = worker.then_some(render::SERVICE_WORKER_PATH);
        let files = precache.files.iter().map(String::as_str).chain(worker_file);
        let headers = render::netlify_headers(site.config.base_path(), files);
        if let Err(error) = sink.put(render::HEADERS_FILE, headers.into_bytes()) {
            errors.push(Diagnostic::error(
                "E032",
                format!("cannot write {}: {error}", render::HEADERS_FILE),
            ));
        }
    }
    if worker && let Err(error) = render::write_service_worker(&site.theme, precache, sink) {
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

/// Every page, the tree, the theme's static files, the sitemap and robots.txt.
fn render_pages(site: &Site, sink: &dyn Sink) -> Result<usize, Diagnostics> {
    let tree = site.tree.as_ref();
    let cause_extra = |page: &content::Page| match (&page.meta, tree) {
        (Meta::Cause(_), Some(tree)) => tree.cause_extra(&page.id),
        _ => None,
    };
    let mut jobs = render::page_jobs(&site.config, &site.content, &cause_extra);
    if let Some(tree) = tree {
        jobs.extend(tree.jobs(&site.config, &site.strings));
    }
    jobs.push(render::not_found_job(&site.config, &site.strings));

    let mut sitemap_urls: Vec<(String, Option<String>)> = site
        .content
        .pages
        .iter()
        .map(|page| {
            (
                page.url.clone(),
                last_reviewed(&page.meta).map(|d| d.to_string()),
            )
        })
        .collect();
    if let Some(tree) = tree {
        sitemap_urls.extend(tree.page_urls().into_iter().map(|url| (url, None)));
    }
    let mut files: Vec<(String, Vec<u8>)> = vec![
        (
            "sitemap.xml".to_owned(),
            render::sitemap(&site.config, &sitemap_urls).into_bytes(),
        ),
        (
            "robots.txt".to_owned(),
            render::robots(&site.config).into_bytes(),
        ),
    ];
    files.extend(site.theme.static_files.iter().cloned());
    let mut errors = Vec::new();
    match render::web_manifest(&site.theme) {
        Some(Ok(file)) => files.push(file),
        Some(Err(error)) => errors.push(error),
        None => {}
    }
    if let Some(tree) = tree {
        files.extend(tree.files());
    }

    for (path, bytes) in files {
        if let Err(error) = sink.put(&path, bytes) {
            errors.push(Diagnostic::error(
                "E032",
                format!("cannot write {path}: {error}"),
            ));
        }
    }
    let written = match render::render_jobs(&site.theme, jobs, sink) {
        Ok(count) => count,
        Err(render_errors) => {
            errors.extend(render_errors);
            0
        }
    };
    if errors.is_empty() {
        Ok(written)
    } else {
        let mut diagnostics = Diagnostics::new();
        diagnostics.extend(errors);
        Err(diagnostics.sorted())
    }
}

fn last_reviewed(meta: &Meta) -> Option<Date> {
    match meta {
        Meta::Home(m) | Meta::Plain(m) => Some(m.last_reviewed),
        Meta::Cause(m) => Some(m.last_reviewed),
        Meta::Tree(m) => Some(m.last_reviewed),
    }
}

/// `kneeguide check --cases`: the safety cases' report of the site's decision tree. `Err` holds
/// every diagnostic when the report cannot be made (no tree, or the tree itself has errors).
pub fn case_report(options: &BuildOptions) -> Result<decision_tree::cases::Report, Diagnostics> {
    let mut found = Vec::new();
    let mut config_found = Vec::new();
    let config = config::load(
        &options.root,
        options.base_url.as_deref(),
        &mut config_found,
    );
    // The build reports site.yaml's warnings; the case report only needs its errors.
    found.extend(config_found.into_iter().filter(Diagnostic::is_error));
    let content = content::load(&options.root, options.drafts, &mut found);
    let report = config.as_ref().and_then(|config| {
        decision_tree::compile_with_cases(&content, config, &options.root, &mut found).1
    });
    match report {
        Some(report) => Ok(report),
        None => {
            if content.tree().is_none() && !found.iter().any(Diagnostic::is_error) {
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
            Err(diagnostics.sorted())
        }
    }
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
    let mut site = load(options)?;
    // Publishing: a build (unlike check and serve) says when its address is a placeholder.
    if let Some(warning) = config::example_address_warning(
        &options.root,
        &site.config.base_url,
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
    let pages = render(&site, &staging)?;
    test_hook_pause("before-commit");
    let notes = staging.commit().map_err(one)?;
    let mut warnings = site.warnings;
    warnings.extend(notes);
    Ok(BuildReport {
        pages,
        elapsed: started.elapsed(),
        warnings,
        base_url: site.config.base_url,
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
