//! Stage 2, markdown: one page's Markdown body to HTML with pulldown-cmark. Gives every heading a
//! stable unique id and a self-link, builds the table of contents, moves footnotes to the end with
//! prefixed ids, and rewrites links to other content files (`../first-aid.md#ice`) into page URLs.

use std::collections::{HashMap, HashSet};

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};
use serde::Serialize;

/// One heading of a page, for the table of contents.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub title: String,
}

/// A link to `#anchor` in some page, checked once every page is rendered.
#[derive(Debug, Clone)]
pub struct AnchorLink {
    /// `content_path` of the target page.
    pub target: String,
    pub anchor: String,
    /// Which link of the body (0 = first); `link_offset` turns it into a position.
    pub link_index: usize,
}

/// A link that cannot be resolved.
#[derive(Debug, Clone)]
pub struct LinkError {
    pub message: String,
    pub help: Option<String>,
    /// Which link of the body (0 = first); `link_offset` turns it into a position.
    pub link_index: usize,
}

#[derive(Debug, Default, Clone)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<Heading>,
    /// Every `id` the body's HTML defines.
    pub ids: HashSet<String>,
    pub anchor_links: Vec<AnchorLink>,
}

/// What a page needs to know to rewrite its links.
pub struct LinkContext<'a> {
    /// The page's own path inside `content/`.
    pub content_path: &'a str,
    /// Relative prefix from the page to the site root (`../../`).
    pub root: &'a str,
    /// `content_path` -> root-relative URL, for every published page.
    pub urls: &'a HashMap<String, String>,
    /// Files that failed to load: their errors are already reported.
    pub failed: &'a HashSet<String>,
    /// Fills `{emergency_number}` and the other placeholders (none when site.yaml is broken).
    pub config: Option<&'a crate::config::SiteConfig>,
    /// Ids the theme's template gives elements of this page (`theme.yaml`); headings avoid them.
    pub reserved_ids: &'a HashSet<String>,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

pub fn render(body: &str, links: &LinkContext) -> (Rendered, Vec<LinkError>) {
    let mut renderer = Renderer {
        links,
        rendered: Rendered::default(),
        errors: Vec::new(),
        events: Vec::new(),
        footnotes: Vec::new(),
        footnote_numbers: HashMap::new(),
        links_seen: 0,
    };
    renderer.run(body);
    (renderer.rendered, renderer.errors)
}

struct Renderer<'a, 'b> {
    links: &'b LinkContext<'b>,
    rendered: Rendered,
    errors: Vec<LinkError>,
    events: Vec<Event<'a>>,
    /// (label, events of the definition), in order of definition.
    footnotes: Vec<(String, Vec<Event<'a>>)>,
    footnote_numbers: HashMap<String, usize>,
    links_seen: usize,
}

impl<'a> Renderer<'a, '_> {
    fn run(&mut self, body: &'a str) {
        // Sized from the source so that the event list and the HTML rarely grow (each growth is a
        // copy); positions are not tracked here: `link_offset` finds them when an error needs one.
        self.events.reserve(body.len() / 16);
        self.rendered.html.reserve(body.len() + body.len() / 2);
        let mut parser = Parser::new_ext(body, options());
        while let Some(event) = parser.next() {
            match event {
                Event::Start(Tag::Heading { level, id, .. }) => {
                    let mut inner = Vec::new();
                    for event in parser.by_ref() {
                        match event {
                            Event::End(TagEnd::Heading(_)) => break,
                            Event::Text(text) if text.contains('{') => {
                                inner.push(Event::Text(self.fill(&text).into()));
                            }
                            other => {
                                let event = self.link_event(other);
                                inner.push(event);
                            }
                        }
                    }
                    self.heading(level, id, inner);
                }
                Event::Start(Tag::FootnoteDefinition(label)) => {
                    let mut inner = Vec::new();
                    for event in parser.by_ref() {
                        if matches!(event, Event::End(TagEnd::FootnoteDefinition)) {
                            break;
                        }
                        inner.push(self.link_event(event));
                    }
                    self.footnotes.push((label.to_string(), inner));
                }
                Event::FootnoteReference(label) => {
                    let next = self.footnote_numbers.len() + 1;
                    let number = *self
                        .footnote_numbers
                        .entry(label.to_string())
                        .or_insert(next);
                    let id = footnote_id(&label);
                    let html = if number == next {
                        self.rendered.ids.insert(format!("fnref-{id}"));
                        format!(
                            "<sup class=\"footnote-ref\" id=\"fnref-{id}\"><a href=\"#fn-{id}\">{number}</a></sup>"
                        )
                    } else {
                        format!(
                            "<sup class=\"footnote-ref\"><a href=\"#fn-{id}\">{number}</a></sup>"
                        )
                    };
                    self.events.push(Event::InlineHtml(html.into()));
                }
                Event::Start(Tag::Table(_)) => {
                    self.events.push(Event::Html(
                        "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Table\">".into(),
                    ));
                    self.events.push(event);
                }
                Event::End(TagEnd::Table) => {
                    self.events.push(event);
                    self.events.push(Event::Html("</div>".into()));
                }
                Event::Text(text) if text.contains('{') => {
                    let filled = self.fill(&text);
                    self.events.push(Event::Text(filled.into()));
                }
                other => {
                    let event = self.link_event(other);
                    self.events.push(event);
                }
            }
        }
        html::push_html(&mut self.rendered.html, self.events.drain(..));
        self.push_footnotes();
    }

    fn heading(
        &mut self,
        level: HeadingLevel,
        explicit_id: Option<CowStr<'a>>,
        inner: Vec<Event<'a>>,
    ) {
        let title: String = inner
            .iter()
            .filter_map(|event| match event {
                Event::Text(text) | Event::Code(text) => Some(text.as_ref()),
                _ => None,
            })
            .collect();
        let base = explicit_id.map_or_else(|| slugify(&title), |id| id.to_string());
        let id = self.unique_id(base);
        let mut inner_html = String::new();
        html::push_html(&mut inner_html, inner.into_iter());
        let level = level as u8;
        let escaped_title = escape_attribute(&title);
        self.events.push(Event::Html(
            format!(
                "<h{level} id=\"{id}\">{inner_html}<a class=\"heading-link\" href=\"#{id}\" \
                 aria-label=\"Link to the section {escaped_title}\">#</a></h{level}>\n"
            )
            .into(),
        ));
        self.rendered.toc.push(Heading { level, id, title });
    }

    /// The text with its placeholders filled; problems are reported by the check stage.
    fn fill(&self, text: &str) -> String {
        match self.links.config {
            Some(config) => {
                crate::placeholders::fill_known(text, config, crate::placeholders::plain).0
            }
            None => text.to_owned(),
        }
    }

    fn unique_id(&mut self, base: String) -> String {
        let base = if base.is_empty() {
            "section".to_owned()
        } else {
            base
        };
        let mut id = base.clone();
        let mut n = 1;
        while self.rendered.ids.contains(&id)
            || self.links.reserved_ids.contains(&id)
            || id.starts_with("fn-")
        {
            n += 1;
            id = format!("{base}-{n}");
        }
        self.rendered.ids.insert(id.clone());
        id
    }

    /// Rewrites the destination of a link; other events pass through.
    fn link_event(&mut self, event: Event<'a>) -> Event<'a> {
        match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url: CowStr = if dest_url.contains('{') {
                    self.fill(&dest_url).into()
                } else {
                    dest_url
                };
                let link_index = self.links_seen;
                self.links_seen += 1;
                let dest_url = match self.resolve(&dest_url, link_index) {
                    Some(resolved) => resolved.into(),
                    None => dest_url,
                };
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            other => other,
        }
    }

    /// The rewritten href, or `None` to keep it as written.
    fn resolve(&mut self, dest: &str, link_index: usize) -> Option<String> {
        if is_external(dest) {
            return None;
        }
        let (path, anchor) = match dest.split_once('#') {
            Some((path, anchor)) => (path, Some(anchor)),
            None => (dest, None),
        };
        if path.is_empty() {
            if let Some(anchor) = anchor {
                self.rendered.anchor_links.push(AnchorLink {
                    target: self.links.content_path.to_owned(),
                    anchor: anchor.to_owned(),
                    link_index,
                });
            }
            return None;
        }
        if !path.ends_with(".md") {
            self.errors.push(LinkError {
                message: format!("unsupported link `{dest}`"),
                help: Some(
                    "link to another page by its Markdown file, relative to this one (e.g. `../first-aid.md#ice`), or use a full https:// address"
                        .to_owned(),
                ),
                link_index,
            });
            return None;
        }
        let Some(target) = join_relative(self.links.content_path, path) else {
            self.errors.push(LinkError {
                message: format!("link `{dest}` points outside content/"),
                help: None,
                link_index,
            });
            return None;
        };
        let Some(url) = self.links.urls.get(&target) else {
            if self.links.failed.contains(&target) {
                return None;
            }
            let nearest =
                crate::diagnostics::nearest(&target, self.links.urls.keys().map(String::as_str));
            self.errors.push(LinkError {
                message: format!("broken link `{dest}`: there is no page content/{target}"),
                help: Some(match nearest {
                    Some(near) => format!("did you mean content/{near}? (draft pages only exist with --drafts)"),
                    None => "check the file name; links are relative to this file (draft pages only exist with --drafts)".to_owned(),
                }),
                link_index,
            });
            return None;
        };
        let mut href = format!("{}{url}", self.links.root);
        if let Some(anchor) = anchor {
            self.rendered.anchor_links.push(AnchorLink {
                target: target.clone(),
                anchor: anchor.to_owned(),
                link_index,
            });
            href.push('#');
            href.push_str(anchor);
        }
        Some(href)
    }

    fn push_footnotes(&mut self) {
        if self.footnotes.is_empty() {
            return;
        }
        let mut footnotes = std::mem::take(&mut self.footnotes);
        footnotes.sort_by_key(|(label, _)| {
            self.footnote_numbers
                .get(label)
                .copied()
                .unwrap_or(usize::MAX)
        });
        let html = &mut self.rendered.html;
        html.push_str("<section class=\"footnotes\" aria-label=\"Notes\">\n<ol>\n");
        for (label, events) in footnotes {
            let id = footnote_id(&label);
            self.rendered.ids.insert(format!("fn-{id}"));
            html.push_str(&format!("<li id=\"fn-{id}\">"));
            html::push_html(html, events.into_iter());
            if self.footnote_numbers.contains_key(&label) {
                html.push_str(&format!(
                    " <a class=\"footnote-back\" href=\"#fnref-{id}\" aria-label=\"Back to the text\">↩</a>"
                ));
            }
            html.push_str("</li>\n");
        }
        html.push_str("</ol>\n</section>\n");
    }
}

/// Byte offset in `body` of its `link_index`-th link (in document order, as `render` counts them).
/// Only called to report an error, so `render` need not track positions.
pub fn link_offset(body: &str, link_index: usize) -> usize {
    Parser::new_ext(body, options())
        .into_offset_iter()
        .filter(|(event, _)| matches!(event, Event::Start(Tag::Link { .. })))
        .nth(link_index)
        .map_or(0, |(_, range)| range.start)
}

fn footnote_id(label: &str) -> String {
    let slug = slugify(label);
    if slug.is_empty() {
        "note".to_owned()
    } else {
        slug
    }
}

fn is_external(dest: &str) -> bool {
    if dest.starts_with("//") {
        return true;
    }
    match dest.split_once(':') {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// `causes/dvt.md` + `../first-aid.md` -> `first-aid.md`; `None` when it climbs out of `content/`.
fn join_relative(from: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    if relative.starts_with('/') {
        return None;
    }
    for segment in relative.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// Heading text -> id: lower case, words joined by hyphens, apostrophes (straight and curly) dropped.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_hyphen = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_hyphen && !slug.is_empty() {
                slug.push('-');
            }
            pending_hyphen = false;
            slug.extend(c.to_lowercase());
        } else if !matches!(c, '\'' | '’' | '‘') {
            pending_hyphen = true;
        }
    }
    slug
}

fn escape_attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    static CONFIG: std::sync::LazyLock<crate::config::SiteConfig> =
        std::sync::LazyLock::new(|| {
            serde_yaml::from_str(
                "title: t\ndescription: d\nlanguage: en\nbase_url: https://example.org/\n\
             emergency_number: \"112\"\nurgent_help: a doctor\n",
            )
            .unwrap()
        });

    fn render_at(path: &str, root: &str, body: &str) -> (Rendered, Vec<LinkError>) {
        let urls: HashMap<String, String> = [
            ("first-aid.md", "first-aid/"),
            ("causes/bakers-cyst.md", "causes/bakers-cyst/"),
            ("causes/dvt.md", "causes/dvt/"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect();
        render(
            body,
            &LinkContext {
                content_path: path,
                root,
                urls: &urls,
                failed: &HashSet::new(),
                config: Some(&*CONFIG),
                reserved_ids: &["symptoms".to_owned()].into_iter().collect(),
            },
        )
    }

    #[test]
    fn slugs_drop_apostrophes_and_join_words() {
        assert_eq!(
            slugify("Baker’s cyst: what it is"),
            "bakers-cyst-what-it-is"
        );
        assert_eq!(slugify("  When to see a doctor? "), "when-to-see-a-doctor");
        assert_eq!(slugify("Über 60"), "über-60");
        assert_eq!(slugify("!!!"), "");
    }

    #[test]
    fn headings_get_unique_ids_self_links_and_toc() {
        let (out, errors) = render_at(
            "first-aid.md",
            "../",
            "## Ice\n\n## Ice\n\n### Why {#why-ice}\n\n## Symptoms\n",
        );
        assert!(errors.is_empty());
        let ids: Vec<_> = out.toc.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(
            ids,
            ["ice", "ice-2", "why-ice", "symptoms-2"],
            "theme ids are avoided"
        );
        assert!(
            out.html
                .contains("<h2 id=\"ice\">Ice<a class=\"heading-link\" href=\"#ice\""),
            "{}",
            out.html
        );
        assert_eq!(out.toc[2].level, 3);
    }

    #[test]
    fn content_links_become_relative_urls() {
        let (out, errors) = render_at(
            "causes/dvt.md",
            "../../",
            "See [cyst](bakers-cyst.md#symptoms), [aid](../first-aid.md) and [NHS](https://www.nhs.uk/).",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert!(
            out.html
                .contains("href=\"../../causes/bakers-cyst/#symptoms\""),
            "{}",
            out.html
        );
        assert!(out.html.contains("href=\"../../first-aid/\""));
        assert!(out.html.contains("href=\"https://www.nhs.uk/\""));
        assert_eq!(out.anchor_links.len(), 1);
        assert_eq!(out.anchor_links[0].target, "causes/bakers-cyst.md");
    }

    #[test]
    fn broken_and_unsupported_links_are_errors_with_offsets() {
        let body = "Text\n\n[x](causes/nope.md) [y](/abs/path) [z](../../../etc.md)";
        let (_, errors) = render_at("first-aid.md", "../", body);
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].message.contains("no page content/causes/nope.md"));
        let offset = link_offset(body, errors[0].link_index);
        assert_eq!(&body[offset..offset + 3], "[x]");
        let offset = link_offset(body, errors[2].link_index);
        assert_eq!(&body[offset..offset + 3], "[z]");
        assert!(errors[1].message.contains("unsupported link"));
        assert!(errors[2].message.contains("outside content/"));
    }

    #[test]
    fn placeholders_are_filled_in_text_and_links() {
        let (out, _) = render_at(
            "first-aid.md",
            "../",
            "Call [{emergency_number}](tel:{emergency_number}) now.",
        );
        assert!(
            out.html.contains(r#"Call <a href="tel:112">112</a> now."#),
            "{}",
            out.html
        );
    }

    #[test]
    fn footnotes_move_to_the_end_with_prefixed_ids() {
        let body = "Claim[^nhs].\n\n[^nhs]: NHS page.\n\n## After\n";
        let (out, _) = render_at("first-aid.md", "../", body);
        let note = out.html.find("<li id=\"fn-nhs\">").unwrap();
        let heading = out.html.find("<h2 id=\"after\">").unwrap();
        assert!(heading < note, "{}", out.html);
        assert!(out.ids.contains("fnref-nhs"));
    }
}
