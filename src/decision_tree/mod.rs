//! The decision tree: compiled from `content/decision-tree.md` and the cause pages, checked, and
//! rendered as one static page per step.
//!
//! ```text
//! positions.rs where each value of the front matter starts, indexed once
//! validate.rs  every check (E002-E013, E016, E040, W002, W003), all reported in one run
//! cases.rs     safety cases: readers' answers walked through the tree (E041-E046, W010-W012)
//! graph.rs     loops, reachability, paths, urgency bounds (pure functions)
//! pages.rs     one page per step of every path, canonical outcome pages, cause-page data
//! json.rs      decision-tree/tree.json and decision-tree/paths.txt
//! golden.rs    the reviewed path list (tests/golden/decision-tree-paths.txt) compared (W060)
//! translation.rs  a translated tree changes words only (E113)
//! ```
//!
//! URLs (root-relative): the start page (the content page) is `decision-tree/`; the first question
//! is `decision-tree/start/`; every later step is `decision-tree/<answer>/<answer>/.../`; every
//! outcome also has a canonical page `decision-tree/outcome/<id>/`.

pub mod cases;
pub mod golden;
pub mod graph;
mod json;

mod pages;
pub mod positions;
pub mod translation;
mod validate;

use std::path::Path;

use serde::Serialize;

use crate::config::SiteConfig;
use crate::content::Content;
use crate::content::meta::{Audience, Date, Urgency};
use crate::content::tree_meta::{self, Phase};
use crate::diagnostics::Diagnostic;
use crate::job::Job;
use crate::theme_config::Strings;
use graph::{Node, Step};

pub use crate::content::TREE_URL;
/// Answer ids that would clash with the tree's own URLs.
pub const RESERVED_IDS: [&str; 3] = ["start", "outcome", "index"];
/// Above this many pages the build warns (W003): every path is a static page.
pub const PAGE_BUDGET: u64 = 200;
/// Above this many pages the build refuses to render the tree.
pub const PAGE_LIMIT: u64 = 20_000;

/// A checked decision tree, ready to render. Texts have their placeholders filled.
#[derive(Debug)]
pub struct Tree {
    pub title: String,
    pub description: String,
    pub last_reviewed: Date,
    pub next_review: Date,
    pub start: usize,
    pub questions: Vec<Question>,
    pub outcomes: Vec<Outcome>,
    /// Every page on every path, depth-first in answer order.
    pub steps: Vec<Step>,
    /// The start page's HTML with its placeholders filled.
    pub intro_html: String,
    /// Root-relative URL of the start page in this tree's edition: `decision-tree/`, in German
    /// `de/decision-tree/` (the steps below it keep the answer ids, shared by every language).
    pub url: String,
}

/// A checked question, as templates and `tree.json` see it (authors write a
/// [`tree_meta::QuestionMeta`]).
#[derive(Debug, Clone, Serialize)]
pub struct Question {
    pub id: String,
    pub phase: Phase,
    pub audience: Vec<Audience>,
    pub heading: String,
    pub items: Vec<String>,
    pub hint: Option<String>,
    pub answers: Vec<Answer>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub id: String,
    pub label: String,
    #[serde(skip)]
    pub target: Node,
    /// The id of the question or outcome it leads to.
    pub next: String,
    pub unsure: bool,
    pub none: bool,
    pub sets_audience: Option<Audience>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub id: String,
    pub urgency: Urgency,
    pub heading: String,
    pub body: String,
    pub note: Option<String>,
    pub causes: Vec<CauseRef>,
    /// Cause pages offered as "other causes that can look similar" (explicit or derived).
    pub see_also: Vec<CauseRef>,
    /// Whether `see_also` was written by the author (else it is derived for cause-less outcomes).
    #[serde(skip)]
    pub see_also_explicit: bool,
    /// When to get help sooner than the outcome says, placeholders filled.
    pub safety_net: tree_meta::SafetyNet,
    /// Guide pages to read next.
    pub pages: Vec<PageLink>,
}

/// A guide page an outcome links: its title and root-relative URL.
#[derive(Debug, Clone, Serialize)]
pub struct PageLink {
    pub title: String,
    pub url: String,
}

/// A cause as the tree shows it, taken from the cause's own page.
#[derive(Debug, Clone, Serialize)]
pub struct CauseRef {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub url: String,
    pub audience: Vec<Audience>,
    pub min_urgency: Urgency,
}

/// `no/adult/none`: the answer ids of a path joined by `/` (also its URL under the tree).
pub(crate) fn path_text(questions: &[Question], answers: &[graph::Edge]) -> String {
    answers
        .iter()
        .map(|&(q, a)| questions[q].answers[a].id.as_str())
        .collect::<Vec<_>>()
        .join("/")
}

/// The audience a path has set: the last `sets_audience` on it.
pub(crate) fn path_audience(questions: &[Question], answers: &[graph::Edge]) -> Option<Audience> {
    answers
        .iter()
        .filter_map(|&(q, a)| questions[q].answers[a].sets_audience)
        .next_back()
}

/// What an outcome without causes (and without an explicit `see_also`) offers instead on the path
/// `answers`: the causes named by the outcomes of the other answers of the last question (not
/// "none of these", not "not sure") that are at least as urgent, fitting the path's audience. For a
/// hot, feverish knee these are the other red flags' causes, which can look similar.
pub(crate) fn see_also_on_path<'t>(
    questions: &'t [Question],
    outcomes: &'t [Outcome],
    outcome: usize,
    answers: &[graph::Edge],
) -> Vec<&'t CauseRef> {
    let audience = path_audience(questions, answers);
    let Some(&(last, _)) = answers.last() else {
        return Vec::new();
    };
    let mut found: Vec<&CauseRef> = Vec::new();
    for answer in &questions[last].answers {
        let Node::Outcome(other) = answer.target else {
            continue;
        };
        if answer.none || answer.unsure || outcomes[other].urgency < outcomes[outcome].urgency {
            continue;
        }
        for cause in &outcomes[other].causes {
            let fits = audience.is_none_or(|a| cause.audience.contains(&a));
            if fits && !found.iter().any(|f| f.id == cause.id) {
                found.push(cause);
            }
        }
    }
    found
}

/// Checks the tree of `content` (if the site has one) and its safety cases, and compiles it.
/// Returns `None` when the site has no tree or when any check failed (the errors are in
/// `diagnostics`).
pub fn compile(
    content: &Content,
    config: &SiteConfig,
    root: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Tree> {
    let (tree, _) = compile_with_cases(content, config, root, diagnostics);
    tree
}

/// [`compile`], also returning the safety cases' report when the tree itself compiled.
pub fn compile_with_cases(
    content: &Content,
    config: &SiteConfig,
    root: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Option<Tree>, Option<cases::Report>) {
    let Some((page, meta)) = content.tree() else {
        return (None, None);
    };
    let positions = positions::Positions::new(&page.file, page.parts.yaml.clone());
    let Some(tree) = validate::run(page, meta, &positions, content, config, diagnostics) else {
        return (None, None);
    };
    let mut found = Vec::new();
    let report = cases::check(root, &tree, page, &positions, content, &mut found);
    let failed = found.iter().any(Diagnostic::is_error);
    diagnostics.extend(found);
    (if failed { None } else { Some(tree) }, Some(report))
}

impl Tree {
    /// One job per question page and outcome page (the start page is a content page).
    pub fn jobs<'a>(&'a self, config: &'a SiteConfig, strings: &'a Strings) -> Vec<Job<'a>> {
        pages::jobs(self, config, strings)
    }

    /// Files that are not pages: `decision-tree/tree.json`, `decision-tree/paths.txt`.
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        vec![
            (format!("{}tree.json", self.url), json::tree_json(self)),
            (
                format!("{}paths.txt", self.url),
                self.paths_text().into_bytes(),
            ),
        ]
    }

    /// Every full path, one line each (the text of `decision-tree/paths.txt`).
    pub fn paths_text(&self) -> String {
        json::paths_text(self)
    }

    /// Root-relative URLs of every page the tree writes, for the sitemap.
    pub fn page_urls(&self) -> Vec<String> {
        pages::page_urls(self)
    }

    /// Extra template data for the cause page of `cause_id`: the paths whose outcome names the
    /// cause, at most a few of them listed (see [`pages::cause_extra`]).
    pub fn cause_extra(&self, cause_id: &str) -> Option<tera::Value> {
        pages::cause_extra(self, cause_id)
    }

    /// Data every template sees as `tree`.
    pub fn global(&self) -> tera::Value {
        pages::global(self)
    }

    /// Root-relative URL of a step: `decision-tree/start/` for the first question.
    pub fn step_url(&self, answers: &[graph::Edge]) -> String {
        if answers.is_empty() {
            return self.start_url();
        }
        let mut url = self.url.clone();
        for &(question, answer) in answers {
            url.push_str(&self.questions[question].answers[answer].id);
            url.push('/');
        }
        url
    }

    /// `no/adult/none`: the answers of a path joined by `/`.
    pub fn path_text(&self, answers: &[graph::Edge]) -> String {
        path_text(&self.questions, answers)
    }

    /// Root-relative URL of an outcome's canonical page.
    pub fn outcome_url(&self, outcome: usize) -> String {
        format!("{}outcome/{}/", self.url, self.outcomes[outcome].id)
    }

    /// Root-relative URL of the first question: `decision-tree/start/`.
    pub fn start_url(&self) -> String {
        format!("{}start/", self.url)
    }

    /// The steps that end at an outcome: the full paths.
    pub fn paths(&self) -> impl Iterator<Item = (&Step, usize)> {
        self.steps.iter().filter_map(|step| match step.node {
            Node::Outcome(outcome) => Some((step, outcome)),
            Node::Question(_) => None,
        })
    }

    /// The audience a path has set (the last `sets_audience` on it).
    pub fn audience_of(&self, answers: &[graph::Edge]) -> Option<Audience> {
        path_audience(&self.questions, answers)
    }

    /// The see-also causes the page of `outcome` shows: its own list, or for an outcome without
    /// causes or `see_also`, on a path page (`via` its answers) those [`see_also_on_path`] finds.
    pub fn see_also_shown(&self, outcome: usize, via: Option<&[graph::Edge]>) -> Vec<&CauseRef> {
        let o = &self.outcomes[outcome];
        match via {
            Some(answers) if !o.see_also_explicit && o.causes.is_empty() => {
                see_also_on_path(&self.questions, &self.outcomes, outcome, answers)
            }
            _ => o.see_also.iter().collect(),
        }
    }

    /// Outcomes any path reaches, in the order of their first path.
    pub fn reached_outcomes(&self) -> Vec<usize> {
        let mut seen = vec![false; self.outcomes.len()];
        let mut order = Vec::new();
        for (_, outcome) in self.paths() {
            if !std::mem::replace(&mut seen[outcome], true) {
                order.push(outcome);
            }
        }
        order
    }
}
