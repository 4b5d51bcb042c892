//! What templates see: the site-wide context, set once, and each page's own context.

use std::collections::BTreeMap;

use serde::Serialize;
use tera::Context;

use crate::config::SiteConfig;
use crate::content::meta::{CauseGroup, CauseMeta, Urgency};
use crate::content::{Content, Meta, Page, root_prefix};
use crate::decision_tree::Tree;
use crate::theme_config::{Strings, fill};

use super::Theme;

/// Words and ranks of the urgency levels, shared by cause pages and the decision tree.
#[derive(Serialize)]
pub struct UrgencyInfo {
    pub id: &'static str,
    pub rank: u8,
    /// Short label shown beside the icon, in words that state the action: never colour alone.
    pub label: String,
    /// The call to action heading a care card; templates complete it ("... if:").
    pub action: String,
}

/// The urgency levels with their words from the theme's strings file.
pub fn urgency_info(config: &SiteConfig, strings: &Strings) -> BTreeMap<&'static str, UrgencyInfo> {
    Urgency::ALL
        .iter()
        .map(|&urgency| {
            let words = strings.urgency(urgency);
            let info = UrgencyInfo {
                id: urgency.as_str(),
                rank: urgency as u8,
                label: words.label.clone(),
                action: fill(
                    &words.action,
                    &[("emergency_number", &config.emergency_number)],
                ),
            };
            (urgency.as_str(), info)
        })
        .collect()
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
    /// The action its badge states (see `cause_badge`).
    badge: Urgency,
    #[serde(flatten)]
    meta: &'a CauseMeta,
}

/// The action a cause's badge states: the cause's own `min_urgency`, raised to the least urgent
/// decision-tree outcome that names it. A reader who reaches the cause through the tree is told
/// at least that, so the badge must never say less (a cyst the tree sends to a doctor is not
/// "Self-care").
pub fn cause_badge(cause_id: &str, meta: &CauseMeta, tree: Option<&Tree>) -> Urgency {
    let tree_floor = tree.and_then(|tree| {
        tree.outcomes
            .iter()
            .filter(|outcome| outcome.causes.iter().any(|cause| cause.id == cause_id))
            .map(|outcome| outcome.urgency)
            .min()
    });
    tree_floor.map_or(meta.min_urgency, |floor| floor.max(meta.min_urgency))
}

#[derive(Serialize)]
struct Group<'a> {
    id: CauseGroup,
    label: &'a str,
    causes: Vec<CauseSummary<'a>>,
}

/// The context every template sees, set once on the Tera instance (not cloned per page).
/// `tree` is the compiled decision tree, which raises cause badges (`cause_badge`).
pub fn set_global_context(
    theme: &mut Theme,
    config: &SiteConfig,
    content: &Content,
    tree: Option<&Tree>,
    strings: &Strings,
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
            badge: cause_badge(&page.id, meta, tree),
            meta,
        });
    }
    let causes: Vec<&CauseSummary> = groups.values().flatten().collect();
    // Cause pages look their own badge up here: `cause_badges[page.id]`.
    let cause_badges: BTreeMap<&str, Urgency> = causes.iter().map(|c| (c.id, c.badge)).collect();
    let global = theme.tera.global_context();
    global.insert("site", config);
    global.insert("base_path", config.base_path());
    // This edition's home and tree (`de/`, `de/decision-tree/`); a tree not translated yet is
    // the main language's.
    global.insert("home_url", &config.prefix);
    let tree_url = content.tree().map_or_else(
        || format!("{}{}", config.prefix, crate::content::TREE_URL),
        |(page, _)| page.url.clone(),
    );
    global.insert("tree_url", &tree_url);
    // Pages standing in for a missing translation: templates note links to them
    // (`<translation_note>`); `main_language`, their language, comes with `extra`.
    let untranslated_urls: Vec<&str> = content
        .pages
        .iter()
        .filter(|page| page.untranslated)
        .map(|page| page.url.as_str())
        .collect();
    global.insert("untranslated_urls", &untranslated_urls);
    global.insert("nav", &nav);
    global.insert("pages", &pages);
    global.insert("causes", &causes);
    global.insert("cause_badges", &cause_badges);
    let groups: Vec<Group> = groups
        .into_iter()
        .map(|(id, causes)| Group {
            id,
            label: strings.group(id),
            causes,
        })
        .collect();
    global.insert("cause_groups", &groups);
    // The tree's step pages are not content pages: they show the tree's sources and review.
    if let Some((_, tree_meta)) = content.tree() {
        global.insert("tree_sources", &tree_meta.sources);
        global.insert("tree_reviewed_by", &tree_meta.reviewed_by);
    }
    global.insert("urgency", &urgency_info(config, strings));
    global.insert("strings", strings);
    global.insert(
        "symptom_index",
        &super::symptom_index(content, &strings.symptoms.sort_skips),
    );
    global.insert("assets", &theme.assets);
    global.insert(
        "generator",
        &format!("kneeguide {}", env!("CARGO_PKG_VERSION")),
    );
    for (key, value) in extra {
        global.insert_value(key, value);
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
    Tree(&'a crate::content::tree_meta::TreeMeta),
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
    toc: &'a [crate::content::rendered::Heading],
    #[serde(skip_serializing_if = "Option::is_none")]
    related_causes: Option<Vec<RelatedCause<'a>>>,
}

pub(super) fn page_context(
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
