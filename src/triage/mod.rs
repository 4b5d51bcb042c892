//! The decision tree: compiled from `content/decision-tree.md` and the cause pages, checked, and
//! rendered as one static page per step.

pub mod model;

use crate::config::SiteConfig;
use crate::content::Content;
use crate::diagnostics::Diagnostic;
use crate::render::Job;

/// A checked decision tree, ready to render.
#[derive(Debug)]
pub struct Tree {}

/// Checks the tree of `content` (if the site has one) and compiles it.
pub fn compile(
    _content: &Content,
    _config: &SiteConfig,
    _diagnostics: &mut Vec<Diagnostic>,
) -> Option<Tree> {
    None
}

impl Tree {
    /// One job per question page and outcome page.
    pub fn jobs<'a>(&'a self, _config: &'a SiteConfig, _content: &'a Content) -> Vec<Job<'a>> {
        Vec::new()
    }

    /// Files that are not pages: `decision-tree/tree.json`, the path list.
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        Vec::new()
    }

    /// Root-relative URLs of every page the tree writes, for the sitemap.
    pub fn page_urls(&self) -> Vec<String> {
        Vec::new()
    }

    /// Extra template data for the cause page of `cause_id` (which answers lead there).
    pub fn cause_extra(&self, _cause_id: &str) -> Option<tera::Value> {
        None
    }

    /// Data every template sees as `tree`.
    pub fn global(&self) -> Option<tera::Value> {
        None
    }
}
