//! Stage 2, markdown: one page's Markdown body to HTML with pulldown-cmark. Gives every heading a
//! stable unique id and a self-link, builds the table of contents, moves footnotes to the end with
//! prefixed ids, rewrites links to other content files (`../first-aid.md#ice`) into page URLs, and
//! refuses what could run code in a reader's browser: raw HTML outside a short allowlist, unsafe
//! URL schemes, heading ids that could break out of their attribute.

use std::collections::{HashMap, HashSet};

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

use crate::content::rendered::{AnchorLink, Heading, Rendered};

/// Where in a body something is: the `n`-th element of its kind, in document order. Rendering
/// does not track byte positions (that costs time on every build); `spot_offsets` turns spots
/// into positions, once per page, only when there is an error to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Spot {
    Link(usize),
    Image(usize),
    Heading(usize),
    /// A raw HTML event (inline tag or one line of an HTML block), `within` bytes into it.
    Html {
        index: usize,
        within: usize,
    },
}

/// A problem in a Markdown body: a link that cannot be resolved, raw HTML, an unsafe id.
#[derive(Debug, Clone)]
pub struct BodyError {
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
    pub spot: Spot,
    /// Errors of the same code further on in the body, counted but not kept (see `admit`).
    pub more: usize,
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
    /// Drafts left out of this build (`content_path` -> URL): a link to one says so.
    pub drafts: &'a HashMap<String, String>,
    /// Fills `{emergency_number}` and the other placeholders (none when site.yaml is broken).
    pub config: Option<&'a crate::config::SiteConfig>,
    /// Ids the theme's template gives elements of this page (`theme.yaml`); headings avoid them.
    pub reserved_ids: &'a HashSet<String>,
    /// Pages standing in for a missing translation: links to them carry a note.
    pub untranslated: &'a Untranslated,
    /// The words Markdown adds to a page, in the page's language.
    pub words: &'a Words,
}

/// The words the Markdown stage writes itself (screen-reader labels), from the theme's strings.
#[derive(Debug)]
pub struct Words {
    pub section_link: String,
    pub notes: String,
    pub back_to_text: String,
}

impl Default for Words {
    fn default() -> Self {
        Words {
            section_link: "Link to the section".to_owned(),
            notes: "Notes".to_owned(),
            back_to_text: "Back to the text".to_owned(),
        }
    }
}

/// In another language's edition, the pages that have no translation yet (by `content_path`)
/// and the note a link to one gets, so that a reader is not surprised by another language.
#[derive(Debug, Default)]
pub struct Untranslated {
    pub paths: HashSet<String>,
    pub note: String,
}

/// URL schemes a link or image may use. Everything else (`javascript:`, `data:`, `vbscript:`,
/// `file:` …) is refused: an allowlist cannot miss a scheme a browser learns later.
pub const ALLOWED_SCHEMES: [&str; 4] = ["https", "http", "mailto", "tel"];

/// Raw HTML elements a body may use when site.yaml does not set `allow_raw_html`. Each is inline
/// text markup with no behaviour, no URL and no styling, that Markdown cannot express: `abbr`
/// (with `title`, to expand an abbreviation), `kbd`, `sub` and `sup` (units such as m², chemical
/// formulas), `br` (a line break inside an address or a table cell).
pub const ALLOWED_TAGS: [&str; 5] = ["abbr", "kbd", "sub", "sup", "br"];

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

pub fn render(body: &str, links: &LinkContext) -> (Rendered, Vec<BodyError>) {
    let mut renderer = Renderer {
        links,
        allow_raw_html: links.config.is_some_and(|c| c.allow_raw_html),
        rendered: Rendered::default(),
        errors: Vec::new(),
        events: Vec::new(),
        footnotes: Vec::new(),
        footnote_numbers: HashMap::new(),
        heading_ids: Ids::default(),
        heading_texts: HashMap::new(),
        footnote_ids: HashMap::new(),
        footnote_slugs: Ids::default(),
        counts: Counts::default(),
        link_to_untranslated: None,
        note_after_link: false,
    };
    renderer.run(body);
    (renderer.rendered, renderer.errors)
}

/// How many elements of each kind were seen so far: the indexes of `Spot`.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    links: usize,
    images: usize,
    headings: usize,
    html: usize,
}

/// Hands out unique ids. Remembers the last suffix given for each base so that a thousand
/// headings with one title cost a thousand steps, not half a million.
#[derive(Debug, Default)]
struct Ids {
    taken: HashSet<String>,
    last_suffix: HashMap<String, usize>,
}

impl Ids {
    /// `base`, or `base-2`, `base-3` … : the first that is neither taken nor `reserved`. Ends on
    /// every input: each turn tries a new candidate, and only finitely many are unavailable.
    fn unique(&mut self, base: String, reserved: &HashSet<String>) -> String {
        let free = |ids: &Ids, id: &str| !ids.taken.contains(id) && !reserved.contains(id);
        if free(self, &base) {
            self.taken.insert(base.clone());
            return base;
        }
        let mut suffix = self.last_suffix.get(&base).copied().unwrap_or(1);
        let id = loop {
            suffix += 1;
            let candidate = format!("{base}-{suffix}");
            if free(self, &candidate) {
                break candidate;
            }
        };
        self.last_suffix.insert(base, suffix);
        self.taken.insert(id.clone());
        id
    }
}

/// Footnotes own the ids `fn-…` and `fnref-…`; a heading whose text starts that way gets
/// `section-` in front, so that neither it nor its `-2`, `-3` variants can take a footnote's id.
fn in_footnote_namespace(id: &str) -> bool {
    ["fn", "fnref"]
        .iter()
        .any(|prefix| id == *prefix || id.strip_prefix(prefix).is_some_and(|r| r.starts_with('-')))
}

/// A custom heading id (`{#id}`) must be safe in an attribute, a URL fragment and a CSS selector:
/// an ASCII letter, then ASCII letters, digits, `-` or `_`.
pub fn is_safe_id(id: &str) -> bool {
    id.len() <= 100
        && id.starts_with(|c: char| c.is_ascii_alphabetic())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

struct Renderer<'a, 'b> {
    links: &'b LinkContext<'b>,
    allow_raw_html: bool,
    rendered: Rendered,
    errors: Vec<BodyError>,
    events: Vec<Event<'a>>,
    /// (label, events of the definition), in order of definition.
    footnotes: Vec<(String, Vec<Event<'a>>)>,
    footnote_numbers: HashMap<String, usize>,
    heading_ids: Ids,
    /// The id each heading's own text gave before any `-2` suffix -> that heading's text: a
    /// second heading with the same text is a warning.
    heading_texts: HashMap<String, String>,
    /// Footnote label -> the slug in its `fn-` and `fnref-` ids.
    footnote_ids: HashMap<String, String>,
    footnote_slugs: Ids,
    counts: Counts,
    /// Set by `resolve` for the link being opened: whether it goes to an untranslated page.
    link_to_untranslated: Option<bool>,
    /// The open link goes to an untranslated page: its end adds the note.
    note_after_link: bool,
}

impl<'a> Renderer<'a, '_> {
    fn run(&mut self, body: &'a str) {
        // Sized from the source so that the event list and the HTML rarely grow (each growth is a
        // copy); positions are not tracked here: `spot_offsets` finds them when an error needs one.
        self.events.reserve(body.len() / 16);
        self.rendered.html.reserve(body.len() + body.len() / 2);
        let mut parser = Parser::new_ext(body, options());
        while let Some(event) = parser.next() {
            match event {
                Event::Start(Tag::Heading {
                    level,
                    id,
                    classes,
                    attrs,
                }) => {
                    let spot = Spot::Heading(self.counts.headings);
                    self.counts.headings += 1;
                    let mut inner = Vec::new();
                    for event in parser.by_ref() {
                        match event {
                            Event::End(TagEnd::Heading(_)) => break,
                            Event::Text(text) if text.contains('{') => {
                                inner.push(Event::Text(self.fill(&text).into()));
                            }
                            other => {
                                let event = self.inline_event(other);
                                inner.push(event);
                            }
                        }
                    }
                    self.heading_attributes(classes, attrs, &mut inner, spot);
                    self.heading(level, id, inner, spot);
                }
                Event::Start(Tag::FootnoteDefinition(label)) => {
                    let mut inner = Vec::new();
                    for event in parser.by_ref() {
                        if matches!(event, Event::End(TagEnd::FootnoteDefinition)) {
                            break;
                        }
                        inner.push(self.inline_event(event));
                    }
                    self.footnotes.push((label.to_string(), inner));
                }
                Event::FootnoteReference(label) => {
                    let next = self.footnote_numbers.len() + 1;
                    let number = *self
                        .footnote_numbers
                        .entry(label.to_string())
                        .or_insert(next);
                    let id = self.footnote_id(&label);
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
                    let event = self.inline_event(other);
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
        spot: Spot,
    ) {
        let title: String = inner
            .iter()
            .filter_map(|event| match event {
                Event::Text(text) | Event::Code(text) => Some(text.as_ref()),
                _ => None,
            })
            .collect();
        let explicit = explicit_id.is_some();
        let base = match explicit_id {
            Some(id) => self.checked_custom_id(&id, spot),
            None => slugify(&title),
        };
        let base = if base.is_empty() {
            "section".to_owned()
        } else if in_footnote_namespace(&base) {
            format!("section-{base}")
        } else {
            base
        };
        self.check_heading_clash(&base, &title, explicit, spot);
        let id = self.heading_ids.unique(base, self.links.reserved_ids);
        self.rendered.ids.insert(id.clone());
        let mut inner_html = String::new();
        html::push_html(&mut inner_html, inner.into_iter());
        let level = level as u8;
        let escaped_id = crate::html::escape_attribute(&id);
        let escaped_title = crate::html::escape_attribute(&title);
        self.events.push(Event::Html(
            format!(
                "<h{level} id=\"{escaped_id}\">{inner_html}<a class=\"heading-link\" href=\"#{escaped_id}\" \
                 aria-label=\"{} {escaped_title}\">#</a></h{level}>\n",
                crate::html::escape_attribute(&self.links.words.section_link)
            )
            .into(),
        ));
        self.rendered.toc.push(Heading { level, id, title });
    }

    /// A heading that takes an id the theme gives one of this page's sections (E081), a custom
    /// `{#id}` written twice (E082), and two headings with the same text (W052): each would
    /// silently get a `-2` id and show twice in the contents.
    fn check_heading_clash(&mut self, base: &str, title: &str, explicit: bool, spot: Spot) {
        if base.is_empty() {
            return;
        }
        let (code, message, help) = if self.links.reserved_ids.contains(base) {
            let what = if explicit {
                format!("heading id `{base}`")
            } else {
                format!("heading `{}`", escape_for_message(title))
            };
            (
                "E081",
                format!(
                    "{what} duplicates the section `#{base}` that the theme already prints on this page"
                ),
                if explicit {
                    "choose another id; links to `#{base}` reach the theme's section"
                        .replace("{base}", base)
                } else {
                    "remove the heading (the theme shows this section from the front matter), or give it another title".to_owned()
                },
            )
        } else if explicit && self.heading_ids.taken.contains(base) {
            (
                "E082",
                format!("heading id `{base}` is used twice on this page"),
                "give each heading its own `{#id}`: a link can reach only one of them".to_owned(),
            )
        } else if explicit {
            return;
        } else if let Some(first) = self.heading_texts.get(base) {
            (
                "W052",
                format!(
                    "two headings read `{}`: this one gets a numbered id (`#{base}-2`, …) and both show in the contents",
                    escape_for_message(first)
                ),
                "give the headings different titles, or merge the two sections".to_owned(),
            )
        } else {
            self.heading_texts.insert(base.to_owned(), title.to_owned());
            return;
        };
        if self.admit(code) {
            self.errors.push(BodyError {
                code,
                message,
                help: Some(help),
                spot,
                more: 0,
            });
        }
    }

    /// A heading may end in `{#id}` only. Markdown reads any `{…}` at the end of a heading as its
    /// attributes, so "Go to {emergency_department}" would lose its last word: a placeholder
    /// there is put back as text (filled); classes and other attributes, which the theme would
    /// drop without a word, are an error (E083).
    fn heading_attributes(
        &mut self,
        classes: Vec<CowStr<'a>>,
        attrs: Vec<(CowStr<'a>, Option<CowStr<'a>>)>,
        inner: &mut Vec<Event<'a>>,
        spot: Spot,
    ) {
        let mut refused = Vec::new();
        for class in classes {
            refused.push(format!(".{class}"));
        }
        for (key, value) in attrs {
            match value {
                None if crate::placeholders::PLACEHOLDERS.contains(&key.as_ref()) => {
                    let filled = self.fill(&format!("{{{key}}}"));
                    inner.push(Event::Text(format!(" {filled}").into()));
                }
                None => refused.push(key.to_string()),
                Some(value) => refused.push(format!("{key}={value}")),
            }
        }
        if !refused.is_empty() && self.admit("E083") {
            self.errors.push(BodyError {
                code: "E083",
                message: format!(
                    "the heading ends in `{{{}}}`, which Markdown reads as attributes the theme does not use",
                    escape_for_message(&refused.join(" "))
                ),
                help: Some(
                    "a heading may end in `{#an-id}` or a placeholder such as `{emergency_number}`; write other braces inside the text, not at its end".to_owned(),
                ),
                spot,
                more: 0,
            });
        }
    }

    /// The id written in `{#id}`, or an error and a safe stand-in.
    fn checked_custom_id(&mut self, id: &str, spot: Spot) -> String {
        if !is_safe_id(id) {
            if self.admit("E062") {
                self.errors.push(BodyError {
                    code: "E062",
                    message: format!("heading id `{}` is not a safe id", escape_for_message(id)),
                    help: Some(
                        "use an ASCII letter, then letters, digits, `-` or `_`, e.g. `{#ice-pack}`"
                            .to_owned(),
                    ),
                    spot,
                    more: 0,
                });
            }
            return slugify(id);
        }
        if in_footnote_namespace(id) && self.admit("E062") {
            self.errors.push(BodyError {
                code: "E062",
                message: format!("heading id `{id}` is reserved for footnotes"),
                help: Some(
                    "ids starting with `fn-` or `fnref-` belong to footnotes; choose another"
                        .to_owned(),
                ),
                spot,
                more: 0,
            });
        }
        id.to_owned()
    }

    /// The slug in a footnote's ids: unique among this page's footnotes, whatever the labels.
    fn footnote_id(&mut self, label: &str) -> String {
        if let Some(id) = self.footnote_ids.get(label) {
            return id.clone();
        }
        let slug = slugify(label);
        let base = if slug.is_empty() {
            "note".to_owned()
        } else {
            slug
        };
        let id = self.footnote_slugs.unique(base, &HashSet::new());
        self.footnote_ids.insert(label.to_owned(), id.clone());
        id
    }

    /// Whether an error of `code` should be built: past `SHOWN_PER_FILE_AND_KIND` of a code, the
    /// last one kept counts the rest instead, so that 8,000 broken links cost 50 messages (and
    /// 50 searches for the nearest page name), not 8,000.
    fn admit(&mut self, code: &'static str) -> bool {
        let shown = self.errors.iter().filter(|e| e.code == code).count();
        if shown < crate::diagnostics::SHOWN_PER_FILE_AND_KIND {
            return true;
        }
        if let Some(last) = self.errors.iter_mut().rev().find(|e| e.code == code) {
            last.more += 1;
        }
        false
    }

    /// The text with its placeholders filled; problems are reported by the check stage.
    fn fill(&self, text: &str) -> String {
        match self.links.config {
            Some(config) => crate::placeholders::fill_known(text, config).0,
            None => text.to_owned(),
        }
    }

    /// Rewrites link destinations and checks URL schemes and raw HTML; other events pass through.
    fn inline_event(&mut self, event: Event<'a>) -> Event<'a> {
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
                let link_index = self.counts.links;
                self.counts.links += 1;
                let spot = Spot::Link(link_index);
                let dest_url = if self.scheme_allowed(&dest_url, "link", spot) {
                    match self.resolve(&dest_url, link_index) {
                        Some(resolved) => resolved.into(),
                        None => dest_url,
                    }
                } else {
                    dest_url
                };
                if self.link_to_untranslated.take() == Some(true) {
                    // Written out so the closing tag can carry the note (see End(Link)).
                    self.note_after_link = true;
                    let title = if title.is_empty() {
                        String::new()
                    } else {
                        format!(" title=\"{}\"", crate::html::escape_attribute(&title))
                    };
                    return Event::InlineHtml(
                        format!(
                            "<a href=\"{}\"{title}>",
                            crate::html::escape_attribute(&dest_url)
                        )
                        .into(),
                    );
                }
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::End(TagEnd::Link) if self.note_after_link => {
                self.note_after_link = false;
                Event::InlineHtml(
                    format!(
                        "</a> <span class=\"translation-note\">{}</span>",
                        crate::html::escape_text(&self.links.untranslated.note)
                    )
                    .into(),
                )
            }
            Event::Start(Tag::Image { ref dest_url, .. }) => {
                let spot = Spot::Image(self.counts.images);
                self.counts.images += 1;
                self.scheme_allowed(dest_url, "image", spot);
                event
            }
            Event::Html(ref text) | Event::InlineHtml(ref text) => {
                let index = self.counts.html;
                self.counts.html += 1;
                if !self.allow_raw_html {
                    for (within, problem) in disallowed_html(text) {
                        if !self.admit("E060") {
                            continue;
                        }
                        self.errors.push(BodyError {
                            code: "E060",
                            message: problem,
                            help: Some(format!(
                                "write it in Markdown; raw HTML is limited to {} (site.yaml can set `allow_raw_html: true`)",
                                ALLOWED_TAGS
                                    .iter()
                                    .map(|tag| format!("<{tag}>"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )),
                            spot: Spot::Html { index, within },
                            more: 0,
                        });
                    }
                }
                event
            }
            other => other,
        }
    }

    /// Reports a destination whose scheme is not in `ALLOWED_SCHEMES`.
    fn scheme_allowed(&mut self, dest: &str, what: &str, spot: Spot) -> bool {
        let Some(scheme) = url_scheme(dest) else {
            return true;
        };
        if ALLOWED_SCHEMES.contains(&scheme.as_str()) {
            return true;
        }
        if !self.admit("E061") {
            return false;
        }
        self.errors.push(BodyError {
            code: "E061",
            message: format!(
                "{what} with the URL scheme `{}:` is not allowed",
                escape_for_message(&scheme)
            ),
            help: Some(format!(
                "use {} addresses, or link to a content file",
                ALLOWED_SCHEMES
                    .iter()
                    .map(|s| format!("{s}:"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            spot,
            more: 0,
        });
        false
    }

    /// E090: a full link to the site's own address that shows one of its pages; it would skip
    /// the link check and break in the preview and under another base URL.
    fn own_site_link(&mut self, dest: &str, spot: Spot) {
        let Some(link) = crate::link_hints::own_site_link(
            self.links.content_path,
            dest,
            self.links.urls,
            self.links.config,
        ) else {
            return;
        };
        if !self.admit("E090") {
            return;
        }
        self.errors.push(BodyError {
            code: "E090",
            message: format!("link `{dest}` is a full address of this site"),
            help: Some(format!(
                "link the page's Markdown file instead: `{link}` (it is checked, and works in the preview and under any base URL)"
            )),
            spot,
            more: 0,
        });
    }

    /// The rewritten href, or `None` to keep it as written.
    fn resolve(&mut self, dest: &str, link_index: usize) -> Option<String> {
        let spot = Spot::Link(link_index);
        if is_external(dest) {
            self.own_site_link(dest, spot);
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
            if !self.admit("E020") {
                return None;
            }
            self.errors.push(BodyError {
                code: "E020",
                message: format!("unsupported link `{dest}`"),
                help: Some(crate::link_hints::unsupported_link_help(
                    self.links.content_path,
                    dest,
                    self.links.urls,
                    self.links.config,
                )),
                spot,
                more: 0,
            });
            return None;
        }
        let Some(target) = join_relative(self.links.content_path, path) else {
            if !self.admit("E020") {
                return None;
            }
            self.errors.push(BodyError {
                code: "E020",
                message: format!("link `{dest}` points outside content/"),
                help: None,
                spot,
                more: 0,
            });
            return None;
        };
        let Some(url) = self.links.urls.get(&target) else {
            if self.links.failed.contains(&target) || !self.admit("E020") {
                return None;
            }
            if self.links.drafts.contains_key(&target) {
                self.errors.push(BodyError {
                    code: "E020",
                    message: format!(
                        "link `{dest}` goes to a draft: content/{target} has `draft: true`, so it is not published"
                    ),
                    help: Some(
                        "publish it first (remove `draft: true` once it is finished), or link it later; \
                         `--drafts` includes drafts in a preview or check"
                            .to_owned(),
                    ),
                    spot,
                    more: 0,
                });
                return None;
            }
            self.errors.push(BodyError {
                code: "E020",
                message: format!("broken link `{dest}`: there is no page content/{target}"),
                help: Some(crate::link_hints::broken_link_help(
                    self.links.content_path,
                    &target,
                    self.links.urls,
                )),
                spot,
                more: 0,
            });
            return None;
        };
        self.link_to_untranslated = Some(self.links.untranslated.paths.contains(&target));
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
        let mut html = std::mem::take(&mut self.rendered.html);
        html.push_str(&format!(
            "<section class=\"footnotes\" aria-label=\"{}\">\n<ol>\n",
            crate::html::escape_attribute(&self.links.words.notes)
        ));
        for (label, events) in footnotes {
            let id = crate::html::escape_attribute(&self.footnote_id(&label));
            self.rendered.ids.insert(format!("fn-{id}"));
            html.push_str(&format!("<li id=\"fn-{id}\">"));
            html::push_html(&mut html, events.into_iter());
            if self.footnote_numbers.contains_key(&label) {
                html.push_str(&format!(
                    " <a class=\"footnote-back\" href=\"#fnref-{id}\" aria-label=\"{}\">↩</a>",
                    crate::html::escape_attribute(&self.links.words.back_to_text)
                ));
            }
            html.push_str("</li>\n");
        }
        html.push_str("</ol>\n</section>\n");
        self.rendered.html = html;
    }
}

/// Byte offsets in `body` of each spot, in the order given, from one parse of the body. Only
/// called to report errors, so `render` need not track positions; a spot not found gives 0.
pub fn spot_offsets(body: &str, spots: &[Spot]) -> Vec<usize> {
    if spots.is_empty() {
        return Vec::new();
    }
    let wanted: HashSet<Spot> = spots
        .iter()
        .map(|spot| match spot {
            Spot::Html { index, .. } => Spot::Html {
                index: *index,
                within: 0,
            },
            other => *other,
        })
        .collect();
    let mut found: HashMap<Spot, usize> = HashMap::new();
    let mut counts = Counts::default();
    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        let spot = match event {
            Event::Start(Tag::Link { .. }) => {
                counts.links += 1;
                Spot::Link(counts.links - 1)
            }
            Event::Start(Tag::Image { .. }) => {
                counts.images += 1;
                Spot::Image(counts.images - 1)
            }
            Event::Start(Tag::Heading { .. }) => {
                counts.headings += 1;
                Spot::Heading(counts.headings - 1)
            }
            Event::Html(_) | Event::InlineHtml(_) => {
                counts.html += 1;
                Spot::Html {
                    index: counts.html - 1,
                    within: 0,
                }
            }
            _ => continue,
        };
        if !wanted.contains(&spot) {
            continue;
        }
        let offset = match spot {
            // Point at the `{#id}` of a heading when it has one: that is what is wrong.
            Spot::Heading(_) => body[range.clone()]
                .rfind("{#")
                .map_or(range.start, |i| range.start + i),
            _ => range.start,
        };
        found.insert(spot, offset);
        if found.len() == wanted.len() {
            break;
        }
    }
    spots
        .iter()
        .map(|spot| match spot {
            Spot::Html { index, within } => found
                .get(&Spot::Html {
                    index: *index,
                    within: 0,
                })
                .map_or(0, |start| (start + within).min(body.len())),
            other => found.get(other).copied().unwrap_or(0),
        })
        .collect()
}

/// The scheme of a URL as a browser reads it (lower case, ignoring leading spaces and control
/// characters and any tab or line break inside), or `None` for a relative URL.
fn url_scheme(dest: &str) -> Option<String> {
    if !dest.contains(':') {
        return None;
    }
    let cleaned: String = dest
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let (scheme, _) = cleaned.split_once(':')?;
    let valid = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| scheme.to_ascii_lowercase())
}

/// Each raw HTML tag of `text` outside the allowlist: (byte offset in `text`, what is wrong).
/// Stricter than a browser on purpose: anything that looks like a tag is judged, even inside
/// a comment, and a tag left open at the end of the text is refused.
fn disallowed_html(text: &str) -> Vec<(usize, String)> {
    let mut problems = Vec::new();
    let bytes = text.as_bytes();
    let mut position = 0;
    while let Some(found) = text[position..].find('<') {
        let start = position + found;
        position = start + 1;
        let rest = &text[start + 1..];
        if rest.starts_with("!--") {
            // A comment shows nothing; what is inside it is still scanned for tags.
            position = start + 4;
            continue;
        }
        let closing = rest.starts_with('/');
        let name_start = start + 1 + usize::from(closing);
        let name_len = text[name_start..]
            .bytes()
            .take_while(u8::is_ascii_alphanumeric)
            .count();
        if name_len == 0 {
            if matches!(bytes.get(name_start), Some(b'!' | b'?')) {
                problems.push((
                    start,
                    "raw HTML declaration or processing instruction is not allowed".to_owned(),
                ));
            }
            continue;
        }
        let name = text[name_start..name_start + name_len].to_ascii_lowercase();
        if !ALLOWED_TAGS.contains(&name.as_str()) {
            problems.push((
                start,
                format!(
                    "raw HTML `<{}{}>` is not allowed",
                    if closing { "/" } else { "" },
                    escape_for_message(&name)
                ),
            ));
            continue;
        }
        match tag_attributes(&text[name_start + name_len..]) {
            Some((attributes, length)) => {
                position = name_start + name_len + length;
                for attribute in attributes {
                    let allowed = !closing && name == "abbr" && attribute == "title";
                    if !allowed {
                        problems.push((
                            start,
                            format!(
                                "attribute `{}` on raw HTML `<{name}>` is not allowed",
                                escape_for_message(&attribute)
                            ),
                        ));
                    }
                }
            }
            None => {
                // Everything after an open tag is inside it: one error, and no rescanning
                // of the rest for each `<` in it.
                problems.push((
                    start,
                    format!("raw HTML `<{name}` is not closed by `>` on its line"),
                ));
                break;
            }
        }
    }
    problems
}

/// The attribute names of a tag (lower case) and the length up to and including its `>`;
/// `None` when the text ends first. `rest` starts right after the tag name.
fn tag_attributes(rest: &str) -> Option<(Vec<String>, usize)> {
    let bytes = rest.as_bytes();
    let mut names = Vec::new();
    let mut i = 0;
    loop {
        while bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'/')
        {
            i += 1;
        }
        match bytes.get(i)? {
            b'>' => return Some((names, i + 1)),
            _ => {
                let name_start = i;
                while bytes
                    .get(i)
                    .is_some_and(|b| !b.is_ascii_whitespace() && !matches!(b, b'=' | b'>' | b'/'))
                {
                    i += 1;
                }
                names.push(rest[name_start..i].to_ascii_lowercase());
                while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
                    i += 1;
                }
                if bytes.get(i) == Some(&b'=') {
                    i += 1;
                    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
                        i += 1;
                    }
                    match bytes.get(i)? {
                        quote @ (b'"' | b'\'') => {
                            let end = rest[i + 1..].find(char::from(*quote))?;
                            i += end + 2;
                        }
                        _ => {
                            while bytes
                                .get(i)
                                .is_some_and(|b| !b.is_ascii_whitespace() && *b != b'>')
                            {
                                i += 1;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Text from the content quoted in a message: control characters shown as escapes, and cut
/// short, so that nothing in a file can reach the terminal raw or at length.
pub fn escape_for_message(text: &str) -> String {
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count == 60 {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    static CONFIG: std::sync::LazyLock<crate::config::SiteConfig> =
        std::sync::LazyLock::new(|| {
            serde_yaml::from_str(
                "title: t\ndescription: d\nlanguage: en\nbase_url: https://example.org/\n\
             emergency_number: \"112\"\nurgent_help: a doctor\n\
             emergency_department: the emergency department\n",
            )
            .unwrap()
        });

    fn render_at(path: &str, root: &str, body: &str) -> (Rendered, Vec<BodyError>) {
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
                drafts: &[("causes/draft.md".to_owned(), "causes/draft/".to_owned())]
                    .into_iter()
                    .collect(),
                config: Some(&*CONFIG),
                reserved_ids: &["symptoms".to_owned()].into_iter().collect(),
                untranslated: &Default::default(),
                words: &Default::default(),
            },
        )
    }

    #[test]
    fn a_link_to_a_draft_says_it_is_a_draft() {
        let (_, errors) = render_at("first-aid.md", "../", "See [it](causes/draft.md).\n");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].code, "E020");
        assert!(
            errors[0]
                .message
                .contains("goes to a draft: content/causes/draft.md has `draft: true`"),
            "{}",
            errors[0].message
        );
        assert!(
            errors[0]
                .help
                .as_deref()
                .unwrap()
                .contains("remove `draft: true`")
        );
        // A page that does not exist at all is still "no page".
        let (_, errors) = render_at("first-aid.md", "../", "See [it](causes/none.md).\n");
        assert!(
            errors[0]
                .message
                .contains("there is no page content/causes/none.md")
        );
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
        // The second "Ice" still gets its own id, with a warning that says so; "Symptoms" is
        // a section the theme prints (E081).
        assert_eq!(codes(&errors), ["W052", "E081"]);
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
    fn a_heading_ending_in_a_placeholder_keeps_it_and_other_attributes_are_refused() {
        let (out, errors) = render_at(
            "first-aid.md",
            "../",
            "## Go to {emergency_department}\n\n## Call {emergency_number} {#call}\n\n## Odd {.wide}\n",
        );
        assert_eq!(out.toc[0].title, "Go to the emergency department");
        assert!(
            out.html.contains(">Go to the emergency department<a"),
            "{}",
            out.html
        );
        assert_eq!(out.toc[1].id, "call");
        assert_eq!(out.toc[1].title, "Call 112");
        assert_eq!(codes(&errors), ["E083"]);
        assert!(
            errors[0].message.contains("`{.wide}`"),
            "{}",
            errors[0].message
        );
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
        let spots: Vec<Spot> = errors.iter().map(|e| e.spot).collect();
        let offsets = spot_offsets(body, &spots);
        assert_eq!(&body[offsets[0]..offsets[0] + 3], "[x]");
        assert_eq!(&body[offsets[2]..offsets[2] + 3], "[z]");
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

    /// Renders on another thread and gives up after a generous limit: a regression to the old
    /// endless loop fails the test instead of hanging the suite.
    fn render_within_limit(body: &str) -> (Rendered, Vec<BodyError>) {
        let body = body.to_owned();
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = done.send(render_at("first-aid.md", "../", &body));
        });
        finished
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("rendering did not finish: the id de-duplication loops")
    }

    fn codes(errors: &[BodyError]) -> Vec<&str> {
        errors.iter().map(|e| e.code).collect()
    }

    #[test]
    fn headings_that_clash_are_reported_where_they_stand() {
        let (_, errors) = render_at(
            "first-aid.md",
            "../",
            "## Ice {#cold}\n\n## Heat {#cold}\n\n## More {#symptoms}\n\n## Rest\n\n## Rest\n",
        );
        let found: Vec<_> = errors
            .iter()
            .map(|e| (e.code, e.message.as_str(), e.spot))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "E082",
                    "heading id `cold` is used twice on this page",
                    Spot::Heading(1)
                ),
                (
                    "E081",
                    "heading id `symptoms` duplicates the section `#symptoms` that the theme already prints on this page",
                    Spot::Heading(2)
                ),
                (
                    "W052",
                    "two headings read `Rest`: this one gets a numbered id (`#rest-2`, …) and both show in the contents",
                    Spot::Heading(4)
                ),
            ]
        );
    }

    #[test]
    fn headings_named_like_footnotes_end_and_never_take_a_footnote_id() {
        let body = "## Fn codes explained\n\n## FN-1 guidance\n\n## Fn\n\n## Fn\n\n## fnref 2\n\n\
                    Text[^1], more[^codes-explained] and[^2].\n\n\
                    [^1]: One.\n\n[^codes-explained]: Two.\n\n[^2]: Three.\n";
        let (out, errors) = render_within_limit(body);
        assert_eq!(codes(&errors), ["W052"], "{errors:?}");
        let ids: Vec<&str> = out.toc.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "section-fn-codes-explained",
                "section-fn-1-guidance",
                "section-fn",
                "section-fn-2",
                "section-fnref-2",
            ]
        );
        let mut defined: Vec<&str> = Vec::new();
        for part in out.html.split(" id=\"").skip(1) {
            defined.push(&part[..part.find('"').unwrap()]);
        }
        let unique: HashSet<&str> = defined.iter().copied().collect();
        assert_eq!(
            unique.len(),
            defined.len(),
            "an id is defined twice: {defined:?}"
        );
        for footnote in ["fn-1", "fn-codes-explained", "fn-2", "fnref-1"] {
            assert!(defined.contains(&footnote), "{footnote} in {defined:?}");
        }
    }

    #[test]
    fn a_custom_id_in_the_footnote_namespace_is_an_error_not_a_hang() {
        let (_, errors) = render_within_limit("## One {#fn-1}\n\nNote[^1].\n\n[^1]: x\n");
        assert_eq!(codes(&errors), ["E062"]);
        assert!(errors[0].message.contains("reserved for footnotes"));
    }

    #[test]
    fn footnote_labels_with_one_slug_get_distinct_ids() {
        let (out, _) = render_at(
            "first-aid.md",
            "../",
            "A[^a b] B[^a-b].\n\n[^a b]: one\n\n[^a-b]: two\n",
        );
        assert!(out.html.contains("<li id=\"fn-a-b\">"), "{}", out.html);
        assert!(out.html.contains("<li id=\"fn-a-b-2\">"), "{}", out.html);
        assert!(out.html.contains("href=\"#fn-a-b-2\""), "{}", out.html);
    }

    #[test]
    fn ten_thousand_identical_headings_get_numbered_ids() {
        let body = "## Same\n\n".repeat(10_000);
        let (out, _) = render_within_limit(&body);
        assert_eq!(out.toc.len(), 10_000);
        assert_eq!(out.toc[9_999].id, "same-10000");
        let unique: HashSet<&str> = out.toc.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(unique.len(), 10_000);
    }

    #[test]
    fn an_unsafe_custom_id_is_an_error_and_never_reaches_an_attribute() {
        let body = "## H {#x\"onmouseover=\"alert(1)}\n\n## Fine {#Ice_pack-2}\n";
        let (out, errors) = render_at("first-aid.md", "../", body);
        assert_eq!(codes(&errors), ["E062"], "{errors:?}");
        assert!(!out.html.contains("onmouseover=\""), "{}", out.html);
        assert!(out.html.contains("<h2 id=\"Ice_pack-2\">"), "{}", out.html);
        let offsets = spot_offsets(body, &[errors[0].spot]);
        assert!(body[offsets[0]..].starts_with("{#x\""), "points at the id");
        for good in ["a", "Ice-pack_2", "x1"] {
            assert!(is_safe_id(good), "{good}");
        }
        for bad in ["", "1a", "-a", "a b", "a\"b", "é", "a<b", &"a".repeat(101)] {
            assert!(!is_safe_id(bad), "{bad}");
        }
    }

    #[test]
    fn raw_html_outside_the_allowlist_is_an_error_where_it_stands() {
        let body = "Press <kbd>Ctrl</kbd>, 10 m<sup>2</sup>, H<sub>2</sub>O, \
                    <abbr title=\"deep vein thrombosis\">DVT</abbr>,<br> <br/>.\n\n\
                    <script>alert(1)</script>\n\n\
                    A <img src=x onerror=alert(1)> and <abbr title=\"t\" onclick=\"x()\">y</abbr>.\n\n\
                    <div>\n<iframe src=\"https://evil.example/\"></iframe>\n</div>\n\n\
                    <!-- note --> <STYLE>p{}</STYLE> <kbd\n";
        let (_, errors) = render_at("first-aid.md", "../", body);
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert!(errors.iter().all(|e| e.code == "E060"), "{messages:?}");
        for expected in [
            "raw HTML `<script>` is not allowed",
            "raw HTML `</script>` is not allowed",
            "raw HTML `<img>` is not allowed",
            "attribute `onclick` on raw HTML `<abbr>` is not allowed",
            "raw HTML `<div>` is not allowed",
            "raw HTML `<iframe>` is not allowed",
            "raw HTML `<style>` is not allowed",
        ] {
            assert!(
                messages.contains(&expected),
                "{expected} not in {messages:?}"
            );
        }
        assert!(
            !messages
                .iter()
                .any(|m| m.contains("kbd>") || m.contains("sup") || m.contains("<br")),
            "the allowlist passes: {messages:?}"
        );
        let spots: Vec<Spot> = errors.iter().map(|e| e.spot).collect();
        let offsets = spot_offsets(body, &spots);
        let script = messages
            .iter()
            .position(|m| m.contains("`<script>`"))
            .unwrap();
        assert!(body[offsets[script]..].starts_with("<script>"));
        let iframe = messages
            .iter()
            .position(|m| m.contains("`<iframe>`"))
            .unwrap();
        assert!(body[offsets[iframe]..].starts_with("<iframe"));
    }

    #[test]
    fn raw_html_passes_when_site_yaml_allows_it() {
        let mut config = CONFIG.clone();
        config.allow_raw_html = true;
        let urls = HashMap::new();
        let (out, errors) = render(
            "<script>alert(1)</script>\n\n[x](javascript:alert(1))\n",
            &LinkContext {
                content_path: "a.md",
                root: "../",
                urls: &urls,
                failed: &HashSet::new(),
                drafts: &HashMap::new(),
                config: Some(&config),
                reserved_ids: &HashSet::new(),
                untranslated: &Default::default(),
                words: &Default::default(),
            },
        );
        assert!(out.html.contains("<script>alert(1)</script>"));
        assert_eq!(
            codes(&errors),
            ["E061"],
            "URL schemes are checked all the same"
        );
    }

    #[test]
    fn dangerous_url_schemes_are_errors_in_links_and_images() {
        let body = "[a](javascript:alert(1)) [b](JavaScript:x) [c](  vbscript:x) \
                    ![d](data:image/svg+xml,x) <file:///etc/passwd> [e](data:text/html,x)\n\n\
                    [ok](https://www.nhs.uk/) [mail](mailto:a@example.org) [call](tel:112) \
                    ![pic](https://example.org/a.png) [page](causes/dvt.md)\n";
        let (_, errors) = render_at("first-aid.md", "../", body);
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "link with the URL scheme `javascript:` is not allowed",
                "link with the URL scheme `javascript:` is not allowed",
                "link with the URL scheme `vbscript:` is not allowed",
                "image with the URL scheme `data:` is not allowed",
                "link with the URL scheme `file:` is not allowed",
                "link with the URL scheme `data:` is not allowed",
            ]
        );
        let spots: Vec<Spot> = errors.iter().map(|e| e.spot).collect();
        let offsets = spot_offsets(body, &spots);
        assert!(body[offsets[3]..].starts_with("![d]"));
        assert!(body[offsets[4]..].starts_with("<file:"));
    }

    #[test]
    fn errors_past_fifty_of_a_code_are_counted_not_built() {
        let (_, errors) = render_within_limit(&"[x](nope.md) ".repeat(8_000));
        assert_eq!(errors.len(), 50);
        assert_eq!(errors.iter().map(|e| e.more).sum::<usize>(), 7_950);
        assert_eq!(errors[49].more, 7_950);
    }

    #[test]
    fn pathological_lines_stay_linear() {
        // An open tag swallows the rest of its text: one error, not one rescan per `<`.
        let (_, errors) = render_within_limit(&format!("<div>{}\n", "<abbr ".repeat(200_000)));
        assert_eq!(codes(&errors), ["E060", "E060"]);
        // Braces without a placeholder name: each scan stops at the next brace.
        let (out, errors) = render_within_limit(&"{".repeat(1_000_000));
        assert!(errors.is_empty());
        assert!(out.html.len() >= 1_000_000);
    }
}
