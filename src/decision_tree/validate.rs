//! Every check of the decision tree, each a located error, all reported in one run. `run` calls
//! the passes in order (ids, start, questions, outcomes, cycles, reachability, page budget, paths,
//! "not sure" answers, see-also); the safety cases follow in `cases.rs`. The passes compile the
//! authors' `content::tree_meta::*Meta` into the checked `Question`, `Answer` and `Outcome` as they go.
//!
//! | code | check |
//! |------|-------|
//! | E002 | duplicate question/outcome id, answer id within a question, cause within an outcome |
//! | E003 | `start`, `next`, `causes`, `see_also` or a `{placeholder}` that does not resolve |
//! | E004 | a question without an audience (the words themselves are checked when parsing) |
//! | E005 | a question with fewer than two answers |
//! | E006 | a loop (the path is reported) |
//! | E007 | a question or outcome that cannot be reached from `start` |
//! | E008 | a cause page that no reachable outcome names |
//! | E009 | phase order: the start is not an emergency question, phases go backwards, or a path reaches a triage question or a routine/self-care outcome without an emergency and a red-flags question for its audience |
//! | E010 | an outcome less urgent than the `min_urgency` of a cause it names |
//! | E011 | an outcome without causes that is not urgent, or has no `note` |
//! | E012 | an "I'm not sure" answer on a safety question that can lead somewhere less urgent than another answer |
//! | E013 | audience: a question or cause that does not fit the audience a path has set |
//! | E016 | an id that is not URL-safe, or an answer id reserved for the tree's own URLs |
//! | E040 | an outcome without the safety net its urgency needs |
//! | W002 | a question with more than 6 items |
//! | W003 | more pages than the budget (an error above the hard limit) |

use std::collections::{HashMap, HashSet};

use super::graph::{self, Edge, Graph, Node, Step};
use super::positions::Positions;
use super::{
    Answer, CauseRef, Outcome, PAGE_BUDGET, PAGE_LIMIT, PageLink, Question, RESERVED_IDS, Tree,
};
use crate::config::SiteConfig;
use crate::content::meta::{Audience, Urgency};
use crate::content::tree_meta::{Phase, SafetyNet, TreeMeta};
use crate::content::{CAUSES_DIR, Content, Page, is_url_safe};
use crate::diagnostics::{Diagnostic, Location, nearest};
use crate::placeholders::{self as text, PlaceholderError};
use crate::yaml::Key;

/// Most items a question should list under its heading.
const MAX_ITEMS: usize = 6;

struct Checker<'a> {
    positions: &'a Positions,
    meta: &'a TreeMeta,
    content: &'a Content,
    config: &'a SiteConfig,
    found: Vec<Diagnostic>,
    /// Ids suggested by a "did you mean": not reported again as unreachable or unreached.
    suggested: HashSet<String>,
}

fn q_key(question: usize, field: &str) -> [Key<'_>; 3] {
    [
        Key::Field("questions"),
        Key::Index(question),
        Key::Field(field),
    ]
}

fn a_key(question: usize, answer: usize, field: &str) -> [Key<'_>; 5] {
    [
        Key::Field("questions"),
        Key::Index(question),
        Key::Field("answers"),
        Key::Index(answer),
        Key::Field(field),
    ]
}

fn o_key(outcome: usize, field: &str) -> [Key<'_>; 3] {
    [
        Key::Field("outcomes"),
        Key::Index(outcome),
        Key::Field(field),
    ]
}

fn list_key(outcome: usize, field: &str, index: usize) -> [Key<'_>; 4] {
    [
        Key::Field("outcomes"),
        Key::Index(outcome),
        Key::Field(field),
        Key::Index(index),
    ]
}

fn audience_words(audience: &[Audience]) -> String {
    match audience {
        [one] => format!("{} only", one.as_str()),
        _ => audience
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// "an urgent", "a routine" ...
fn with_article(urgency: Urgency) -> String {
    match urgency {
        Urgency::Emergency | Urgency::Urgent => format!("an {urgency}"),
        Urgency::Routine | Urgency::SelfCare => format!("a {urgency}"),
    }
}

impl<'a> Checker<'a> {
    fn at(&self, keys: &[Key]) -> Location {
        self.positions.locate(keys)
    }

    fn error(&mut self, code: &'static str, message: String, at: Location, help: Option<String>) {
        let mut diagnostic = Diagnostic::error(code, message).at(at);
        if let Some(help) = help {
            diagnostic = diagnostic.with_help(help);
        }
        self.found.push(diagnostic);
    }

    /// "did you mean" for `given` among `known`, remembering the suggestion.
    fn suggest(&mut self, given: &str, known: &[&str], what: &str) -> String {
        match nearest(given, known.iter().copied()) {
            Some(near) => {
                self.suggested.insert(near.to_owned());
                format!("did you mean `{near}`?")
            }
            None if known.is_empty() => format!("there are no {what}"),
            None if known.len() <= 12 => format!("the {what} are: {}", known.join(", ")),
            None => format!("check the spelling against the {what}"),
        }
    }

    /// Fills the placeholders of the text at `keys`, reporting those that cannot be filled.
    fn fill(&mut self, value: &str, keys: &[Key]) -> String {
        for (_, number, name) in text::literal_numbers(value, self.config) {
            let warning = text::literal_number_warning(number, name, self.at(keys));
            self.found.push(warning);
        }
        match text::fill(value, self.config) {
            Ok(filled) => filled,
            Err(errors) => {
                for PlaceholderError { message, help, .. } in errors {
                    self.error("E003", message, self.at(keys), Some(help));
                }
                value.to_owned()
            }
        }
    }

    fn cause_ids(&self) -> Vec<&'a str> {
        self.content.causes().map(|(p, _)| p.id.as_str()).collect()
    }

    /// Resolves the cause ids at `outcomes[o].<field>`.
    fn resolve_causes(&mut self, outcome: usize, field: &str, ids: &[String]) -> Vec<CauseRef> {
        let outcome_id = &self.meta.outcomes[outcome].id;
        let mut seen = HashSet::new();
        let mut resolved = Vec::new();
        for (index, id) in ids.iter().enumerate() {
            let at = self.at(&list_key(outcome, field, index));
            if !seen.insert(id.as_str()) {
                self.error(
                    "E002",
                    format!("outcome `{outcome_id}` names cause `{id}` twice in `{field}`"),
                    at,
                    Some("remove the second one".to_owned()),
                );
                continue;
            }
            match self.content.cause(id) {
                Some((page, meta)) => resolved.push(CauseRef {
                    id: page.id.clone(),
                    title: meta.title.clone(),
                    summary: meta.summary.clone(),
                    url: page.url.clone(),
                    audience: meta.audience.clone(),
                    min_urgency: meta.min_urgency,
                }),
                // A cause file that failed to load was reported already.
                None if self
                    .content
                    .failed
                    .contains(&format!("{CAUSES_DIR}/{id}.md")) => {}
                None if self.content.draft_cause(id).is_some() => {
                    let (message, help) = self.content.draft_cause(id).expect("checked above");
                    self.error(
                        "E003",
                        format!("outcome `{outcome_id}` names {message}"),
                        at,
                        Some(help),
                    );
                }
                None => {
                    let help = self.suggest(id, &self.cause_ids(), "causes");
                    self.error(
                        "E003",
                        format!(
                            "outcome `{outcome_id}` names cause `{id}`, which does not exist (no content/{CAUSES_DIR}/{id}.md)"
                        ),
                        at,
                        Some(help),
                    );
                }
            }
        }
        resolved
    }
}

/// Runs every pass, in order; returns the compiled tree when none found an error. The safety
/// cases are checked after this, against the compiled tree (see `cases.rs`).
pub(super) fn run(
    page: &Page,
    meta: &TreeMeta,
    positions: &Positions,
    content: &Content,
    config: &SiteConfig,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Tree> {
    let mut c = Checker {
        positions,
        meta,
        content,
        config,
        found: Vec::new(),
        suggested: HashSet::new(),
    };
    let ids = check_ids(&mut c);
    let start = check_start(&mut c, &ids);
    let (questions, graph) = compile_questions(&mut c, &ids);
    let mut outcomes = compile_outcomes(&mut c);
    // The start page's text: its placeholders were filled (and checked) with the Markdown.
    let intro_html = page.rendered.html.clone();
    let closing = check_cycles(&mut c, &graph, start);
    let Some(start) = start else {
        return finish(c, diagnostics, None);
    };
    let reached_outcomes = check_reachability(&mut c, &graph, start, &ids, &outcomes, page);
    // Paths: every page of every path, on the graph without the edges that close loops.
    let dag = graph.without(&closing);
    if !check_page_budget(&mut c, &dag, start, &reached_outcomes) {
        return finish(c, diagnostics, None);
    }
    let steps = graph::steps(&dag, start);
    check_paths(&mut c, &questions, &outcomes, &steps);
    check_unsure(&mut c, &questions, &outcomes, &dag);
    offer_see_also(&mut c, &questions, &mut outcomes, &steps);
    let tree = Tree {
        title: meta.title.clone(),
        description: meta.description.clone(),
        last_reviewed: meta.last_reviewed,
        next_review: meta.next_review,
        start,
        questions,
        outcomes,
        steps,
        intro_html,
        url: format!("{}{}", config.prefix, super::TREE_URL),
    };
    finish(c, diagnostics, Some(tree))
}

/// The ids of questions and outcomes: where each is defined, and which repeat an earlier one.
struct Ids<'m> {
    defined: HashMap<&'m str, (Node, Location)>,
    /// Nodes whose id repeats an earlier one: reported once (E002), not again as unreachable.
    duplicates: HashSet<Node>,
}

impl Ids<'_> {
    fn resolve(&self, id: &str) -> Option<Node> {
        self.defined.get(id).map(|(node, _)| *node)
    }
}

/// Ids pass (E016, E002): question and outcome ids are URL-safe and unique across both.
fn check_ids<'m>(c: &mut Checker<'m>) -> Ids<'m> {
    let meta = c.meta;
    let mut ids: HashMap<&str, (Node, Location)> = HashMap::new();
    let mut duplicates: HashSet<Node> = HashSet::new();
    let nodes = meta
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| (q.id.as_str(), Node::Question(i)))
        .chain(
            meta.outcomes
                .iter()
                .enumerate()
                .map(|(i, o)| (o.id.as_str(), Node::Outcome(i))),
        );
    for (id, node) in nodes {
        let (kind, at) = match node {
            Node::Question(i) => ("question", c.at(&q_key(i, "id"))),
            Node::Outcome(i) => ("outcome", c.at(&o_key(i, "id"))),
        };
        if !is_url_safe(id) {
            c.error(
                "E016",
                format!("{kind} id `{id}` is not URL-safe"),
                at.clone(),
                Some("use lower-case letters and digits in words joined by single hyphens, e.g. `q-onset`".to_owned()),
            );
        }
        match ids.get(id) {
            Some((_, first)) => {
                duplicates.insert(node);
                c.found.push(
                    Diagnostic::error("E002", format!("duplicate id `{id}`"))
                        .at(at)
                        .with_label(first.clone(), "first defined here")
                        .with_help("ids must be unique across questions and outcomes"),
                );
            }
            None => {
                ids.insert(id, (node, at));
            }
        }
    }
    Ids {
        defined: ids,
        duplicates,
    }
}

/// Start pass (E003, E009): `start` names a question, and an emergency one.
fn check_start(c: &mut Checker, ids: &Ids) -> Option<usize> {
    let meta = c.meta;
    let start = match ids.resolve(&meta.start) {
        Some(Node::Question(i)) => Some(i),
        Some(Node::Outcome(_)) => {
            c.error(
                "E003",
                format!(
                    "start `{}` is an outcome; start must name the first question",
                    meta.start
                ),
                c.at(&[Key::Field("start")]),
                None,
            );
            None
        }
        None => {
            let question_ids: Vec<&str> = meta.questions.iter().map(|q| q.id.as_str()).collect();
            let help = c.suggest(&meta.start, &question_ids, "questions");
            c.error(
                "E003",
                format!("start `{}` is not a question of the tree", meta.start),
                c.at(&[Key::Field("start")]),
                Some(help),
            );
            None
        }
    };
    if let Some(start) = start
        && meta.questions[start].phase != Phase::Emergency
    {
        let question = &meta.questions[start];
        c.error(
            "E009",
            format!(
                "the first question `{}` is in the {} phase; the tree must start with an emergency question",
                question.id,
                question.phase.as_str()
            ),
            c.at(&[Key::Field("start")]),
            Some("ask about life-threatening signs first".to_owned()),
        );
    }
    start
}

/// Questions pass (E002, E003, E004, E005, E012, E016, W002): each question and its answers,
/// compiled with their texts filled, and the graph of where the answers lead.
fn compile_questions(c: &mut Checker, ids: &Ids) -> (Vec<Question>, Graph) {
    let meta = c.meta;
    let mut questions = Vec::new();
    let mut graph = Graph {
        edges: Vec::new(),
        outcomes: meta.outcomes.len(),
    };
    for (qi, question) in meta.questions.iter().enumerate() {
        if question.answers.len() < 2 {
            c.error(
                "E005",
                format!(
                    "question `{}` has {} answer{}; a question needs at least 2",
                    question.id,
                    question.answers.len(),
                    if question.answers.len() == 1 { "" } else { "s" }
                ),
                c.at(&q_key(qi, "answers")),
                Some(
                    "add an answer, or point to where its answer leads instead of asking"
                        .to_owned(),
                ),
            );
        }
        if question.audience.is_empty() {
            c.error(
                "E004",
                format!("question `{}` has no audience", question.id),
                c.at(&q_key(qi, "audience")),
                Some("list who it is for: [adult], [child] or [adult, child]".to_owned()),
            );
        }
        if question.items.len() > MAX_ITEMS {
            c.found.push(
                Diagnostic::warning(
                    "W002",
                    format!(
                        "question `{}` lists {} items; readers take in at most {MAX_ITEMS}",
                        question.id,
                        question.items.len()
                    ),
                )
                .at(c.at(&q_key(qi, "items"))),
            );
        }
        let heading = c.fill(&question.heading, &q_key(qi, "heading"));
        let items = (0..question.items.len())
            .map(|i| {
                c.fill(
                    &question.items[i],
                    &[
                        Key::Field("questions"),
                        Key::Index(qi),
                        Key::Field("items"),
                        Key::Index(i),
                    ],
                )
            })
            .collect();
        let hint = question
            .hint
            .as_ref()
            .map(|hint| c.fill(hint, &q_key(qi, "hint")));

        let mut seen = HashSet::new();
        let mut answers = Vec::new();
        let mut edges = Vec::new();
        for (ai, answer) in question.answers.iter().enumerate() {
            let at_id = c.at(&a_key(qi, ai, "id"));
            if !is_url_safe(&answer.id) {
                c.error(
                    "E016",
                    format!("answer id `{}` of question `{}` is not URL-safe", answer.id, question.id),
                    at_id.clone(),
                    Some("use lower-case words joined by hyphens (it becomes part of the page's URL); quote \"yes\" and \"no\"".to_owned()),
                );
            } else if RESERVED_IDS.contains(&answer.id.as_str()) {
                c.error(
                    "E016",
                    format!(
                        "answer id `{}` of question `{}` is reserved for the tree's own pages",
                        answer.id, question.id
                    ),
                    at_id.clone(),
                    Some(format!(
                        "choose another id; reserved: {}",
                        RESERVED_IDS.join(", ")
                    )),
                );
            }
            if !seen.insert(answer.id.as_str()) {
                c.error(
                    "E002",
                    format!(
                        "duplicate answer id `{}` in question `{}`",
                        answer.id, question.id
                    ),
                    at_id,
                    Some("answer ids must be unique within a question".to_owned()),
                );
            }
            if answer.unsure && answer.none && question.phase.is_safety() {
                c.error(
                    "E012",
                    format!(
                        "answer `{}` of question `{}` is both `unsure` and `none`",
                        answer.id, question.id
                    ),
                    c.at(&a_key(qi, ai, "unsure")),
                    Some("on a safety question, \"I'm not sure\" must be its own answer and lead where the most urgent answer leads".to_owned()),
                );
            }
            let label = c.fill(&answer.label, &a_key(qi, ai, "label"));
            let target = ids.resolve(&answer.next);
            match target {
                Some(node) => edges.push((ai, node)),
                None => {
                    let all_ids: Vec<&str> = meta
                        .questions
                        .iter()
                        .map(|q| q.id.as_str())
                        .chain(meta.outcomes.iter().map(|o| o.id.as_str()))
                        .collect();
                    let help = c.suggest(&answer.next, &all_ids, "questions and outcomes");
                    c.error(
                        "E003",
                        format!(
                            "answer `{}` of question `{}` points to `{}`, which does not exist",
                            answer.id, question.id, answer.next
                        ),
                        c.at(&a_key(qi, ai, "next")),
                        Some(help),
                    );
                }
            }
            answers.push(Answer {
                id: answer.id.clone(),
                label,
                target: target.unwrap_or(Node::Question(qi)),
                next: answer.next.clone(),
                unsure: answer.unsure,
                none: answer.none,
                sets_audience: answer.sets_audience,
            });
        }
        graph.edges.push(edges);
        questions.push(Question {
            id: question.id.clone(),
            phase: question.phase,
            audience: question.audience.clone(),
            heading,
            items,
            hint,
            answers,
        });
    }
    (questions, graph)
}

/// Outcomes pass (E002, E003, E010, E011, E040): each outcome compiled with its causes, pages
/// and safety net resolved and its texts filled.
fn compile_outcomes(c: &mut Checker) -> Vec<Outcome> {
    let meta = c.meta;
    let mut outcomes = Vec::new();
    for (oi, outcome) in meta.outcomes.iter().enumerate() {
        let causes = c.resolve_causes(oi, "causes", &outcome.causes);
        let mut see_also = c.resolve_causes(oi, "see_also", &outcome.see_also);
        for (index, id) in outcome.see_also.iter().enumerate() {
            if outcome.causes.contains(id) {
                c.error(
                    "E002",
                    format!(
                        "outcome `{}` lists cause `{id}` in both `causes` and `see_also`",
                        outcome.id
                    ),
                    c.at(&list_key(oi, "see_also", index)),
                    Some("keep it in `causes` only".to_owned()),
                );
                see_also.retain(|cause| &cause.id != id);
            }
        }
        if outcome.causes.is_empty() {
            if outcome.urgency < Urgency::Urgent {
                c.error(
                    "E011",
                    format!(
                        "outcome `{}` ({}) names no causes; only urgent or emergency outcomes may leave `causes` empty",
                        outcome.id, outcome.urgency
                    ),
                    c.at(&o_key(oi, "causes")),
                    Some("name the cause pages this outcome is about".to_owned()),
                );
            }
            if outcome.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
                c.error(
                    "E011",
                    format!("outcome `{}` has no causes; add a note explaining what it may be", outcome.id),
                    c.at(&o_key(oi, "causes")),
                    Some("add `note:` saying why no cause page is linked (e.g. the guide does not cover it)".to_owned()),
                );
            }
        }
        for (index, cause) in outcome.causes.iter().enumerate() {
            if let Some(found) = causes.iter().find(|r| &r.id == cause)
                && found.min_urgency > outcome.urgency
            {
                c.error(
                    "E010",
                    format!(
                        "outcome `{}` ({}) names cause `{cause}` whose min_urgency is {}",
                        outcome.id, outcome.urgency, found.min_urgency
                    ),
                    c.at(&list_key(oi, "causes", index)),
                    Some(format!(
                        "make the outcome at least {}, or name another cause",
                        found.min_urgency
                    )),
                );
            }
        }
        let heading = c.fill(&outcome.heading, &o_key(oi, "heading"));
        let body = c.fill(&outcome.body, &o_key(oi, "body"));
        let note = outcome
            .note
            .as_ref()
            .map(|note| c.fill(note, &o_key(oi, "note")));
        let safety_net = check_safety_net(c, oi);
        let pages = resolve_pages(c, oi);
        outcomes.push(Outcome {
            id: outcome.id.clone(),
            urgency: outcome.urgency,
            heading,
            body,
            note,
            causes,
            see_also_explicit: !see_also.is_empty(),
            see_also,
            safety_net,
            pages,
        });
    }
    outcomes
}

/// Cycles pass (E006): every loop, spelled out; returns the edges that close them.
fn check_cycles(c: &mut Checker, graph: &Graph, start: Option<usize>) -> Vec<Edge> {
    let meta = c.meta;
    let cycles = graph::cycles(graph, start);
    let mut closing: Vec<Edge> = Vec::new();
    for cycle in &cycles {
        let (first, _) = cycle[0];
        let mut shown = meta.questions[first].id.clone();
        for &(q, a) in cycle {
            let answer = &meta.questions[q].answers[a];
            shown.push_str(&format!(" → ({}) {}", answer.id, answer.next));
        }
        let (q, a) = *cycle.last().expect("a cycle has an edge");
        closing.push((q, a));
        c.error(
            "E006",
            format!("cycle: {shown}"),
            c.at(&a_key(q, a, "next")),
            Some("every path must end at an outcome: point this answer at an outcome or a later question".to_owned()),
        );
    }
    closing
}

/// Reachability pass (E007, E008): every question and outcome can be reached from the start,
/// and every cause page is named by a reachable outcome. Returns which outcomes are reached.
fn check_reachability(
    c: &mut Checker,
    graph: &Graph,
    start: usize,
    ids: &Ids,
    outcomes: &[Outcome],
    tree_page: &Page,
) -> Vec<bool> {
    let meta = c.meta;
    let content = c.content;
    let duplicates = &ids.duplicates;
    // A question suggested by a "did you mean" is probably what a dangling `next` meant: what it
    // leads to is not reported as unreachable as well.
    let mut roots = vec![start];
    roots.extend(
        meta.questions
            .iter()
            .enumerate()
            .filter(|(_, q)| c.suggested.contains(&q.id))
            .map(|(i, _)| i),
    );
    let (reached_questions, reached_outcomes) = graph::reachable(graph, &roots);
    for (qi, question) in meta.questions.iter().enumerate() {
        if !reached_questions[qi]
            && !c.suggested.contains(&question.id)
            && !duplicates.contains(&Node::Question(qi))
        {
            c.error(
                "E007",
                format!(
                    "question `{}` cannot be reached from start `{}`",
                    question.id, meta.start
                ),
                c.at(&q_key(qi, "id")),
                Some("point an answer at it, or remove it".to_owned()),
            );
        }
    }
    for (oi, outcome) in meta.outcomes.iter().enumerate() {
        if !reached_outcomes[oi]
            && !c.suggested.contains(&outcome.id)
            && !duplicates.contains(&Node::Outcome(oi))
        {
            c.error(
                "E007",
                format!(
                    "outcome `{}` cannot be reached from start `{}`",
                    outcome.id, meta.start
                ),
                c.at(&o_key(oi, "id")),
                Some("point an answer at it, or remove it".to_owned()),
            );
        }
    }
    let named: HashSet<&str> = outcomes
        .iter()
        .enumerate()
        .filter(|(oi, _)| reached_outcomes[*oi] || duplicates.contains(&Node::Outcome(*oi)))
        .flat_map(|(_, o)| o.causes.iter().map(|cause| cause.id.as_str()))
        .collect();
    for (cause_page, cause) in content.causes() {
        if cause.draft
            || named.contains(cause_page.id.as_str())
            || c.suggested.contains(&cause_page.id)
        {
            continue;
        }
        c.found.push(
            Diagnostic::error(
                "E008",
                format!(
                    "cause `{}` ({}) is not reached by any outcome of the decision tree",
                    cause_page.id,
                    cause_page.file.path.display()
                ),
            )
            .at(cause_page.locate(&[]))
            .with_help(format!(
                "name `{}` in the `causes` of an outcome in {}, or mark the cause `draft: true`",
                cause_page.id,
                tree_page.file.path.display()
            )),
        );
    }
    reached_outcomes
}

/// Page budget pass (W003): every path is a static page; warn above the budget, refuse above
/// the limit. Returns whether the tree is small enough to render.
fn check_page_budget(
    c: &mut Checker,
    dag: &Graph,
    start: usize,
    reached_outcomes: &[bool],
) -> bool {
    let pages = graph::count_steps(dag, start)
        .saturating_add(reached_outcomes.iter().filter(|r| **r).count() as u64);
    if pages > PAGE_LIMIT {
        c.error(
            "W003",
            format!("the decision tree would write {pages} pages; the limit is {PAGE_LIMIT}"),
            c.at(&[Key::Field("questions")]),
            Some("every path is a static page: merge questions, or let answers share outcomes instead of questions".to_owned()),
        );
        return false;
    }
    if pages > PAGE_BUDGET {
        c.found.push(
            Diagnostic::warning(
                "W003",
                format!("the decision tree writes {pages} pages (budget {PAGE_BUDGET})"),
            )
            .at(c.at(&[Key::Field("questions")]))
            .with_help("every path is a static page: consider merging questions"),
        );
    }
    true
}

/// E040: an outcome below `emergency` must say when to call the emergency number, and one below
/// `urgent` when to get help today: a reader sent home needs to know what would change that.
/// Returns the safety net with its placeholders filled.
fn check_safety_net(c: &mut Checker, oi: usize) -> SafetyNet {
    let outcome = &c.meta.outcomes[oi];
    let net = &outcome.safety_net;
    let mut missing = Vec::new();
    if outcome.urgency < Urgency::Emergency && net.emergency.is_empty() {
        missing.push(("emergency", "Call {emergency_number} now if:"));
    }
    if outcome.urgency < Urgency::Urgent && net.urgent.is_empty() {
        missing.push(("urgent", "Get medical help today if:"));
    }
    if !missing.is_empty() {
        let lists: Vec<String> = missing
            .iter()
            .map(|(list, _)| format!("`safety_net.{list}`"))
            .collect();
        let help: Vec<String> = missing
            .iter()
            .map(|(list, sentence)| format!("`{list}` lines each complete \"{sentence}\""))
            .collect();
        c.error(
            "E040",
            format!(
                "outcome `{}` ({}) has no {}: a reader sent here must learn when to get help sooner",
                outcome.id,
                outcome.urgency,
                lists.join(" and no ")
            ),
            c.at(&o_key(oi, "safety_net")),
            Some(format!("add `safety_net:` with {}", help.join("; "))),
        );
    }
    let fill_list = |c: &mut Checker, list: &'static str, lines: &[String]| -> Vec<String> {
        lines
            .iter()
            .enumerate()
            .map(|(index, line)| {
                c.fill(
                    line,
                    &[
                        Key::Field("outcomes"),
                        Key::Index(oi),
                        Key::Field("safety_net"),
                        Key::Field(list),
                        Key::Index(index),
                    ],
                )
            })
            .collect()
    };
    SafetyNet {
        emergency: fill_list(c, "emergency", &net.emergency),
        urgent: fill_list(c, "urgent", &net.urgent),
    }
}

/// E003: every page an outcome links (`pages: [first-aid.md]`, a path inside `content/`) exists.
fn resolve_pages(c: &mut Checker, oi: usize) -> Vec<PageLink> {
    let outcome = &c.meta.outcomes[oi];
    let mut links = Vec::new();
    for (index, path) in outcome.pages.iter().enumerate() {
        match c.content.by_path.get(path.as_str()) {
            Some(&page) => {
                let page = &c.content.pages[page];
                links.push(PageLink {
                    title: page.meta.title().to_owned(),
                    url: page.url.clone(),
                });
            }
            // A page that failed to load was reported already.
            None if c.content.failed.contains(path.as_str()) => {}
            None => {
                let help = match nearest(path, c.content.by_path.keys().map(String::as_str)) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => "write the path from content/, as in Markdown links: `first-aid.md`"
                        .to_owned(),
                };
                c.error(
                    "E003",
                    format!(
                        "outcome `{}` links page `{path}`, which does not exist (no content/{path})",
                        outcome.id
                    ),
                    c.at(&list_key(oi, "pages", index)),
                    Some(help),
                );
            }
        }
    }
    links
}

fn finish(c: Checker, diagnostics: &mut Vec<Diagnostic>, tree: Option<Tree>) -> Option<Tree> {
    let failed = c.found.iter().any(Diagnostic::is_error);
    diagnostics.extend(c.found);
    if failed { None } else { tree }
}

/// Paths pass (E009, E013): phases in order, emergency and red-flag questions first, and the
/// audience a path sets, along every path.
fn check_paths(c: &mut Checker, questions: &[Question], outcomes: &[Outcome], steps: &[Step]) {
    let mut reported: HashSet<String> = HashSet::new();
    let path_of = |answers: &[Edge]| -> String {
        if answers.is_empty() {
            "(start)".to_owned()
        } else {
            super::path_text(questions, answers)
        }
    };
    for step in steps {
        let answers = &step.answers;
        let path = path_of(answers);

        // The audience the path sets; setting a different one later is a contradiction.
        let mut audience: Option<Audience> = None;
        for &(q, a) in answers {
            let Some(set) = questions[q].answers[a].sets_audience else {
                continue;
            };
            if let Some(previous) = audience
                && previous != set
                && reported.insert(format!("E013 set {q} {a}"))
            {
                c.error(
                    "E013",
                    format!(
                        "answer `{}` of question `{}` sets the audience to {}, but path {} already set it to {}",
                        questions[q].answers[a].id,
                        questions[q].id,
                        set.as_str(),
                        path_of(answers),
                        previous.as_str()
                    ),
                    c.at(&a_key(q, a, "sets_audience")),
                    None,
                );
            }
            audience = Some(set);
        }
        let fits = |listed: &[Audience]| audience.is_none_or(|a| listed.contains(&a));
        let for_audience = audience
            .map(|a| format!(" for audience `{}`", a.as_str()))
            .unwrap_or_default();

        match step.node {
            Node::Question(n) => {
                let question = &questions[n];
                if let Some(&(last, a)) = answers.last() {
                    let before = &questions[last];
                    if question.phase < before.phase
                        && reported.insert(format!("E009 back {last} {a}"))
                    {
                        c.error(
                            "E009",
                            format!(
                                "phases go backwards on path {path}: question `{}` ({}) comes after `{}` ({})",
                                question.id,
                                question.phase.as_str(),
                                before.id,
                                before.phase.as_str()
                            ),
                            c.at(&a_key(last, a, "next")),
                            Some("ask emergency questions first, then context, red_flags and triage questions".to_owned()),
                        );
                    }
                }
                if !fits(&question.audience) && reported.insert(format!("E013 q {n} {audience:?}"))
                {
                    c.error(
                        "E013",
                        format!(
                            "question `{}` ({}) is reachable on a {} path: {path}",
                            question.id,
                            audience_words(&question.audience),
                            audience.map_or("", Audience::as_str)
                        ),
                        c.at(&q_key(n, "audience")),
                        Some(
                            "add the audience to the question, or point the path elsewhere"
                                .to_owned(),
                        ),
                    );
                }
            }
            Node::Outcome(o) => {
                let outcome = &outcomes[o];
                let explicit = if outcome.see_also_explicit {
                    outcome.see_also.len()
                } else {
                    0
                };
                let named = outcome.causes.iter().map(|cause| ("causes", cause)).chain(
                    outcome.see_also[..explicit]
                        .iter()
                        .map(|cause| ("see_also", cause)),
                );
                for (field, cause) in named {
                    if fits(&cause.audience) {
                        continue;
                    }
                    let index = match field {
                        "causes" => c.meta.outcomes[o]
                            .causes
                            .iter()
                            .position(|id| id == &cause.id),
                        _ => c.meta.outcomes[o]
                            .see_also
                            .iter()
                            .position(|id| id == &cause.id),
                    };
                    if reported.insert(format!("E013 c {o} {} {audience:?}", cause.id)) {
                        c.error(
                            "E013",
                            format!(
                                "outcome `{}` names cause `{}` ({}) on {} path {path}",
                                outcome.id,
                                cause.id,
                                audience_words(&cause.audience),
                                audience.map_or("", Audience::as_str)
                            ),
                            c.at(&list_key(o, field, index.unwrap_or(0))),
                            Some(format!(
                                "name a cause for this audience, or add it to the `audience` of content/{CAUSES_DIR}/{}.md if it applies",
                                cause.id
                            )),
                        );
                    }
                }
            }
        }

        // Emergency and red-flag questions before any triage question or non-urgent outcome.
        let passed = |phase: Phase| {
            answers
                .iter()
                .any(|&(q, _)| questions[q].phase == phase && fits(&questions[q].audience))
        };
        let (needs, what) = match step.node {
            Node::Question(n) if questions[n].phase == Phase::Triage => {
                (true, format!("triage question `{}`", questions[n].id))
            }
            Node::Outcome(o) if outcomes[o].urgency <= Urgency::Routine => {
                // A path through a triage question was checked at that question.
                let through_triage = answers
                    .iter()
                    .any(|&(q, _)| questions[q].phase == Phase::Triage);
                (
                    !through_triage,
                    format!("{} outcome `{}`", outcomes[o].urgency, outcomes[o].id),
                )
            }
            _ => (false, String::new()),
        };
        if !needs || answers.is_empty() {
            continue;
        }
        let missing: Vec<&str> = [
            (Phase::Emergency, "an emergency"),
            (Phase::RedFlags, "a red_flags"),
        ]
        .into_iter()
        .filter(|(phase, _)| !passed(*phase))
        .map(|(_, words)| words)
        .collect();
        let node_key = format!("E009 need {:?}", step.node);
        if !missing.is_empty() && reported.insert(node_key) {
            let &(q, a) = answers.last().expect("not empty");
            c.error(
                "E009",
                format!(
                    "path {path} reaches {what} without passing {} question{for_audience}",
                    missing.join(" or ")
                ),
                c.at(&a_key(q, a, "next")),
                Some("every path to a triage question or a routine or self-care outcome must first ask about emergency signs and red flags".to_owned()),
            );
        }
    }
}

/// "Not sure" pass (E012): on emergency and red-flag questions, "I'm not sure" never leads
/// somewhere less urgent than any other answer (except "none of these").
fn check_unsure(c: &mut Checker, questions: &[Question], outcomes: &[Outcome], dag: &Graph) {
    let urgency: Vec<Urgency> = outcomes.iter().map(|o| o.urgency).collect();
    let bounds = graph::urgency_bounds(dag, &urgency);
    let bounds_of = |node: Node| match node {
        Node::Outcome(o) => Some((urgency[o], urgency[o])),
        Node::Question(q) => bounds[q],
    };
    for (qi, question) in questions.iter().enumerate() {
        if !question.phase.is_safety() {
            continue;
        }
        let targets: HashMap<usize, Node> = dag.edges[qi].iter().copied().collect();
        for (ai, unsure) in question.answers.iter().enumerate() {
            if !unsure.unsure || unsure.none {
                continue;
            }
            let Some((lowest, _)) = targets.get(&ai).and_then(|&node| bounds_of(node)) else {
                continue;
            };
            let most_urgent = question
                .answers
                .iter()
                .enumerate()
                .filter(|(_, a)| !a.unsure && !a.none)
                .filter_map(|(i, a)| {
                    let (_, highest) = targets.get(&i).and_then(|&node| bounds_of(node))?;
                    Some((highest, a))
                })
                .max_by_key(|(highest, _)| *highest);
            if let Some((highest, sibling)) = most_urgent
                && lowest < highest
            {
                c.error(
                    "E012",
                    format!(
                        "\"{}\" (`{}`) on `{}` can lead to {} outcome, but answer `{}` leads to {} outcome",
                        unsure.label,
                        unsure.id,
                        question.id,
                        with_article(lowest),
                        sibling.id,
                        with_article(highest)
                    ),
                    c.at(&a_key(qi, ai, "next")),
                    Some(format!(
                        "on a safety question, \"not sure\" must lead where the most urgent answer leads: `{}`",
                        sibling.next
                    )),
                );
            }
        }
    }
}

/// See-also pass (E011): an outcome without causes and without `see_also` offers, on each path,
/// the causes of the other answers of the question that led there (see
/// [`super::see_also_on_path`]), and on its canonical page all of them. With nothing to offer on
/// some path, the author must list `see_also`, so that every outcome page links a cause page.
fn offer_see_also(
    c: &mut Checker,
    questions: &[Question],
    outcomes: &mut [Outcome],
    steps: &[Step],
) {
    // The paths to each outcome, found in one pass over the steps.
    let mut paths_to: Vec<Vec<&Step>> = vec![Vec::new(); outcomes.len()];
    for step in steps {
        if let Node::Outcome(oi) = step.node {
            paths_to[oi].push(step);
        }
    }
    // A cause page that failed to load has its own error, and so does an outcome naming a
    // draft left out of this build; without them, what an outcome could offer is unknown, and
    // "nothing to offer" would be a false second error.
    let a_cause_failed = c
        .content
        .failed
        .iter()
        .any(|path| path.starts_with("causes/"))
        || c.meta.outcomes.iter().any(|outcome| {
            outcome
                .causes
                .iter()
                .any(|id| c.content.draft_cause(id).is_some())
        });
    for oi in 0..outcomes.len() {
        if !outcomes[oi].causes.is_empty() || outcomes[oi].see_also_explicit || a_cause_failed {
            continue;
        }
        let mut union: Vec<CauseRef> = Vec::new();
        let mut empty_on: Option<&Step> = None;
        for &step in &paths_to[oi] {
            let found = super::see_also_on_path(questions, outcomes, oi, &step.answers);
            if found.is_empty() && empty_on.is_none() {
                empty_on = Some(step);
            }
            for cause in found {
                if !union.iter().any(|u| u.id == cause.id) {
                    union.push(cause.clone());
                }
            }
        }
        if let Some(step) = empty_on {
            let path = super::path_text(questions, &step.answers);
            c.error(
                "E011",
                format!(
                    "outcome `{}` has no causes, and on path {path} no other answer names a cause to offer instead",
                    outcomes[oi].id
                ),
                c.at(&o_key(oi, "causes")),
                Some("add `see_also: [cause ids]`: cause pages that can look similar, so that the page links at least one cause".to_owned()),
            );
        }
        outcomes[oi].see_also = union;
    }
}
