//! The tree's pages: one per step of every path (the answers so far are its URL), a canonical page
//! per outcome, and what other pages learn from the tree (`tree` global, cause-page data).

use serde::Serialize;
use tera::Context;

use super::graph::{Node, Step};
use super::{CauseRef, PageLink, Tree};
use crate::config::SiteConfig;
use crate::content::meta::{Date, Urgency};
use crate::content::root_prefix;
use crate::content::tree_meta::{Phase, SafetyNet};
use crate::job::Job;
use crate::theme_config::{Strings, fill};

const QUESTION_TEMPLATE: &str = "decision-tree/question.html";
const OUTCOME_TEMPLATE: &str = "decision-tree/outcome.html";

/// One row of the "your answers" summary.
#[derive(Serialize)]
struct SummaryRow<'a> {
    question_id: &'a str,
    question: &'a str,
    answer_id: &'a str,
    answer: &'a str,
    /// The step that asked the question: "Change" goes back there.
    change_url: String,
}

fn summary<'a>(tree: &'a Tree, step: &Step) -> Vec<SummaryRow<'a>> {
    step.answers
        .iter()
        .enumerate()
        .map(|(i, &(q, a))| {
            let question = &tree.questions[q];
            SummaryRow {
                question_id: &question.id,
                question: &question.heading,
                answer_id: &question.answers[a].id,
                answer: &question.answers[a].label,
                change_url: tree.step_url(&step.answers[..i]),
            }
        })
        .collect()
}

/// Where the back link of a step goes: the previous step, or the start page before the first.
fn back_url(tree: &Tree, step: &Step) -> String {
    match step.answers.split_last() {
        None => tree.url.clone(),
        Some((_, before)) => tree.step_url(before),
    }
}

/// `page` on a tree page: what `base.html` needs of any page.
#[derive(Serialize)]
struct PageView<'a> {
    kind: &'static str,
    id: &'a str,
    url: &'a str,
    title: String,
    description: String,
    last_reviewed: Date,
    next_review: Date,
}

impl<'a> PageView<'a> {
    fn new(
        tree: &Tree,
        kind: &'static str,
        id: &'a str,
        url: &'a str,
        title: String,
        description: String,
    ) -> Self {
        PageView {
            kind,
            id,
            url,
            title,
            description,
            last_reviewed: tree.last_reviewed,
            next_review: tree.next_review,
        }
    }
}

/// The outcome as templates (and `tree.json`) see it.
#[derive(Serialize)]
pub(super) struct OutcomeView<'a> {
    id: &'a str,
    urgency: Urgency,
    heading: &'a str,
    body: &'a str,
    note: Option<&'a str>,
    causes: &'a [CauseRef],
    see_also: Vec<&'a CauseRef>,
    safety_net: &'a SafetyNet,
    pages: &'a [PageLink],
    url: String,
}

/// `via` is the path of a path page (`None` on the canonical page). An outcome without causes
/// offers `see_also` instead: its own, or on a path page the causes of the other answers of the
/// question that led there.
pub(super) fn outcome_view<'a>(
    tree: &'a Tree,
    outcome: usize,
    via: Option<&Step>,
) -> OutcomeView<'a> {
    let o = &tree.outcomes[outcome];
    OutcomeView {
        id: &o.id,
        urgency: o.urgency,
        heading: &o.heading,
        body: &o.body,
        note: o.note.as_deref(),
        causes: &o.causes,
        see_also: tree.see_also_shown(outcome, via.map(|step| step.answers.as_slice())),
        safety_net: &o.safety_net,
        pages: &o.pages,
        url: tree.outcome_url(outcome),
    }
}

/// One answer of a question page, linking to the step it leads to.
#[derive(Serialize)]
struct AnswerView<'a> {
    id: &'a str,
    label: &'a str,
    url: String,
    unsure: bool,
    none: bool,
}

/// `step` on a question page.
#[derive(Serialize)]
struct QuestionView<'a> {
    id: &'a str,
    number: usize,
    phase: Phase,
    heading: &'a str,
    items: &'a [String],
    hint: Option<&'a str>,
    answers: Vec<AnswerView<'a>>,
}

/// The context of a question page.
#[derive(Serialize)]
struct QuestionPage<'a> {
    page: PageView<'a>,
    step: QuestionView<'a>,
    back_url: String,
    path: String,
    answers: Vec<SummaryRow<'a>>,
}

/// The context of an outcome page: on a path (with the way back and the answers given) or its
/// canonical page (`back_url` and `path` none, no answers).
#[derive(Serialize)]
struct OutcomePage<'a> {
    page: PageView<'a>,
    outcome: OutcomeView<'a>,
    back_url: Option<String>,
    path: Option<String>,
    answers: Vec<SummaryRow<'a>>,
}

/// A view as a Tera context, with `root` and `canonical` for the page at `url`.
fn context(config: &SiteConfig, url: &str, canonical_url: &str, view: &impl Serialize) -> Context {
    let mut context = Context::from_serialize(view).unwrap_or_default();
    context.insert("root", &root_prefix(url));
    context.insert(
        "canonical",
        &format!("{}{}", config.base_url, canonical_url),
    );
    context
}

fn step_context(tree: &Tree, config: &SiteConfig, strings: &Strings, step: &Step) -> Context {
    let url = tree.step_url(&step.answers);
    let back_url = back_url(tree, step);
    let path = tree.path_text(&step.answers);
    let answers = summary(tree, step);
    match step.node {
        Node::Question(q) => {
            let question = &tree.questions[q];
            let number = step.answers.len() + 1;
            let answer_views = question
                .answers
                .iter()
                .enumerate()
                .map(|(a, answer)| {
                    let mut next = step.answers.clone();
                    next.push((q, a));
                    AnswerView {
                        id: &answer.id,
                        label: &answer.label,
                        url: tree.step_url(&next),
                        unsure: answer.unsure,
                        none: answer.none,
                    }
                })
                .collect();
            let number_text = number.to_string();
            let page = PageView::new(
                tree,
                "decision-tree-question",
                &question.id,
                &url,
                fill(
                    &strings.tree.question_title,
                    &[("number", &number_text), ("heading", &question.heading)],
                ),
                fill(
                    &strings.tree.question_description,
                    &[
                        ("number", &number_text),
                        ("title", &tree.title),
                        ("heading", &question.heading),
                    ],
                ),
            );
            let view = QuestionPage {
                page,
                step: QuestionView {
                    id: &question.id,
                    number,
                    phase: question.phase,
                    heading: &question.heading,
                    items: &question.items,
                    hint: question.hint.as_deref(),
                    answers: answer_views,
                },
                back_url,
                path,
                answers,
            };
            context(config, &url, &url, &view)
        }
        Node::Outcome(o) => {
            let view = OutcomePage {
                page: outcome_page_view(tree, strings, o, &url),
                outcome: outcome_view(tree, o, Some(step)),
                back_url: Some(back_url),
                path: Some(path),
                answers,
            };
            context(config, &url, &tree.outcome_url(o), &view)
        }
    }
}

/// The `page` of an outcome, on a path page or its canonical page.
fn outcome_page_view<'a>(
    tree: &'a Tree,
    strings: &Strings,
    outcome: usize,
    url: &'a str,
) -> PageView<'a> {
    let o = &tree.outcomes[outcome];
    PageView::new(
        tree,
        "decision-tree-outcome",
        &o.id,
        url,
        fill(&strings.tree.result_title, &[("heading", &o.heading)]),
        o.body.clone(),
    )
}

fn canonical_context(
    tree: &Tree,
    config: &SiteConfig,
    strings: &Strings,
    outcome: usize,
) -> Context {
    let url = tree.outcome_url(outcome);
    let view = OutcomePage {
        page: outcome_page_view(tree, strings, outcome, &url),
        outcome: outcome_view(tree, outcome, None),
        back_url: None,
        path: None,
        answers: Vec::new(),
    };
    context(config, &url, &url, &view)
}

pub fn jobs<'a>(tree: &'a Tree, config: &'a SiteConfig, strings: &'a Strings) -> Vec<Job<'a>> {
    let mut jobs: Vec<Job<'a>> = tree
        .steps
        .iter()
        .map(|step| Job {
            output_path: format!("{}index.html", tree.step_url(&step.answers)),
            template: match step.node {
                Node::Question(_) => QUESTION_TEMPLATE,
                Node::Outcome(_) => OUTCOME_TEMPLATE,
            }
            .to_owned(),
            source: None,
            context: Box::new(move || step_context(tree, config, strings, step)),
        })
        .collect();
    for outcome in tree.reached_outcomes() {
        jobs.push(Job {
            output_path: format!("{}index.html", tree.outcome_url(outcome)),
            template: OUTCOME_TEMPLATE.to_owned(),
            source: None,
            context: Box::new(move || canonical_context(tree, config, strings, outcome)),
        });
    }
    jobs
}

pub fn page_urls(tree: &Tree) -> Vec<String> {
    tree.steps
        .iter()
        .map(|step| tree.step_url(&step.answers))
        .chain(
            tree.reached_outcomes()
                .into_iter()
                .map(|o| tree.outcome_url(o)),
        )
        .collect()
}

/// Most paths a cause page lists; beyond them it gives counts (a cause named by many outcomes of
/// a large tree would otherwise list every path, each with every answer).
pub const LISTED_PATHS: usize = 8;

/// One answer on a path, as the cause page lists it.
#[derive(Serialize)]
struct PathStep<'a> {
    question: &'a str,
    answer: &'a str,
}

/// One path to a cause's outcome, as the cause page lists it.
#[derive(Serialize)]
struct ReachedBy<'a> {
    heading: &'a str,
    urgency: Urgency,
    url: String,
    answers: Vec<&'a str>,
    outcome: &'a str,
    outcome_url: String,
    path: String,
    steps: Vec<PathStep<'a>>,
}

fn reached_by<'a>(tree: &'a Tree, step: &Step, o: usize) -> ReachedBy<'a> {
    let outcome = &tree.outcomes[o];
    let steps: Vec<PathStep> = step
        .answers
        .iter()
        .map(|&(q, a)| PathStep {
            question: &tree.questions[q].heading,
            answer: &tree.questions[q].answers[a].label,
        })
        .collect();
    ReachedBy {
        heading: &outcome.heading,
        urgency: outcome.urgency,
        url: tree.step_url(&step.answers),
        answers: steps.iter().map(|step| step.answer).collect(),
        outcome: &outcome.id,
        outcome_url: tree.outcome_url(o),
        path: tree.path_text(&step.answers),
        steps,
    }
}

/// The listed paths to one outcome that names the cause.
#[derive(Serialize)]
struct ReachedByOutcome<'a> {
    outcome: &'a str,
    heading: &'a str,
    urgency: Urgency,
    outcome_url: String,
    path_count: usize,
    more_paths: usize,
    paths: Vec<&'a ReachedBy<'a>>,
}

/// What a cause page learns from the tree (see [`cause_extra`]).
#[derive(Serialize)]
struct CauseExtra<'a> {
    reached_by: Vec<&'a ReachedBy<'a>>,
    reached_by_outcome: Vec<ReachedByOutcome<'a>>,
    reached_by_total: usize,
    reached_by_more: usize,
}

/// What a cause page learns from the tree: `reached_by` (paths in path order) and
/// `reached_by_outcome` (the same paths grouped by outcome, most urgent first). At most
/// [`LISTED_PATHS`] paths are listed, those of the most urgent outcomes first; `reached_by_total`
/// and `reached_by_more` count all paths and those not listed, and each group has `path_count`
/// and `more_paths`.
pub fn cause_extra(tree: &Tree, cause_id: &str) -> Option<tera::Value> {
    let reaching: Vec<(&Step, usize)> = tree
        .paths()
        .filter(|(_, o)| tree.outcomes[*o].causes.iter().any(|c| c.id == cause_id))
        .collect();
    if reaching.is_empty() {
        return None;
    }
    // Groups by outcome, most urgent first, then in path order: templates should not group
    // themselves (Tera's group_by has no stable order, and output must be byte-identical from
    // build to build).
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for (index, &(_, o)) in reaching.iter().enumerate() {
        match groups.iter_mut().find(|(seen, _)| *seen == o) {
            Some((_, members)) => members.push(index),
            None => groups.push((o, vec![index])),
        }
    }
    groups.sort_by_key(|(o, _)| std::cmp::Reverse(tree.outcomes[*o].urgency));
    let mut listed = vec![false; reaching.len()];
    let mut budget = LISTED_PATHS;
    for (_, members) in &groups {
        for &index in members.iter().take(budget) {
            listed[index] = true;
        }
        budget = budget.saturating_sub(members.len());
    }
    let paths: Vec<Option<ReachedBy>> = reaching
        .iter()
        .zip(&listed)
        .map(|(&(step, o), &shown)| shown.then(|| reached_by(tree, step, o)))
        .collect();
    let reached_by: Vec<&ReachedBy> = paths.iter().flatten().collect();
    let by_outcome: Vec<ReachedByOutcome> = groups
        .iter()
        .filter(|(_, members)| members.iter().any(|&index| listed[index]))
        .map(|(o, members)| {
            let outcome = &tree.outcomes[*o];
            let listed_paths: Vec<&ReachedBy> = members
                .iter()
                .filter_map(|&index| paths[index].as_ref())
                .collect();
            ReachedByOutcome {
                outcome: &outcome.id,
                heading: &outcome.heading,
                urgency: outcome.urgency,
                outcome_url: tree.outcome_url(*o),
                path_count: members.len(),
                more_paths: members.len() - listed_paths.len(),
                paths: listed_paths,
            }
        })
        .collect();
    let extra = CauseExtra {
        reached_by_total: reaching.len(),
        reached_by_more: reaching.len() - reached_by.len(),
        reached_by,
        reached_by_outcome: by_outcome,
    };
    Some(tera::Value::from_serializable(&extra))
}

/// The `tree` global: the tree's size and where its pages and files are.
#[derive(Serialize)]
struct TreeGlobal<'a> {
    title: &'a str,
    description: &'a str,
    url: &'a str,
    start_url: String,
    json_url: String,
    paths_url: String,
    questions: usize,
    outcomes: usize,
    paths: usize,
    pages: usize,
    min_questions: usize,
    max_questions: usize,
    intro_html: &'a str,
}

pub fn global(tree: &Tree) -> tera::Value {
    let lengths: Vec<usize> = tree.paths().map(|(step, _)| step.answers.len()).collect();
    let value = TreeGlobal {
        title: &tree.title,
        description: &tree.description,
        url: &tree.url,
        start_url: tree.start_url(),
        json_url: format!("{}tree.json", tree.url),
        paths_url: format!("{}paths.txt", tree.url),
        questions: tree.questions.len(),
        outcomes: tree.outcomes.len(),
        paths: lengths.len(),
        pages: page_urls(tree).len(),
        min_questions: lengths.iter().min().copied().unwrap_or(0),
        max_questions: lengths.iter().max().copied().unwrap_or(0),
        intro_html: &tree.intro_html,
    };
    tera::Value::from_serializable(&value)
}
