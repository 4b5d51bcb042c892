//! Stage 3, check: everything that can be wrong with loaded content, found in one pass over all of
//! it: broken links and anchors, unknown related causes, review dates, sources and care cards.

use std::collections::{HashMap, HashSet};

use crate::content::frontmatter::Key;
use crate::content::meta::{Date, PlainMeta, ReviewedBy, SOURCE_WITHOUT_URL, Source};
use crate::content::{Content, Meta, Page};
use crate::diagnostics::Diagnostic;
use crate::diagnostics::KindLimit;
use crate::markdown::{BodyError, Spot};
use crate::render::ThemeIds;

/// Most items a care card should hold (NHS service manual: 5, plus one catch-all on urgent cards).
const MAX_CARD_ITEMS: usize = 5;

pub fn run(
    content: &Content,
    body_errors: &[(usize, Vec<BodyError>)],
    theme_ids: &ThemeIds,
    config: Option<&crate::config::SiteConfig>,
    today: Date,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (page_index, errors) in body_errors {
        report_body_errors(&content.pages[*page_index], errors, diagnostics);
    }
    // Without site.yaml the theme, and so the ids it gives pages, are unknown: an anchor check
    // would report links to those ids as broken.
    if let Some(config) = config {
        check_anchors(content, theme_ids, diagnostics);
        check_placeholders(content, config, diagnostics);
    }
    for page in &content.pages {
        match &page.meta {
            Meta::Cause(cause) => {
                check_related(content, page, &cause.related, diagnostics);
                check_review_dates(
                    page,
                    cause.last_reviewed,
                    Some(cause.next_review),
                    today,
                    diagnostics,
                );
                check_sources(page, &cause.sources, true, diagnostics);
                check_reviewed_by(page, cause.reviewed_by.as_ref(), today, diagnostics);
                check_cause_lists(page, cause, diagnostics);
            }
            Meta::Home(PlainMeta {
                last_reviewed,
                next_review,
                sources,
                reviewed_by,
                ..
            })
            | Meta::Plain(PlainMeta {
                last_reviewed,
                next_review,
                sources,
                reviewed_by,
                ..
            }) => {
                check_review_dates(page, *last_reviewed, *next_review, today, diagnostics);
                check_sources(page, sources, false, diagnostics);
                check_reviewed_by(page, reviewed_by.as_ref(), today, diagnostics);
            }
            Meta::Tree(tree) => {
                check_review_dates(
                    page,
                    tree.last_reviewed,
                    Some(tree.next_review),
                    today,
                    diagnostics,
                );
                check_sources(page, &tree.sources, false, diagnostics);
                check_reviewed_by(page, tree.reviewed_by.as_ref(), today, diagnostics);
            }
        }
    }
}

/// The Markdown errors of one page, each kind bounded (`KindLimit`), located from one parse.
fn report_body_errors(page: &Page, errors: &[BodyError], diagnostics: &mut Vec<Diagnostic>) {
    let mut limits: HashMap<&str, KindLimit> = HashMap::new();
    let shown: Vec<&BodyError> = errors
        .iter()
        .filter(|error| limits.entry(error.code).or_default().admit())
        .collect();
    let spots: Vec<Spot> = shown.iter().map(|error| error.spot).collect();
    let offsets = crate::markdown::spot_offsets(page.body(), &spots);
    for (error, offset) in shown.into_iter().zip(offsets) {
        let mut diagnostic = Diagnostic::error(error.code, &error.message)
            .at(page.file.location_of_offset(page.parts.body.start + offset));
        diagnostic.more = error.more;
        if let Some(help) = &error.help {
            diagnostic = diagnostic.with_help(help);
        }
        limits
            .get_mut(error.code)
            .expect("admitted above")
            .push(diagnostic, diagnostics);
    }
    for limit in limits.into_values() {
        limit.finish(diagnostics);
    }
}

fn check_anchors(content: &Content, theme_ids: &ThemeIds, diagnostics: &mut Vec<Diagnostic>) {
    for page in &content.pages {
        let mut limit = KindLimit::default();
        let mut broken = Vec::new();
        for link in &page.rendered.anchor_links {
            let Some(&target_index) = content.by_path.get(&link.target) else {
                continue;
            };
            let target = &content.pages[target_index];
            if target.rendered.ids.contains(&link.anchor)
                || theme_ids.for_page(&target.meta).contains(&link.anchor)
                || !limit.admit()
            {
                continue;
            }
            broken.push((link, target));
        }
        let spots: Vec<Spot> = broken
            .iter()
            .map(|(link, _)| Spot::Link(link.link_index))
            .collect();
        let offsets = crate::markdown::spot_offsets(page.body(), &spots);
        for ((link, target), offset) in broken.into_iter().zip(offsets) {
            let known = target.rendered.toc.iter().map(|h| h.id.as_str());
            let help = match crate::diagnostics::nearest(&link.anchor, known) {
                Some(near) => format!("did you mean #{near}?"),
                None => {
                    let ids: Vec<_> = target
                        .rendered
                        .toc
                        .iter()
                        .take(20)
                        .map(|h| format!("#{}", h.id))
                        .collect();
                    if ids.is_empty() {
                        format!("{} has no headings to link to", target.file.path.display())
                    } else {
                        format!(
                            "the headings of {} are: {}",
                            target.file.path.display(),
                            ids.join(", ")
                        )
                    }
                }
            };
            limit.push(
                Diagnostic::error(
                    "E021",
                    format!(
                        "broken anchor: {} has no heading with id `{}`",
                        target.file.path.display(),
                        link.anchor
                    ),
                )
                .at(page.file.location_of_offset(page.parts.body.start + offset))
                .with_help(help),
                diagnostics,
            );
        }
        limit.finish(diagnostics);
    }
}

/// A body may name `{urgent_number}` only when site.yaml sets it.
fn check_placeholders(
    content: &Content,
    config: &crate::config::SiteConfig,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for page in &content.pages {
        let (_, errors) =
            crate::placeholders::fill_known(page.body(), config, crate::placeholders::plain);
        for error in errors {
            diagnostics.push(
                Diagnostic::error("E003", error.message)
                    .at(page
                        .file
                        .location_of_offset(page.parts.body.start + error.offset))
                    .with_help(error.help),
            );
        }
    }
}

fn check_related(
    content: &Content,
    page: &Page,
    related: &[String],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let ids: Vec<&str> = content.causes().map(|(p, _)| p.id.as_str()).collect();
    // The front matter is parsed for positions once, and only when there is something to show.
    let locator = std::cell::OnceCell::new();
    let at = |index: usize| {
        locator
            .get_or_init(|| page.locator())
            .locate(&[Key::Field("related"), Key::Index(index)])
    };
    let mut unknown = KindLimit::default();
    for (index, id) in related.iter().enumerate() {
        if id == &page.id {
            diagnostics.push(
                Diagnostic::error("E003", format!("cause `{id}` lists itself as related"))
                    .at(at(index)),
            );
            continue;
        }
        match content.cause(id) {
            // A cause whose file failed to load has its own error; do not add a second.
            None if content
                .failed
                .contains(&format!("{}/{id}.md", crate::content::CAUSES_DIR)) => {}
            None => {
                if !unknown.admit() {
                    continue;
                }
                let mut diagnostic =
                    Diagnostic::error("E003", format!("related cause `{id}` does not exist"))
                        .at(at(index));
                diagnostic = match crate::diagnostics::nearest(id, ids.iter().copied()) {
                    Some(near) => diagnostic.with_help(format!("did you mean `{near}`?")),
                    None => diagnostic.with_help(format!("known causes: {}", ids.join(", "))),
                };
                unknown.push(diagnostic, diagnostics);
            }
            Some((_, other)) if !other.related.contains(&page.id) => {
                diagnostics.push(
                    Diagnostic::warning(
                        "W004",
                        format!(
                            "{} lists `{id}` as related, but `{id}` does not list `{}`",
                            page.file.path.display(),
                            page.id
                        ),
                    )
                    .at(at(index)),
                );
            }
            Some(_) => {}
        }
    }
    unknown.finish(diagnostics);
}

fn check_review_dates(
    page: &Page,
    last_reviewed: Date,
    next_review: Option<Date>,
    today: Date,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if last_reviewed > today {
        diagnostics.push(
            Diagnostic::error(
                "E014",
                format!("last_reviewed {last_reviewed} is in the future (today is {today})"),
            )
            .at(page.locate(&[Key::Field("last_reviewed")])),
        );
    }
    let Some(next_review) = next_review else {
        return;
    };
    if next_review <= last_reviewed {
        diagnostics.push(
            Diagnostic::error(
                "E014",
                format!("next_review {next_review} is not after last_reviewed {last_reviewed}"),
            )
            .at(page.locate(&[Key::Field("next_review")])),
        );
    } else if next_review < today {
        diagnostics.push(
            Diagnostic::warning(
                "W001",
                format!("review overdue: it was due on {next_review}"),
            )
            .at(page.locate(&[Key::Field("next_review")]))
            .with_help(
                "review the page against its sources, then update last_reviewed and next_review",
            ),
        );
    }
}

/// A clinical review is a claim readers rely on: it cannot be dated after today or name nobody.
pub fn check_reviewed_by(
    page: &Page,
    reviewed_by: Option<&ReviewedBy>,
    today: Date,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(review) = reviewed_by else {
        return;
    };
    let at = |field| page.locate(&[Key::Field("reviewed_by"), Key::Field(field)]);
    if review.date > today {
        diagnostics.push(
            Diagnostic::error(
                "E051",
                format!(
                    "reviewed_by date {} is in the future (today is {today})",
                    review.date
                ),
            )
            .at(at("date"))
            .with_help("write the day the clinician reviewed the page"),
        );
    }
    for (field, value) in [("name", &review.name), ("role", &review.role)] {
        if value.trim().is_empty() {
            diagnostics.push(
                Diagnostic::error("E052", format!("reviewed_by {field} is empty"))
                    .at(at(field))
                    .with_help(
                        "name the clinician and their role, e.g. role: General practitioner",
                    ),
            );
        }
    }
}

fn check_sources(
    page: &Page,
    sources: &[Source],
    required: bool,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if required && sources.is_empty() {
        diagnostics.push(
            Diagnostic::error("E015", "a cause needs at least one source")
                .at(page.locate(&[Key::Field("sources")]))
                .with_help("name where the facts come from: title, publisher and an https:// url"),
        );
    }
    let mut seen = HashSet::new();
    let locator = std::cell::OnceCell::new();
    for (index, source) in sources.iter().enumerate() {
        let at = |field| {
            locator.get_or_init(|| page.locator()).locate(&[
                Key::Field("sources"),
                Key::Index(index),
                Key::Field(field),
            ])
        };
        if !seen.insert(source.id.as_str()) {
            diagnostics.push(
                Diagnostic::error("E002", format!("duplicate source id `{}`", source.id))
                    .at(at("id")),
            );
        }
        match &source.url {
            None if source.id != SOURCE_WITHOUT_URL => diagnostics.push(
                Diagnostic::error("E015", format!("source `{}` has no url", source.id))
                    .at(at("id"))
                    .with_help(format!(
                        "only the `{SOURCE_WITHOUT_URL}` source may go without an https:// url"
                    )),
            ),
            Some(url) if !url.starts_with("https://") => diagnostics.push(
                Diagnostic::error(
                    "E015",
                    format!("source url `{url}` is not an https:// address"),
                )
                .at(at("url")),
            ),
            _ => {}
        }
    }
}

fn check_cause_lists(
    page: &Page,
    cause: &crate::content::meta::CauseMeta,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let required: [(&str, bool); 2] = [
        ("audience", cause.audience.is_empty()),
        ("symptoms", cause.symptoms.is_empty()),
    ];
    for (field, empty) in required {
        if empty {
            diagnostics.push(
                Diagnostic::error("E001", format!("`{field}` must list at least one item"))
                    .at(page.locate(&[Key::Field(field)])),
            );
        }
    }
    let help = &cause.when_to_get_help;
    let cards = [
        ("emergency", &help.emergency),
        ("urgent", &help.urgent),
        ("routine", &help.routine),
    ];
    if cards.iter().all(|(_, items)| items.is_empty()) {
        diagnostics.push(
            Diagnostic::error(
                "E001",
                "`when_to_get_help` needs at least one card: emergency, urgent or routine",
            )
            .at(page.locate(&[Key::Field("when_to_get_help")])),
        );
    }
    for (card, items) in cards {
        let limit = if card == "urgent" {
            MAX_CARD_ITEMS + 1
        } else {
            MAX_CARD_ITEMS
        };
        if items.len() > limit {
            diagnostics.push(
                Diagnostic::warning(
                    "W002",
                    format!(
                        "the {card} care card has {} items; readers take in at most {limit}",
                        items.len()
                    ),
                )
                .at(page.locate(&[Key::Field("when_to_get_help"), Key::Field(card)])),
            );
        }
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let locator = std::cell::OnceCell::new();
    for (index, id) in cause.related.iter().enumerate() {
        if let Some(first) = seen.insert(id.as_str(), index) {
            diagnostics.push(
                Diagnostic::error(
                    "E002",
                    format!(
                        "`{id}` is listed twice in related (first as item {})",
                        first + 1
                    ),
                )
                .at(locator
                    .get_or_init(|| page.locator())
                    .locate(&[Key::Field("related"), Key::Index(index)])),
            );
        }
    }
}

/// E066: a file in the theme's `static/` at a path the build also writes (`404.html`,
/// `sitemap.xml`, a page's `index.html` …). Found here, located at the static file, rather
/// than as a failed write while rendering.
pub fn check_static_collisions(
    theme: &crate::render::Theme,
    theme_name: &str,
    content: &Content,
    tree: Option<&crate::triage::Tree>,
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
        let tree_prefix = crate::triage::TREE_URL;
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
            let source = std::path::Path::new(crate::render::THEMES_DIR)
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
