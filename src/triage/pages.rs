//! The tree's pages: one per step of every path (the answers so far are its URL), a canonical page
//! per outcome, and what other pages learn from the tree (`tree` global, cause-page data).

use serde::Serialize;
use serde_json::{Value, json};
use tera::Context;

use super::graph::{Node, Step};
use super::{START_URL, TREE_URL, Tree};
use crate::config::SiteConfig;
use crate::content::root_prefix;
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
        None => TREE_URL.to_owned(),
        Some((_, before)) => tree.step_url(before),
    }
}

fn page_value(
    tree: &Tree,
    kind: &str,
    id: &str,
    url: &str,
    title: String,
    description: String,
) -> Value {
    json!({
        "kind": kind,
        "id": id,
        "url": url,
        "title": title,
        "description": description,
        "last_reviewed": tree.last_reviewed,
        "next_review": tree.next_review,
    })
}

/// The outcome as templates (and `tree.json`) see it; `via` is the path of a path page (`None` on the canonical
/// page). An outcome without causes offers `see_also` instead: its own, or on a path page the
/// causes of the other answers of the question that led there.
pub(super) fn outcome_value(tree: &Tree, outcome: usize, via: Option<&Step>) -> Value {
    let o = &tree.outcomes[outcome];
    let see_also = tree.see_also_shown(outcome, via.map(|step| step.answers.as_slice()));
    json!({
        "id": o.id,
        "urgency": o.urgency,
        "heading": o.heading,
        "body": o.body,
        "note": o.note,
        "causes": o.causes,
        "see_also": see_also,
        "safety_net": o.safety_net,
        "pages": o.pages,
        "url": tree.outcome_url(outcome),
    })
}

fn context(
    config: &SiteConfig,
    url: &str,
    canonical_url: &str,
    values: Vec<(&'static str, Value)>,
) -> Context {
    let mut context = Context::new();
    context.insert("root", &root_prefix(url));
    context.insert(
        "canonical",
        &format!("{}{}", config.base_url, canonical_url),
    );
    for (key, value) in values {
        context.insert(key, &value);
    }
    context
}

fn step_context(tree: &Tree, config: &SiteConfig, strings: &Strings, step: &Step) -> Context {
    let url = tree.step_url(&step.answers);
    let back = back_url(tree, step);
    let path = tree.path_text(&step.answers);
    let rows = serde_json::to_value(summary(tree, step)).unwrap_or_default();
    match step.node {
        Node::Question(q) => {
            let question = &tree.questions[q];
            let number = step.answers.len() + 1;
            let answers: Vec<Value> = question
                .answers
                .iter()
                .map(|answer| {
                    let mut next = step.answers.clone();
                    next.push((
                        q,
                        question
                            .answers
                            .iter()
                            .position(|a| a.id == answer.id)
                            .unwrap_or(0),
                    ));
                    json!({
                        "id": answer.id,
                        "label": answer.label,
                        "url": tree.step_url(&next),
                        "unsure": answer.unsure,
                        "none": answer.none,
                    })
                })
                .collect();
            let page = page_value(
                tree,
                "decision-tree-question",
                &question.id,
                &url,
                fill(
                    &strings.tree.question_title,
                    &[
                        ("number", &number.to_string()),
                        ("heading", &question.heading),
                    ],
                ),
                fill(
                    &strings.tree.question_description,
                    &[
                        ("number", &number.to_string()),
                        ("title", &tree.title),
                        ("heading", &question.heading),
                    ],
                ),
            );
            let step_value = json!({
                "id": question.id,
                "number": number,
                "phase": question.phase,
                "heading": question.heading,
                "items": question.items,
                "hint": question.hint,
                "answers": answers,
            });
            context(
                config,
                &url,
                &url,
                vec![
                    ("page", page),
                    ("step", step_value),
                    ("back_url", back.into()),
                    ("path", path.into()),
                    ("answers", rows),
                ],
            )
        }
        Node::Outcome(o) => {
            let page = outcome_page_value(tree, strings, o, &url);
            context(
                config,
                &url,
                &tree.outcome_url(o),
                vec![
                    ("page", page),
                    ("outcome", outcome_value(tree, o, Some(step))),
                    ("back_url", back.into()),
                    ("path", path.into()),
                    ("answers", rows),
                ],
            )
        }
    }
}

/// The `page` of an outcome, on a path page or its canonical page.
fn outcome_page_value(tree: &Tree, strings: &Strings, outcome: usize, url: &str) -> Value {
    let o = &tree.outcomes[outcome];
    page_value(
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
    let page = outcome_page_value(tree, strings, outcome, &url);
    context(
        config,
        &url,
        &url,
        vec![
            ("page", page),
            ("outcome", outcome_value(tree, outcome, None)),
            ("back_url", Value::Null),
            ("path", Value::Null),
            ("answers", Value::Array(Vec::new())),
        ],
    )
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

/// One path to a cause's outcome, as the cause page lists it.
fn reached_by_value(tree: &Tree, step: &Step, o: usize) -> Value {
    let outcome = &tree.outcomes[o];
    let steps: Vec<Value> = step
        .answers
        .iter()
        .map(|&(q, a)| {
            json!({
                "question": tree.questions[q].heading,
                "answer": tree.questions[q].answers[a].label,
            })
        })
        .collect();
    let answers: Vec<&str> = step
        .answers
        .iter()
        .map(|&(q, a)| tree.questions[q].answers[a].label.as_str())
        .collect();
    json!({
        "heading": outcome.heading,
        "urgency": outcome.urgency,
        "url": tree.step_url(&step.answers),
        "answers": answers,
        "outcome": outcome.id,
        "outcome_url": tree.outcome_url(o),
        "path": tree.path_text(&step.answers),
        "steps": steps,
    })
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
    let values: Vec<Option<Value>> = reaching
        .iter()
        .zip(&listed)
        .map(|(&(step, o), &shown)| shown.then(|| reached_by_value(tree, step, o)))
        .collect();
    let reached_by: Vec<&Value> = values.iter().flatten().collect();
    let by_outcome: Vec<Value> = groups
        .iter()
        .filter(|(_, members)| members.iter().any(|&index| listed[index]))
        .map(|(o, members)| {
            let outcome = &tree.outcomes[*o];
            let paths: Vec<&Value> = members
                .iter()
                .filter_map(|&index| values[index].as_ref())
                .collect();
            json!({
                "outcome": outcome.id,
                "heading": outcome.heading,
                "urgency": outcome.urgency,
                "outcome_url": tree.outcome_url(*o),
                "path_count": members.len(),
                "more_paths": members.len() - paths.len(),
                "paths": paths,
            })
        })
        .collect();
    Some(tera::Value::from_serializable(&json!({
        "reached_by": reached_by,
        "reached_by_outcome": by_outcome,
        "reached_by_total": reaching.len(),
        "reached_by_more": reaching.len() - reached_by.len(),
    })))
}

pub fn global(tree: &Tree) -> tera::Value {
    let lengths: Vec<usize> = tree.paths().map(|(step, _)| step.answers.len()).collect();
    let value = json!({
        "title": tree.title,
        "description": tree.description,
        "url": TREE_URL,
        "start_url": START_URL,
        "json_url": format!("{TREE_URL}tree.json"),
        "paths_url": format!("{TREE_URL}paths.txt"),
        "questions": tree.questions.len(),
        "outcomes": tree.outcomes.len(),
        "paths": lengths.len(),
        "pages": page_urls(tree).len(),
        "min_questions": lengths.iter().min().copied().unwrap_or(0),
        "max_questions": lengths.iter().max().copied().unwrap_or(0),
        "intro_html": tree.intro_html,
    });
    tera::Value::from_serializable(&value)
}
