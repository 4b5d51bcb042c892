//! Safety cases: readers' situations written down with the answers they would give, and how
//! urgent the advice they reach must be. Every build walks each case's paths through the compiled
//! tree, so a change to the tree that sends a reader to less urgent advice fails the build.
//!
//! The file sits beside the tree it tests (`content/decision-tree.cases.yaml`): editors see the
//! two together, and the content loader reads only `.md` files, so it is never published.
//!
//! | code | check |
//! |------|-------|
//! | E041 | a path that walks off the tree: an unknown answer, a path ending on a question, or one going on past an outcome |
//! | E042 | under-triage: the outcome is less urgent than `min_urgency` |
//! | E043 | over-triage: the outcome is more urgent than `max_urgency` |
//! | E044 | the outcome page does not link a cause in `expect.causes` |
//! | E045 | the path reaches another outcome than `expect.outcome` |
//! | E046 | a case that cannot be checked as written: duplicate or unsafe id, no story, no paths, an unknown cause or outcome, `max_urgency` below `min_urgency` |
//! | W010 | the site has a tree but no cases file |
//! | W011 | an outcome no case path reaches |
//! | W012 | an answer no case path takes |
//! | W013 | a story longer than three sentences |

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use super::Tree;
use super::graph::{Edge, Node};
use super::positions::Positions;
use crate::content::meta::Urgency;
use crate::content::{Content, Page, is_url_safe};
use crate::diagnostics::{Diagnostic, Location, SourceFile, nearest};
use crate::yaml::{self, Key};

/// The cases file of a tree file: `decision-tree.md` -> `decision-tree.cases.yaml`. A
/// translation (`decision-tree.de.md`) shares its tree's cases: the answer ids are the same.
pub fn cases_path(tree_file: &Path) -> std::path::PathBuf {
    let stem = tree_file
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tree = stem.split('.').next().unwrap_or(&stem);
    tree_file.with_file_name(format!("{tree}.cases.yaml"))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CasesFile {
    cases: Vec<Case>,
}

/// One reader's situation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub id: String,
    /// One to three sentences a clinician can read without the tree.
    pub story: String,
    /// Answer ids from the first question on; every path must pass.
    pub paths: Vec<Vec<String>>,
    pub expect: Expect,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub min_urgency: Urgency,
    #[serde(default)]
    pub max_urgency: Option<Urgency>,
    /// Causes the reached outcome page must link (as causes or see-also pages).
    #[serde(default)]
    pub causes: Vec<String>,
    /// The exact outcome id.
    #[serde(default)]
    pub outcome: Option<String>,
}

/// One row of `kneeguide check --cases`: one path of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub case: String,
    pub path: String,
    /// The outcome reached, or `-` when the path walks off the tree.
    pub outcome: String,
    pub urgency: String,
    /// `pass`, or what failed.
    pub result: String,
}

impl CaseRow {
    pub fn passed(&self) -> bool {
        self.result == "pass"
    }
}

/// The rows of every case, in file order.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub rows: Vec<CaseRow>,
}

impl Report {
    pub fn failed(&self) -> usize {
        self.rows.iter().filter(|row| !row.passed()).count()
    }

    /// A plain-text table with aligned columns, and a closing count.
    pub fn table(&self) -> String {
        let header = CaseRow {
            case: "case".to_owned(),
            path: "path".to_owned(),
            outcome: "outcome".to_owned(),
            urgency: "urgency".to_owned(),
            result: "result".to_owned(),
        };
        let all: Vec<&CaseRow> = std::iter::once(&header).chain(&self.rows).collect();
        let width = |field: fn(&CaseRow) -> &str| {
            all.iter()
                .map(|row| field(row).chars().count())
                .max()
                .unwrap_or(0)
        };
        let (case, path, outcome, urgency) = (
            width(|r| &r.case),
            width(|r| &r.path),
            width(|r| &r.outcome),
            width(|r| &r.urgency),
        );
        let mut text = String::new();
        for row in all {
            let line = format!(
                "{:<case$}  {:<path$}  {:<outcome$}  {:<urgency$}  {}",
                row.case, row.path, row.outcome, row.urgency, row.result
            );
            text.push_str(line.trim_end());
            text.push('\n');
        }
        let cases: HashSet<&str> = self.rows.iter().map(|row| row.case.as_str()).collect();
        text.push_str(&format!(
            "{} in {}: {} passed, {} failed\n",
            crate::diagnostics::plural(self.rows.len(), "path"),
            crate::diagnostics::plural(cases.len(), "case"),
            self.rows.len() - self.failed(),
            self.failed()
        ));
        text
    }
}

/// A loaded cases file.
struct Loaded {
    file: Arc<SourceFile>,
    cases: Vec<Case>,
    positions: Positions,
}

impl Loaded {
    fn at(&self, path: &[Key]) -> Location {
        self.positions.locate(path)
    }
}

/// Reads the cases file beside the tree: `None` when there is none (W010) or it does not parse.
fn load(root: &Path, tree_page: &Page, found: &mut Vec<Diagnostic>) -> Option<Loaded> {
    let shown = cases_path(&tree_page.file.path);
    let text = match std::fs::read(root.join(&shown)) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                found.push(
                    Diagnostic::error("E019", "the file is not valid UTF-8 text")
                        .at(Location::file(&shown))
                        .with_help("save the file with UTF-8 encoding"),
                );
                return None;
            }
        },
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            found.push(
                Diagnostic::warning(
                    "W010",
                    format!(
                        "the decision tree has no safety cases: {} does not exist",
                        shown.display()
                    ),
                )
                .at(tree_page.locate(&[]))
                .with_help(
                    "write readers' situations with the answers they would give and the urgency they need; see the README",
                ),
            );
            return None;
        }
        Err(error) => {
            found.push(
                Diagnostic::error("E019", format!("cannot read {}: {error}", shown.display()))
                    .at(Location::file(&shown)),
            );
            return None;
        }
    };
    let file = SourceFile::new(shown, text);
    let range = 0..file.text.len();
    match yaml::parse::<CasesFile>(&file, range.clone()) {
        Ok(parsed) => Some(Loaded {
            positions: Positions::new(&file, range),
            file,
            cases: parsed.cases,
        }),
        Err(error) => {
            found.push(error);
            None
        }
    }
}

/// A story a clinician reads at a glance.
const MAX_STORY_SENTENCES: usize = 3;

/// Sentences in `text`: each `.`, `!` or `?` that ends the text or is followed by a space and a
/// capital letter ends one (so "e.g. a" does not).
fn sentence_count(text: &str) -> usize {
    let chars: Vec<char> = text.trim().chars().collect();
    let is_mark = |c: &char| matches!(c, '.' | '!' | '?');
    let mut count = 0;
    for (i, c) in chars.iter().enumerate() {
        // A run like "?!" or "..." ends one sentence, not several.
        if !is_mark(c) || chars.get(i + 1).is_some_and(is_mark) {
            continue;
        }
        // Closing quotes and brackets belong to the sentence they close.
        let after = chars[i + 1..]
            .iter()
            .position(|c| !matches!(c, '"' | '\'' | ')' | '”' | '’'))
            .map_or(chars.len(), |skip| i + 1 + skip);
        let ends = after == chars.len()
            || (chars[after].is_whitespace()
                && chars[after..]
                    .iter()
                    .find(|c| !c.is_whitespace())
                    .is_some_and(|c| c.is_uppercase()));
        if ends {
            count += 1;
        }
    }
    count.max(usize::from(!chars.is_empty()))
}

fn case_key(case: usize, field: &str) -> [Key<'_>; 3] {
    [Key::Field("cases"), Key::Index(case), Key::Field(field)]
}

fn expect_key(case: usize, field: &str) -> [Key<'_>; 4] {
    [
        Key::Field("cases"),
        Key::Index(case),
        Key::Field("expect"),
        Key::Field(field),
    ]
}

/// Where a path leaves the tree.
struct OffTheTree {
    /// The index of the answer id at fault (the path's length when it ends too early).
    step: usize,
    /// Whether the answer id at `step` is unknown (shown where it is written).
    unknown_answer: bool,
    message: String,
    help: Option<String>,
}

/// Follows `answers` from the first question; returns the edges taken and the outcome reached.
fn walk(tree: &Tree, answers: &[String]) -> Result<(Vec<Edge>, usize), OffTheTree> {
    let mut node = Node::Question(tree.start);
    let mut edges = Vec::with_capacity(answers.len());
    for (step, given) in answers.iter().enumerate() {
        let question = match node {
            Node::Question(question) => question,
            Node::Outcome(outcome) => {
                return Err(OffTheTree {
                    step,
                    unknown_answer: false,
                    message: format!(
                        "goes on with `{given}` after reaching outcome `{}`",
                        tree.outcomes[outcome].id
                    ),
                    help: Some(format!(
                        "the path ends after {}; remove the rest",
                        crate::diagnostics::plural(step, "answer")
                    )),
                });
            }
        };
        let asked = &tree.questions[question];
        match asked.answers.iter().position(|answer| &answer.id == given) {
            Some(answer) => {
                edges.push((question, answer));
                node = asked.answers[answer].target;
            }
            None => {
                let ids: Vec<&str> = asked.answers.iter().map(|a| a.id.as_str()).collect();
                let help = match nearest(given, ids.iter().copied()) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!("the answers of `{}` are: {}", asked.id, ids.join(", ")),
                };
                return Err(OffTheTree {
                    step,
                    unknown_answer: true,
                    message: format!(
                        "question `{}` has no answer `{given}` (answer {} of the path)",
                        asked.id,
                        step + 1
                    ),
                    help: Some(help),
                });
            }
        }
    }
    match node {
        Node::Outcome(outcome) => Ok((edges, outcome)),
        Node::Question(question) => {
            let asked = &tree.questions[question];
            let ids: Vec<&str> = asked.answers.iter().map(|a| a.id.as_str()).collect();
            Err(OffTheTree {
                step: answers.len(),
                unknown_answer: false,
                message: format!("ends at question `{}` before an outcome", asked.id),
                help: Some(format!(
                    "add the reader's answer to `{}`: one of {}",
                    asked.id,
                    ids.join(", ")
                )),
            })
        }
    }
}

/// Cause ids the page of `outcome` links on the path `edges`: its causes and see-also pages.
fn linked_causes(tree: &Tree, outcome: usize, edges: &[Edge]) -> Vec<String> {
    tree.outcomes[outcome]
        .causes
        .iter()
        .chain(tree.see_also_shown(outcome, Some(edges)))
        .map(|cause| cause.id.clone())
        .collect()
}

/// Checks the cases file beside the tree against the compiled tree; returns a row per path.
/// `tree_positions` locates coverage warnings in the tree's front matter.
pub fn check(
    root: &Path,
    tree: &Tree,
    tree_page: &Page,
    tree_positions: &Positions,
    content: &Content,
    found: &mut Vec<Diagnostic>,
) -> Report {
    let Some(loaded) = load(root, tree_page, found) else {
        return Report::default();
    };
    let mut report = Report::default();
    let mut taken: HashSet<Edge> = HashSet::new();
    let mut reached: HashSet<usize> = HashSet::new();
    let mut ids: HashSet<&str> = HashSet::new();
    for (ci, case) in loaded.cases.iter().enumerate() {
        check_case_itself(&loaded, ci, tree, content, &mut ids, found);
        for (pi, answers) in case.paths.iter().enumerate() {
            let path_key = [
                Key::Field("cases"),
                Key::Index(ci),
                Key::Field("paths"),
                Key::Index(pi),
            ];
            let shown = answers.join("/");
            let (edges, outcome) = match walk(tree, answers) {
                Ok(walked) => walked,
                Err(off) => {
                    // An unknown answer is shown where it is written; a path too short or too
                    // long at the path itself.
                    let at = if off.unknown_answer {
                        let mut key = path_key.to_vec();
                        key.push(Key::Index(off.step));
                        loaded.at(&key)
                    } else {
                        loaded.at(&path_key)
                    };
                    let mut diagnostic = Diagnostic::error(
                        "E041",
                        format!("case `{}`: path {shown} {}", case.id, off.message),
                    )
                    .at(at);
                    if let Some(help) = off.help {
                        diagnostic = diagnostic.with_help(help);
                    }
                    found.push(diagnostic);
                    report.rows.push(CaseRow {
                        case: case.id.clone(),
                        path: shown,
                        outcome: "-".to_owned(),
                        urgency: "-".to_owned(),
                        result: format!("fail: {}", off.message),
                    });
                    continue;
                }
            };
            taken.extend(edges.iter().copied());
            reached.insert(outcome);
            let o = &tree.outcomes[outcome];
            let reaches = format!(
                "case `{}`: path {shown} reaches outcome `{}` ({})",
                case.id, o.id, o.urgency
            );
            let mut failures: Vec<String> = Vec::new();
            let mut fail = |code: &'static str, message: String, short: String, help: String| {
                found.push(
                    Diagnostic::error(code, message)
                        .at(loaded.at(&path_key))
                        .with_help(help),
                );
                failures.push(short);
            };
            let expect = &case.expect;
            if o.urgency < expect.min_urgency {
                fail(
                    "E042",
                    format!("{reaches}; the case needs at least {}", expect.min_urgency),
                    format!("under-triage: needs at least {}", expect.min_urgency),
                    format!(
                        "the reader in this story needs {} advice: change where the tree sends them, or correct the case",
                        expect.min_urgency
                    ),
                );
            }
            if let Some(max) = expect.max_urgency
                && o.urgency > max
            {
                fail(
                    "E043",
                    format!("{reaches}; the case allows at most {max}"),
                    format!("over-triage: allows at most {max}"),
                    "sending this reader to more urgent care than they need is also a failure: change the tree, or correct the case".to_owned(),
                );
            }
            if let Some(expected) = &expect.outcome
                && expected != &o.id
            {
                fail(
                    "E045",
                    format!("{reaches}; the case expects outcome `{expected}`"),
                    format!("expected outcome {expected}"),
                    "change the tree or the case's `expect.outcome`".to_owned(),
                );
            }
            let linked = linked_causes(tree, outcome, &edges);
            let missing: Vec<&str> = expect
                .causes
                .iter()
                // A cause that does not exist was reported as such (E046).
                .filter(|cause| !linked.contains(cause) && content.cause(cause).is_some())
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                let listed = missing
                    .iter()
                    .map(|cause| format!("`{cause}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                fail(
                    "E044",
                    format!(
                        "{reaches}, whose page does not link {listed} (it links: {})",
                        if linked.is_empty() {
                            "no cause".to_owned()
                        } else {
                            linked.join(", ")
                        }
                    ),
                    format!("does not link {}", missing.join(", ")),
                    "name the cause in the outcome's `causes` or `see_also`, or correct the case"
                        .to_owned(),
                );
            }
            report.rows.push(CaseRow {
                case: case.id.clone(),
                path: shown,
                outcome: o.id.clone(),
                urgency: o.urgency.to_string(),
                result: if failures.is_empty() {
                    "pass".to_owned()
                } else {
                    format!("fail: {}", failures.join("; "))
                },
            });
        }
    }
    coverage(tree, tree_positions, &taken, &reached, &loaded, found);
    report
}

/// E046: what can be checked of a case without walking it.
fn check_case_itself<'c>(
    loaded: &'c Loaded,
    ci: usize,
    tree: &Tree,
    content: &Content,
    ids: &mut HashSet<&'c str>,
    found: &mut Vec<Diagnostic>,
) {
    let case = &loaded.cases[ci];
    let sentences = sentence_count(&case.story);
    if sentences > MAX_STORY_SENTENCES {
        found.push(
            Diagnostic::warning(
                "W013",
                format!(
                    "the story of case `{}` has {sentences} sentences; keep it to {MAX_STORY_SENTENCES}",
                    case.id
                ),
            )
            .at(loaded.at(&case_key(ci, "story")))
            .with_help("a clinician should take the situation in at a glance, without the tree"),
        );
    }
    let mut error = |message: String, at: Location, help: &str| {
        found.push(Diagnostic::error("E046", message).at(at).with_help(help));
    };
    if !is_url_safe(&case.id) {
        error(
            format!("case id `{}` is not URL-safe", case.id),
            loaded.at(&case_key(ci, "id")),
            "use lower-case words joined by hyphens, e.g. `adult-calf-pain-after-flight`",
        );
    }
    if !ids.insert(&case.id) {
        error(
            format!("duplicate case id `{}`", case.id),
            loaded.at(&case_key(ci, "id")),
            "give each case its own id",
        );
    }
    if case.story.trim().is_empty() {
        error(
            format!("case `{}` has no story", case.id),
            loaded.at(&case_key(ci, "story")),
            "tell in one to three sentences who the reader is and what they notice",
        );
    }
    if case.paths.is_empty() {
        error(
            format!("case `{}` has no paths", case.id),
            loaded.at(&case_key(ci, "paths")),
            "list the answers this reader would give, from the first question on",
        );
    }
    if let Some(max) = case.expect.max_urgency
        && max < case.expect.min_urgency
    {
        error(
            format!(
                "case `{}`: max_urgency {max} is below min_urgency {}",
                case.id, case.expect.min_urgency
            ),
            loaded.at(&expect_key(ci, "max_urgency")),
            "max_urgency must be at least min_urgency",
        );
    }
    for (index, cause) in case.expect.causes.iter().enumerate() {
        // A cause page that failed to load has its own error: no second one here.
        let failed = content.failed.contains(&format!("causes/{cause}.md"));
        if content.cause(cause).is_none() && !failed {
            let known: Vec<&str> = content.causes().map(|(page, _)| page.id.as_str()).collect();
            let help = match nearest(cause, known.iter().copied()) {
                Some(near) => format!("did you mean `{near}`?"),
                None => format!("the causes are: {}", known.join(", ")),
            };
            let mut key = expect_key(ci, "causes").to_vec();
            key.push(Key::Index(index));
            error(
                format!(
                    "case `{}` expects cause `{cause}`, which does not exist",
                    case.id
                ),
                loaded.at(&key),
                &help,
            );
        }
    }
    if let Some(outcome) = &case.expect.outcome
        && !tree.outcomes.iter().any(|o| &o.id == outcome)
    {
        let help = match nearest(outcome, tree.outcomes.iter().map(|o| o.id.as_str())) {
            Some(near) => format!("did you mean `{near}`?"),
            None => "name an outcome id of the decision tree".to_owned(),
        };
        error(
            format!(
                "case `{}` expects outcome `{outcome}`, which the tree does not have",
                case.id
            ),
            loaded.at(&expect_key(ci, "outcome")),
            &help,
        );
    }
}

/// W011 and W012: every outcome reached and every answer taken by at least one case path.
fn coverage(
    tree: &Tree,
    positions: &Positions,
    taken: &HashSet<Edge>,
    reached: &HashSet<usize>,
    loaded: &Loaded,
    found: &mut Vec<Diagnostic>,
) {
    let file = loaded.file.path.display();
    for (oi, outcome) in tree.outcomes.iter().enumerate() {
        if !reached.contains(&oi) {
            found.push(
                Diagnostic::warning(
                    "W011",
                    format!("no safety case reaches outcome `{}`", outcome.id),
                )
                .at(positions.locate(&[Key::Field("outcomes"), Key::Index(oi), Key::Field("id")]))
                .with_help(format!(
                    "add a case to {file} for a reader who should end here"
                )),
            );
        }
    }
    for (qi, question) in tree.questions.iter().enumerate() {
        for (ai, answer) in question.answers.iter().enumerate() {
            if !taken.contains(&(qi, ai)) {
                found.push(
                    Diagnostic::warning(
                        "W012",
                        format!(
                            "no safety case takes answer `{}` of question `{}`",
                            answer.id, question.id
                        ),
                    )
                    .at(positions.locate(&[
                        Key::Field("questions"),
                        Key::Index(qi),
                        Key::Field("answers"),
                        Key::Index(ai),
                        Key::Field("id"),
                    ]))
                    .with_help(format!(
                        "add a path to a case in {file} for a reader who would answer this"
                    )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sentence_count;

    #[test]
    fn counts_sentences_not_abbreviations() {
        assert_eq!(sentence_count("An adult's calf is swollen"), 1);
        assert_eq!(sentence_count("One. Two? Three!"), 3);
        assert_eq!(sentence_count("It hurts, e.g. when walking. She is 40."), 2);
        assert_eq!(sentence_count("Is it bad?! Maybe..."), 2);
        assert_eq!(sentence_count("\"Ouch.\" Then it swelled."), 2);
        assert_eq!(sentence_count(""), 0);
    }
}
