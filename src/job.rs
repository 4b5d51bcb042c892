//! The unit of work the render stage takes, made by the stages before it (content pages in
//! `render`, the decision tree's steps in `decision_tree`) without either depending on the other.

use std::path::PathBuf;

use tera::Context;

/// One file to render: the template, where it goes and how to make its context (made lazily in
/// the worker thread, so thousands of contexts never exist at once).
pub struct Job<'a> {
    pub output_path: String,
    pub template: String,
    /// Content file the page comes from, named in template errors.
    pub source: Option<PathBuf>,
    pub context: Box<dyn Fn() -> Context + Send + Sync + 'a>,
}
