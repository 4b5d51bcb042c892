//! `decision-tree/tree.json` (the compiled tree, for other tools) and `decision-tree/paths.txt`
//! (every path, for people; the repository keeps a golden copy).

use serde_json::{Value, json};

use super::{TREE_URL, Tree};

pub fn tree_json(tree: &Tree) -> Vec<u8> {
    let outcomes: Vec<_> = (0..tree.outcomes.len())
        .map(|i| super::pages::outcome_view(tree, i, None))
        .collect();
    let paths: Vec<Value> = tree
        .paths()
        .map(|(step, o)| {
            let outcome = &tree.outcomes[o];
            let answers: Vec<&str> = step
                .answers
                .iter()
                .map(|&(q, a)| tree.questions[q].answers[a].id.as_str())
                .collect();
            json!({
                "path": tree.path_text(&step.answers),
                "url": tree.step_url(&step.answers),
                "answers": answers,
                "audience": tree.audience_of(&step.answers),
                "outcome": outcome.id,
                "urgency": outcome.urgency,
                "causes": outcome.causes.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let value = json!({
        "version": 1,
        "title": tree.title,
        "description": tree.description,
        "last_reviewed": tree.last_reviewed,
        "next_review": tree.next_review,
        "url": tree.url,
        "start": tree.questions[tree.start].id,
        "start_url": tree.start_url(),
        "questions": tree.questions,
        "outcomes": outcomes,
        "paths": paths,
    });
    let mut bytes = serde_json::to_vec_pretty(&value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

pub fn paths_text(tree: &Tree) -> String {
    let rows: Vec<(String, String)> = tree
        .paths()
        .map(|(step, o)| {
            let outcome = &tree.outcomes[o];
            let causes = if outcome.causes.is_empty() {
                "no cause page (see the note)".to_owned()
            } else {
                outcome
                    .causes
                    .iter()
                    .map(|c| c.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            (
                tree.path_text(&step.answers),
                format!("{} ({}): {causes}", outcome.id, outcome.urgency),
            )
        })
        .collect();
    let width = rows.iter().map(|(path, _)| path.len()).max().unwrap_or(0);
    let questions = tree
        .steps
        .iter()
        .filter(|s| matches!(s.node, super::graph::Node::Question(_)))
        .count();
    let mut text = format!(
        "# {}: every path through the decision tree.\n\
         # Each line: the answers given (also the page's URL under {TREE_URL}) -> outcome (urgency): causes.\n\
         # {} questions, {} outcomes, {} paths; {} pages (question pages, outcomes on paths, canonical outcomes).\n",
        tree.title,
        tree.questions.len(),
        tree.outcomes.len(),
        rows.len(),
        questions + rows.len() + tree.reached_outcomes().len(),
    );
    for (path, outcome) in rows {
        text.push_str(&format!("{path:<width$}  -> {outcome}\n"));
    }
    text
}
