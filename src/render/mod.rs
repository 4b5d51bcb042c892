//! Stage 4, render: Tera templates from the theme, fed with the site, rendered in parallel; each
//! result goes straight to the output sink instead of piling up in memory.

mod context;
mod headers;
mod languages;
mod offline;
mod sitemap;
mod symptoms;
mod theme;

use context::page_context;
pub use context::{PageSummary, UrgencyInfo, cause_badge, set_global_context, urgency_info};
pub use headers::{CONTENT_SECURITY_POLICY, netlify_headers};
pub use languages::{Alternate, Language, Translations};
pub use offline::{
    Precache, Recorder, SERVICE_WORKER_PATH, SERVICE_WORKER_TEMPLATE, WEB_MANIFEST, web_manifest,
    write_service_worker,
};
pub use sitemap::{robots, sitemap};
pub use symptoms::{CauseLink, Entry, Letter, symptom_index};
pub use theme::{Theme, check_static_collisions, check_templates, template_error};

use std::collections::BTreeMap;
use std::sync::Mutex;

use rayon::prelude::*;
use tera::Context;

use crate::config::SiteConfig;
use crate::content::{Content, Meta, Page};
use crate::diagnostics::Diagnostic;
pub use crate::job::Job;
use crate::output::Sink;
use crate::theme_config::Strings;

/// The HTTP policy for Netlify and Cloudflare Pages, at the output root.
pub const HEADERS_FILE: &str = "_headers";

/// A file to write: path relative to the output root, and its bytes.
pub type OutputFile = (String, Vec<u8>);

/// Renders all jobs in parallel, each straight into the sink; returns how many were written.
pub fn render_jobs(
    theme: &Theme,
    jobs: Vec<Job>,
    sink: &dyn Sink,
) -> Result<usize, Vec<Diagnostic>> {
    let errors = Mutex::new(BTreeMap::<String, Diagnostic>::new());
    jobs.par_iter().for_each(|job| {
        let cannot_write = |error: std::io::Error| {
            Diagnostic::error("E032", format!("cannot write {}: {error}", job.output_path))
        };
        // Incremental builds: a file whose inputs did not change is kept, not rendered.
        match sink.reuse(&job.output_path, &job.template, job.source.as_deref()) {
            Ok(Some(_)) => return,
            Ok(None) => {}
            Err(error) => {
                let diagnostic = cannot_write(error);
                errors
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .entry(diagnostic.message.clone())
                    .or_insert(diagnostic);
                return;
            }
        }
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
        // A page standing in for a missing translation is written by its own edition.
        .filter(|page| !page.untranslated)
        .map(|page| Job {
            output_path: format!("{}index.html", page.url),
            template: template_for(page),
            source: Some(page.file.path.clone()),
            context: Box::new(move || page_context(config, content, page, extra_for(page))),
        })
        .collect()
}

/// `page` on the 404 page.
#[derive(serde::Serialize)]
struct NotFoundPage<'a> {
    kind: &'static str,
    title: &'a str,
    description: &'a str,
    url: &'static str,
}

/// The not-found page's words in another language of the site: the one 404 page every host
/// serves says it in each language, with links to that language's home and tree.
#[derive(serde::Serialize)]
pub struct NotFoundLanguage {
    pub code: String,
    pub title: String,
    pub text: String,
    pub home: String,
    pub home_url: String,
    pub tree: String,
    pub tree_url: String,
}

/// The 404 page is served at any missing path, so its links are absolute under the base path.
pub fn not_found_job<'a>(
    config: &'a SiteConfig,
    strings: &'a Strings,
    other_languages: Vec<NotFoundLanguage>,
) -> Job<'a> {
    Job {
        output_path: "404.html".to_owned(),
        template: "404.html".to_owned(),
        source: None,
        context: Box::new(move || {
            let mut context = Context::new();
            context.insert("root", config.base_path());
            context.insert("canonical", &format!("{}404.html", config.base_url));
            let page = NotFoundPage {
                kind: "404",
                title: &strings.not_found.title,
                description: &strings.not_found.description,
                url: "404.html",
            };
            context.insert("page", &page);
            context.insert("other_languages", &other_languages);
            context
        }),
    }
}
