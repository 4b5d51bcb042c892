//! A page's body as the markdown stage renders it, kept on the page for the stages after it.

use std::collections::HashSet;

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
    /// Which link of the body (0 = first).
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
