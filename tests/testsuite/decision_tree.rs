//! The decision tree: one fixture per check (tests/fixtures/decision_tree/<case>/, copied on top of
//! tests/fixtures/decision_tree/_shared/, whose one tree each case changes with a small
//! `decision-tree.edits`), the rendered pages of a good tree, and the real guide's tree against
//! the golden path list tests/golden/decision-tree-paths.txt.

use crate::common;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{copy_dir, fixture};
use kneeguide::content::meta::Date;
use kneeguide::diagnostics::{Diagnostic, Severity};
use kneeguide::output::MemorySink;
use kneeguide::{BuildOptions, Site};

const TREE: &str = "content/decision-tree.md";
const CASES: &str = "content/decision-tree.cases.yaml";
const GOLDEN: &str = "tests/golden/decision-tree-paths.txt";

/// A temporary site: the shared fixture with the case's files on top, and the shared tree
/// changed by the case's `decision-tree.edits` when it has one (see `common::apply_edits`).
fn site(case: &str) -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("decision_tree/_shared"), temp.path());
    if case != "_shared" {
        copy_dir(&fixture("decision_tree").join(case), temp.path());
        let edits = temp.path().join("decision-tree.edits");
        if edits.exists() {
            let tree = temp.path().join(TREE);
            let edited = common::apply_edits(&common::read(&tree), &common::read(&edits));
            std::fs::write(&tree, edited).unwrap();
            std::fs::remove_file(&edits).unwrap();
        }
    }
    temp
}

fn options(root: &Path) -> BuildOptions {
    BuildOptions {
        today: Date::parse("2026-06-01"),
        ..common::options(root)
    }
}

/// Every diagnostic of a site that must fail to load.
fn failures(case: &str) -> Vec<Diagnostic> {
    let temp = site(case);
    match kneeguide::load(&options(temp.path())) {
        Ok(_) => panic!("{case}: the site loaded, but errors were expected"),
        Err(diagnostics) => diagnostics.into_iter().collect(),
    }
}

/// The warnings of a site that loads.
fn warnings(case: &str) -> Vec<Diagnostic> {
    let temp = site(case);
    load_ok(temp.path()).warnings.into_iter().collect()
}

/// `found` has a diagnostic with `code`, all of `words` and the location `at`.
fn has(found: &[Diagnostic], code: &str, words: &[&str], at: (&str, usize, usize)) -> bool {
    found.iter().any(|d| {
        d.code == code
            && words.iter().all(|w| d.message.contains(w))
            && d.location
                .as_ref()
                .is_some_and(|l| l.file == Path::new(at.0) && (l.line, l.column) == (at.1, at.2))
    })
}

fn load_ok(root: &Path) -> Site {
    kneeguide::load(&options(root)).unwrap_or_else(|d| panic!("the site does not load:\n{d}"))
}

/// One expected diagnostic: code, words of its message, file:line:column.
struct Expect {
    code: &'static str,
    words: &'static [&'static str],
    at: (&'static str, usize, usize),
}

fn expect(
    code: &'static str,
    words: &'static [&'static str],
    at: (&'static str, usize, usize),
) -> Expect {
    Expect { code, words, at }
}

fn shown(found: &[Diagnostic]) -> String {
    found
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("")
}

/// The case fails with exactly the expected errors (no more: one mistake, one message), drawn
/// as the snapshot `snapshots/testsuite__decision_tree__<case>.snap` shows them.
fn check_case(case: &str, expected: &[Expect]) {
    let found = failures(case);
    insta::assert_snapshot!(case, shown(&found));
    let errors: Vec<Diagnostic> = found.iter().filter(|d| d.is_error()).cloned().collect();
    for e in expected {
        let hit = has(&errors, e.code, e.words, e.at);
        assert!(
            hit,
            "{case}: expected {} with {:?} at {}:{}:{}, got:\n{}",
            e.code,
            e.words,
            e.at.0,
            e.at.1,
            e.at.2,
            shown(&found)
        );
    }
    assert_eq!(
        errors.len(),
        expected.len(),
        "{case}: unexpected extra errors:\n{}",
        shown(&found)
    );
}

#[test]
fn e001_unknown_field_with_a_suggestion() {
    check_case(
        "e001-unknown-field",
        &[expect("E001", &["unknown field `notes`"], (TREE, 64, 5))],
    );
    let found = failures("e001-unknown-field");
    assert_eq!(found[0].help.as_deref(), Some("did you mean `note`?"));
}

#[test]
fn e002_duplicate_ids() {
    check_case(
        "e002-duplicate-id",
        &[
            expect("E002", &["duplicate id `o-cyst`"], (TREE, 65, 9)),
            expect(
                "E002",
                &["duplicate answer id `lump`", "q-adult-pattern"],
                (TREE, 37, 14),
            ),
        ],
    );
    // The first definition is a second place drawn with its label, not text in the message.
    let found = failures("e002-duplicate-id");
    let duplicate = found
        .iter()
        .find(|d| d.message == "duplicate id `o-cyst`")
        .unwrap();
    let label = &duplicate.labels[0];
    assert_eq!(label.text, "first defined here");
    assert_eq!(
        (
            label.location.file.as_path(),
            label.location.line,
            label.location.column
        ),
        (Path::new(TREE), 59, 9)
    );
    assert!(
        duplicate
            .to_string()
            .contains("59 |   - id: o-cyst\n   |         ------ first defined here\n"),
        "{duplicate}"
    );
}

#[test]
fn e003_references_that_do_not_resolve_with_did_you_mean() {
    check_case(
        "e003-dangling",
        &[
            expect("E003", &["points to `q-adult-patern`"], (TREE, 30, 64)),
            expect(
                "E003",
                &["cause `sprian`", "does not exist"],
                (TREE, 67, 14),
            ),
            expect(
                "E003",
                &["unknown placeholder `{emergncy_number}`"],
                (TREE, 51, 14),
            ),
            expect("E003", &["`{urgent_number}`", "site.yaml"], (TREE, 57, 11)),
        ],
    );
    let found = failures("e003-dangling");
    let helps: Vec<&str> = found.iter().filter_map(|d| d.help.as_deref()).collect();
    for help in [
        "did you mean `q-adult-pattern`?",
        "did you mean `sprain`?",
        "did you mean `{emergency_number}`?",
    ] {
        assert!(helps.contains(&help), "{help} not in {helps:?}");
    }
}

#[test]
fn e004_words_outside_the_closed_vocabularies() {
    check_case(
        "e004-vocabulary",
        &[expect(
            "E004",
            &["cannot be `soon`", "emergency"],
            (TREE, 60, 14),
        )],
    );
}

#[test]
fn e005_a_question_needs_two_answers() {
    check_case(
        "e005-one-answer",
        &[expect(
            "E005",
            &["question `q-adult-pattern` has 1 answer", "at least 2"],
            (TREE, 37, 7),
        )],
    );
}

#[test]
fn e006_cycles_report_the_loop() {
    check_case(
        "e006-cycle",
        &[expect(
            "E006",
            &["cycle: q-adult-pattern → (more) q-adult-more → (back) q-adult-pattern"],
            (TREE, 44, 44),
        )],
    );
}

#[test]
fn e007_unreachable_questions_and_outcomes() {
    check_case(
        "e007-unreachable",
        &[
            expect(
                "E007",
                &["question `q-orphan` cannot be reached", "q-emergency"],
                (TREE, 47, 9),
            ),
            expect(
                "E007",
                &["outcome `o-orphan` cannot be reached"],
                (TREE, 55, 9),
            ),
        ],
    );
}

#[test]
fn e008_a_cause_that_no_outcome_reaches() {
    check_case(
        "e008-unreached-cause",
        &[expect(
            "E008",
            &["cause `nerve`", "not reached by any outcome"],
            ("content/causes/nerve.md", 2, 1),
        )],
    );
}

#[test]
fn e009_emergency_and_red_flag_questions_come_first() {
    check_case(
        "e009-red-flags",
        &[
            expect(
                "E009",
                &[
                    "path no/adult reaches triage question `q-adult-pattern`",
                    "without passing a red_flags question for audience `adult`",
                ],
                (TREE, 22, 71),
            ),
            expect(
                "E009",
                &[
                    "phases go backwards",
                    "`q-late-emergency` (emergency) comes after `q-adult-pattern` (triage)",
                ],
                (TREE, 30, 57),
            ),
        ],
    );
    let found = failures("e009-start");
    assert!(
        found.iter().any(|d| d.code == "E009"
            && d.message
                .contains("the first question `q-age` is in the context phase")
            && d.location
                .as_ref()
                .is_some_and(|l| (l.line, l.column) == (6, 8))),
        "{}",
        shown(&found)
    );
    assert!(
        found.iter().any(|d| d.code == "E009"
            && d.message
                .contains("without passing an emergency question for audience `adult`")),
        "{}",
        shown(&found)
    );
}

#[test]
fn e010_an_outcome_is_at_least_as_urgent_as_its_causes() {
    check_case(
        "e010-urgency-floor",
        &[expect(
            "E010",
            &["outcome `o-cyst` (routine) names cause `clot` whose min_urgency is urgent"],
            (TREE, 61, 20),
        )],
    );
}

#[test]
fn e011_no_causes_only_when_urgent_and_with_a_note() {
    check_case(
        "e011-no-causes",
        &[
            expect(
                "E011",
                &[
                    "outcome `o-sprain` (self_care) names no causes",
                    "only urgent or emergency",
                ],
                (TREE, 67, 13),
            ),
            expect(
                "E011",
                &["outcome `o-hot-knee` has no causes; add a note"],
                (TREE, 74, 13),
            ),
        ],
    );
}

#[test]
fn e011_an_outcome_without_causes_must_have_something_to_link() {
    check_case(
        "e011-nothing-to-offer",
        &[expect(
            "E011",
            &[
                "outcome `o-hot-knee` has no causes",
                "on path no/child/fever no other answer names a cause",
            ],
            (TREE, 72, 13),
        )],
    );
}

#[test]
fn explicit_see_also_is_checked_and_rendered() {
    let temp = site("_shared");
    let tree = temp.path().join(TREE);
    let text = std::fs::read_to_string(&tree).unwrap();
    let note = "    note: \"This guide does not cover infections.\"\n";
    std::fs::write(
        &tree,
        text.replace(note, &format!("{note}    see_also: [cyst]\n")),
    )
    .unwrap();
    let loaded = load_ok(temp.path());
    let files = render(&loaded);
    let hot = &files["decision-tree/no/child/fever/index.html"];
    assert!(
        hot.contains(r#"class="see-also" href="../../../../causes/cyst/""#),
        "{hot}"
    );
    assert!(
        !hot.contains("causes/clot/"),
        "an explicit list replaces the derived one: {hot}"
    );

    // A cause for adults only, offered on a child path, is an audience error.
    std::fs::write(
        &tree,
        text.replace(note, &format!("{note}    see_also: [sprain, clot]\n")),
    )
    .unwrap();
    let found: Vec<Diagnostic> = match kneeguide::load(&options(temp.path())) {
        Ok(_) => panic!("expected E013"),
        Err(d) => d.into_iter().collect(),
    };
    assert!(
        found.iter().any(|d| d.code == "E013"
            && d.message
                .contains("names cause `sprain` (adult only) on child path no/child/fever")),
        "{}",
        shown(&found)
    );
}

#[test]
fn e012_not_sure_leads_where_the_most_urgent_answer_leads() {
    check_case(
        "e012-unsure",
        &[expect(
            "E012",
            &[
                "\"I'm not sure\"",
                "`q-adult-flags`",
                "can lead to a self_care outcome",
                "answer `clot-signs` leads to an urgent outcome",
            ],
            (TREE, 29, 67),
        )],
    );
}

#[test]
fn e013_audience_of_questions_and_causes() {
    check_case(
        "e013-audience",
        &[
            expect(
                "E013",
                &[
                    "question `q-adult-pattern` (adult only) is reachable on a child path: no/child/other",
                ],
                (TREE, 33, 15),
            ),
            expect(
                "E013",
                &[
                    "outcome `o-growing` names cause `sprain` (adult only) on child path no/child/none",
                ],
                (TREE, 81, 23),
            ),
            expect(
                "E013",
                &[
                    "outcome `o-sprain` names cause `sprain` (adult only) on child path no/child/other/twist",
                ],
                (TREE, 68, 14),
            ),
        ],
    );
}

#[test]
fn e040_outcomes_below_emergency_need_a_safety_net() {
    check_case(
        "e040-safety-net",
        &[
            // No `safety_net` at all: located at the outcome.
            expect(
                "E040",
                &["outcome `o-clot` (urgent) has no `safety_net.emergency`"],
                (TREE, 53, 5),
            ),
            // A net without its `urgent` list: located at the net.
            expect(
                "E040",
                &["outcome `o-sprain` (self_care) has no `safety_net.urgent`"],
                (TREE, 69, 17),
            ),
        ],
    );
}

#[test]
fn safety_nets_and_linked_pages_are_rendered_and_in_tree_json() {
    let temp = site("_shared");
    let tree = temp.path().join(TREE);
    let text = std::fs::read_to_string(&tree).unwrap();
    let body = "    body: \"About the lump.\"\n";
    let linked = text.replace(body, &format!("{body}    pages: [causes/sprain.md]\n"));
    let linked = linked.replacen(
        "breathing suddenly becomes hard\"], urgent",
        "you cannot breathe; call {emergency_number}\"], urgent",
        1,
    );
    std::fs::write(&tree, &linked).unwrap();
    let loaded = load_ok(temp.path());
    let files = render(&loaded);
    let lump = &files["decision-tree/no/adult/none/lump/index.html"];
    assert!(
        lump.contains("Call 112 now if: you cannot breathe; call 112</p>"),
        "placeholders are filled in safety nets: {lump}"
    );
    assert!(
        lump.contains("Get medical help today if: the calf becomes swollen and red</p>"),
        "{lump}"
    );
    assert!(
        lump.contains(r#"class="read-next" href="../../../../../causes/sprain/">Sprain</a>"#),
        "{lump}"
    );
    let json: serde_json::Value = serde_json::from_str(&files["decision-tree/tree.json"]).unwrap();
    let cyst = json["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "o-cyst")
        .unwrap();
    assert_eq!(
        cyst["pages"],
        serde_json::json!([{"title": "Sprain", "url": "causes/sprain/"}])
    );
    assert_eq!(
        cyst["safety_net"]["urgent"],
        serde_json::json!(["the calf becomes swollen and red"])
    );

    // A page that does not exist is a located error with the nearest path as a hint.
    std::fs::write(
        &tree,
        linked.replace("causes/sprain.md", "causes/sprian.md"),
    )
    .unwrap();
    let found: Vec<Diagnostic> = match kneeguide::load(&options(temp.path())) {
        Ok(_) => panic!("expected E003"),
        Err(d) => d.into_iter().collect(),
    };
    assert!(
        found.iter().any(|d| d.code == "E003"
            && d.message
                .contains("links page `causes/sprian.md`, which does not exist")
            && d.help.as_deref() == Some("did you mean `causes/sprain.md`?")
            && d.location
                .as_ref()
                .is_some_and(|l| (l.line, l.column) == (64, 13))),
        "{}",
        shown(&found)
    );
}

#[test]
fn e016_answer_ids_are_url_safe_and_not_reserved() {
    check_case(
        "e016-url-safe",
        &[
            expect(
                "E016",
                &["answer id `A lump!`", "not URL-safe"],
                (TREE, 36, 14),
            ),
            expect("E016", &["answer id `outcome`", "reserved"], (TREE, 43, 14)),
        ],
    );
}

#[test]
fn w003_path_budget_is_a_warning_and_the_hard_limit_an_error() {
    let temp = site("w003-budget");
    let loaded = load_ok(temp.path());
    let warnings: Vec<&Diagnostic> = loaded.warnings.iter().collect();
    assert!(
        warnings.iter().any(|d| d.code == "W003"
            && d.severity == Severity::Warning
            && d.message.contains("231 pages (budget 200)")
            && d.location
                .as_ref()
                .is_some_and(|l| (l.line, l.column) == (8, 3))),
        "{}",
        shown(&loaded.warnings.iter().cloned().collect::<Vec<_>>())
    );
    check_case(
        "w003-limit",
        &[expect(
            "W003",
            &["253924 pages", "the limit is 20000"],
            (TREE, 8, 3),
        )],
    );
}

#[test]
fn the_cli_exits_non_zero_and_prints_every_located_error() {
    let temp = site("e011-no-causes");
    let output = common::kneeguide()
        .arg("check")
        .arg("--root")
        .arg(temp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error[E011]: outcome `o-sprain`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error[E011]: outcome `o-hot-knee`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--> content/decision-tree.md:74:13"),
        "{stderr}"
    );
}

// Safety cases: content/decision-tree.cases.yaml beside the tree (tests/fixtures/decision_tree/cases-*
// hold only a cases file; the shared tree and its full cases file are underneath).

#[test]
fn the_shared_cases_pass_and_cover_the_whole_tree() {
    assert!(
        warnings("_shared").is_empty(),
        "{}",
        shown(&warnings("_shared"))
    );
}

#[test]
fn e042_under_triage_is_located_at_the_failing_path() {
    check_case(
        "cases-under-triage",
        &[expect(
            "E042",
            &[
                "case `adult-lump-and-swollen-calf`: path no/adult/none/lump",
                "reaches outcome `o-cyst` (routine); the case needs at least urgent",
            ],
            (CASES, 8, 9),
        )],
    );
}

#[test]
fn e044_an_expected_cause_the_outcome_does_not_link() {
    check_case(
        "cases-cause-not-linked",
        &[expect(
            "E044",
            &[
                "path no/adult/none/twist reaches outcome `o-sprain` (self_care)",
                "does not link `cyst` (it links: sprain)",
            ],
            (CASES, 5, 9),
        )],
    );
}

#[test]
fn e041_paths_that_walk_off_the_tree() {
    check_case(
        "cases-unknown-answer",
        &[
            // An unknown answer is shown where it is written, with the nearest one.
            expect(
                "E041",
                &["path no/adult/nnone/lump question `q-adult-flags` has no answer `nnone`"],
                (CASES, 5, 23),
            ),
            expect(
                "E041",
                &["path no/adult ends at question `q-adult-flags` before an outcome"],
                (CASES, 6, 9),
            ),
            expect(
                "E041",
                &["path yes/no goes on with `no` after reaching outcome `o-emergency`"],
                (CASES, 7, 9),
            ),
        ],
    );
    let found = failures("cases-unknown-answer");
    let helps: Vec<&str> = found.iter().filter_map(|d| d.help.as_deref()).collect();
    assert!(helps.contains(&"did you mean `none`?"), "{helps:?}");
}

#[test]
fn e043_max_urgency_catches_over_triage() {
    check_case(
        "cases-max-urgency",
        &[expect(
            "E043",
            &[
                "path not-sure reaches outcome `o-emergency` (emergency); the case allows at most routine",
            ],
            (CASES, 7, 9),
        )],
    );
}

#[test]
fn e045_e046_expectations_that_name_the_wrong_or_unknown_ids() {
    check_case(
        "cases-bad-expect",
        &[
            expect("E043", &["allows at most self_care"], (CASES, 5, 9)),
            expect(
                "E045",
                &["reaches outcome `o-cyst` (routine); the case expects outcome `o-sprain`"],
                (CASES, 5, 9),
            ),
            expect(
                "E046",
                &["max_urgency self_care is below min_urgency routine"],
                (CASES, 8, 20),
            ),
            expect(
                "E046",
                &["expects cause `cysst`, which does not exist"],
                (CASES, 9, 16),
            ),
            expect("E046", &["duplicate case id `adult-lump`"], (CASES, 11, 9)),
            expect("E046", &["has no story"], (CASES, 12, 12)),
            expect("E046", &["has no paths"], (CASES, 13, 12)),
            expect(
                "E046",
                &["expects outcome `o-cyts`, which the tree does not have"],
                (CASES, 16, 16),
            ),
        ],
    );
    // A story a clinician cannot take in at a glance is a warning.
    let found = failures("cases-bad-expect");
    assert!(
        has(
            &found,
            "W013",
            &["the story of case `long-story` has 4 sentences; keep it to 3"],
            (CASES, 19, 7)
        ),
        "{}",
        shown(&found)
    );
}

#[test]
fn the_cases_file_is_typed_unknown_keys_are_errors() {
    check_case(
        "cases-unknown-field",
        &[expect("E001", &["unknown field `cause`"], (CASES, 8, 7))],
    );
    let found = failures("cases-unknown-field");
    assert_eq!(found[0].help.as_deref(), Some("did you mean `causes`?"));
}

#[test]
fn w011_w012_outcomes_and_answers_no_case_reaches() {
    let found = warnings("cases-uncovered-outcome");
    assert!(
        has(
            &found,
            "W011",
            &["no safety case reaches outcome `o-sprain`"],
            (TREE, 65, 9)
        ),
        "{}",
        shown(&found)
    );
    assert!(
        has(
            &found,
            "W012",
            &["no safety case takes answer `twist` of question `q-adult-pattern`"],
            (TREE, 37, 14)
        ),
        "{}",
        shown(&found)
    );
    assert_eq!(found.len(), 2, "{}", shown(&found));

    let found = warnings("cases-uncovered-answer");
    assert!(
        has(
            &found,
            "W012",
            &["no safety case takes answer `not-sure` of question `q-child-flags`"],
            (TREE, 45, 14)
        ),
        "{}",
        shown(&found)
    );
    assert_eq!(found.len(), 1, "{}", shown(&found));
}

#[test]
fn w010_a_tree_without_cases_is_warned_about() {
    let temp = site("_shared");
    std::fs::remove_file(temp.path().join(CASES)).unwrap();
    let found: Vec<Diagnostic> = load_ok(temp.path()).warnings.into_iter().collect();
    assert!(
        has(
            &found,
            "W010",
            &["no safety cases: content/decision-tree.cases.yaml does not exist"],
            (TREE, 2, 1)
        ),
        "{}",
        shown(&found)
    );
    assert_eq!(found.len(), 1, "no coverage warnings without a cases file");
}

/// Runs the binary: (exit code, stdout, stderr).
fn run(args: &[&str], root: &Path) -> (i32, String, String) {
    let output = common::kneeguide()
        .args(args)
        .arg("--root")
        .arg(root)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn check_cases_prints_a_table_of_every_path() {
    let temp = site("_shared");
    let (code, stdout, stderr) = run(&["check", "--cases"], temp.path());
    assert_eq!(code, 0, "{stderr}");
    let table: Vec<&str> = stdout.lines().take(4).collect();
    assert_eq!(
        table,
        [
            "case                path                 outcome      urgency    result",
            "collapse            yes                  o-emergency  emergency  pass",
            "collapse            not-sure             o-emergency  emergency  pass",
            "adult-swollen-calf  no/adult/clot-signs  o-clot       urgent     pass",
        ]
    );
    assert!(
        stdout.contains("10 paths in 7 cases: 10 passed, 0 failed\n"),
        "{stdout}"
    );

    let temp = site("cases-under-triage");
    let (code, stdout, stderr) = run(&["check", "--cases"], temp.path());
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "case                         path                 outcome  urgency  result",
            "adult-lump-and-swollen-calf  no/adult/clot-signs  o-clot   urgent   pass",
            "adult-lump-and-swollen-calf  no/adult/none/lump   o-cyst   routine  fail: under-triage: needs at least urgent",
            "2 paths in 1 case: 1 passed, 1 failed",
        ]
    );
    assert!(
        stderr.contains("error[E042]")
            && stderr.contains("--> content/decision-tree.cases.yaml:8:9"),
        "{stderr}"
    );
}

#[test]
fn deny_warnings_turns_a_warning_into_exit_1_and_build_writes_nothing() {
    let temp = site("cases-uncovered-answer");
    let (code, _, stderr) = run(&["check"], temp.path());
    assert_eq!(code, 0, "a warning alone passes: {stderr}");
    assert!(stderr.contains("warning[W012]"), "{stderr}");

    let (code, _, stderr) = run(&["check", "--deny-warnings"], temp.path());
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("--> content/decision-tree.md:45:14"),
        "the warning is still printed, located: {stderr}"
    );
    // The count is not pinned: after the fixture's next_review date, W001 joins in.
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: check found ")
            && last.contains(" warning")
            && last.ends_with(", and --deny-warnings turns warnings into errors"),
        "{stderr}"
    );

    let (code, stdout, stderr) = run(&["build", "--deny-warnings"], temp.path());
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("warning[W012]"), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: the site was not built: ")
            && last.contains(" warning")
            && last.ends_with(", and --deny-warnings turns warnings into errors"),
        "{stderr}"
    );
    assert!(!temp.path().join("public").exists(), "nothing was written");
    let (code, _, stderr) = run(&["build"], temp.path());
    assert_eq!(code, 0, "{stderr}");
}

/// The guide passes every check with warnings denied: its safety cases pass and cover the tree.
#[test]
fn the_guide_passes_check_with_deny_warnings() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let (code, stdout, stderr) = run(&["check", "--deny-warnings", "--cases"], &root);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let summary = stdout
        .lines()
        .find(|line| line.contains(" paths in "))
        .unwrap_or_default();
    let cases: usize = summary
        .split(" in ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(cases >= 40, "the guide ships at least 40 cases: {summary}");
}

/// Renders a loaded site into memory: output path -> text.
fn render(site: &Site) -> BTreeMap<String, String> {
    let sink = MemorySink::default();
    kneeguide::render(site, &sink).unwrap_or_else(|d| panic!("render failed:\n{d}"));
    sink.into_files()
        .into_iter()
        .map(|(path, bytes)| (path, String::from_utf8_lossy(&bytes).into_owned()))
        .collect()
}

/// `dir/` + a relative href, with `..` resolved; `None` for links that leave the site.
fn resolve(page_url: &str, href: &str) -> Option<String> {
    if href.starts_with('#') || href.contains(':') {
        return None;
    }
    let href = href.split('#').next().unwrap_or("");
    let mut parts: Vec<&str> = page_url.split('/').filter(|p| !p.is_empty()).collect();
    for segment in href.split('/') {
        match segment {
            ".." => {
                parts.pop()?;
            }
            "." | "" => {}
            other => parts.push(other),
        }
    }
    let mut path = parts.join("/");
    if href.ends_with('/') || href.is_empty() {
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str("index.html");
    }
    Some(path)
}

fn hrefs(html: &str) -> Vec<&str> {
    html.match_indices("href=\"")
        .map(|(i, m)| {
            let rest = &html[i + m.len()..];
            &rest[..rest.find('"').unwrap_or(0)]
        })
        .collect()
}

/// The markup contract of every tree page, and that every relative link resolves.
fn check_tree_pages(site: &Site, files: &BTreeMap<String, String>) {
    let tree = site.main().tree.as_ref().expect("the site has a tree");
    for url in tree.page_urls() {
        let path = format!("{url}index.html");
        let html = files
            .get(&path)
            .unwrap_or_else(|| panic!("{path} not written"));
        let steps = html.matches("data-dt-step=\"").count();
        let outcomes = html.matches("data-dt-outcome=\"").count();
        assert_eq!(steps + outcomes, 1, "{path}: one step or outcome per page");
        assert_eq!(html.matches("<h1").count(), 1, "{path}: one h1");
        if outcomes == 1 {
            assert!(
                hrefs(html).iter().any(|h| h.contains("causes/")),
                "{path}: an outcome links at least one cause page"
            );
            assert!(html.contains("data-dt-reset"), "{path}: Start again");
        } else {
            assert!(
                html.matches("data-dt-choice").count() >= 2,
                "{path}: answers"
            );
        }
        if url.starts_with("decision-tree/outcome/") {
            assert!(
                !html.contains("data-dt-back"),
                "{path}: no back link on canonical pages"
            );
        } else {
            let back = html.find("data-dt-back").expect("a back link");
            assert!(
                back < html.find("<main").unwrap(),
                "{path}: back link before <main>"
            );
        }
        for href in hrefs(html) {
            if let Some(target) = resolve(&url, href) {
                assert!(
                    files.contains_key(&target),
                    "{path}: link {href} -> {target} does not exist"
                );
            }
        }
    }
    let start = &files["decision-tree/index.html"];
    let start_link = start.find("data-dt-start").expect("a start link");
    assert!(
        start.find("tel:").is_some_and(|tel| tel < start_link),
        "the emergency number comes before the start link"
    );
    let sitemap = &files["sitemap.xml"];
    for url in tree.page_urls() {
        assert!(
            sitemap.contains(&format!("{url}</loc>")),
            "{url} not in the sitemap"
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(&files["decision-tree/tree.json"]).expect("tree.json is JSON");
    assert_eq!(
        json["paths"].as_array().map(Vec::len),
        Some(tree.paths().count())
    );
    assert_eq!(files["decision-tree/paths.txt"], tree.paths_text());
}

#[test]
fn a_good_tree_renders_one_page_per_step() {
    let temp = site("_shared");
    let loaded = load_ok(temp.path());
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let files = render(&loaded);
    check_tree_pages(&loaded, &files);

    let paths = loaded.main().tree.as_ref().unwrap().paths_text();
    let lines: Vec<&str> = paths.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        lines,
        [
            "yes                  -> o-emergency (emergency): clot",
            "not-sure             -> o-emergency (emergency): clot",
            "no/child/fever       -> o-hot-knee (urgent): no cause page (see the note)",
            "no/child/clot-signs  -> o-clot (urgent): clot, cyst",
            "no/child/not-sure    -> o-hot-knee (urgent): no cause page (see the note)",
            "no/child/none        -> o-growing (self_care): growing",
            "no/adult/clot-signs  -> o-clot (urgent): clot, cyst",
            "no/adult/not-sure    -> o-clot (urgent): clot, cyst",
            "no/adult/none/lump   -> o-cyst (routine): cyst",
            "no/adult/none/twist  -> o-sprain (self_care): sprain",
        ]
    );

    // The first question, a later step, an outcome on a path and its canonical page.
    let first = &files["decision-tree/start/index.html"];
    assert!(
        first.contains("<h1>Any of these right now? Call 112 if so.</h1>"),
        "{first}"
    );
    assert!(
        first.contains(r#"href="../../decision-tree/yes/" data-dt-choice"#),
        "{first}"
    );
    assert!(
        first.contains(r#"href="../../decision-tree/" data-dt-back"#),
        "{first}"
    );
    let lump = &files["decision-tree/no/adult/none/lump/index.html"];
    assert!(lump.contains(r#"data-dt-outcome="o-cyst""#));
    assert!(lump.contains(r#"href="../../../../../decision-tree/no/adult/none/" data-dt-back"#));
    assert!(
        lump.contains("What is it like?: A lump"),
        "the answers so far: {lump}"
    );
    assert!(lump.contains(r#"href="../../../../../causes/cyst/""#));
    assert!(files.contains_key("decision-tree/outcome/o-cyst/index.html"));
    // A cause-less outcome offers the causes of the other red flags, for the path's audience.
    let hot = &files["decision-tree/no/child/fever/index.html"];
    assert!(
        hot.contains(r#"class="see-also" href="../../../../causes/clot/""#),
        "{hot}"
    );
    assert!(
        !hot.contains("causes/growing/"),
        "not the 'none of these' outcome: {hot}"
    );
    // Placeholders are filled from site.yaml; the start page's text too.
    let emergency = &files["decision-tree/yes/index.html"];
    assert!(emergency.contains("<h1>Call 112 now</h1>"));
    assert!(
        files["decision-tree/no/adult/clot-signs/index.html"]
            .contains("Contact your doctor today.")
    );
    assert!(files["decision-tree/index.html"].contains("In an emergency call 112."));
    // Cause pages say which answers lead there.
    let cyst = &files["causes/cyst/index.html"];
    assert!(
        cyst.contains(r#"data-urgency="routine"><a href="../../decision-tree/no/adult/none/lump/">See a doctor</a>: No / 16 or older / None of these / A lump"#),
        "{cyst}"
    );
}

#[test]
fn a_cause_page_lists_a_few_paths_and_counts_the_rest() {
    let temp = site("_shared");
    let tree = temp.path().join(TREE);
    let text = std::fs::read_to_string(&tree).unwrap();
    // Ten more answers to the lump outcome: `cyst` is then reached by 3 urgent paths and 11
    // routine ones.
    let lump = "      - {id: lump, label: \"A lump\", next: o-cyst}\n";
    let more: String = (1..=10)
        .map(|i| format!("      - {{id: lump-{i}, label: \"Lump {i}\", next: o-cyst}}\n"))
        .collect();
    std::fs::write(&tree, text.replace(lump, &format!("{lump}{more}"))).unwrap();
    // The cases are not this test's business.
    std::fs::remove_file(temp.path().join(CASES)).unwrap();
    let loaded = load_ok(temp.path());
    let extra = loaded
        .main()
        .tree
        .as_ref()
        .unwrap()
        .cause_extra("cyst")
        .unwrap();
    let extra = serde_json::to_value(&extra).unwrap();
    assert_eq!(extra["reached_by_total"], 14);
    assert_eq!(extra["reached_by_more"], 6);
    assert_eq!(extra["reached_by"].as_array().unwrap().len(), 8);
    let groups = extra["reached_by_outcome"].as_array().unwrap();
    let counts: Vec<(&str, u64, u64, usize)> = groups
        .iter()
        .map(|g| {
            (
                g["outcome"].as_str().unwrap(),
                g["path_count"].as_u64().unwrap(),
                g["more_paths"].as_u64().unwrap(),
                g["paths"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(counts, [("o-clot", 3, 0, 3), ("o-cyst", 11, 6, 5)]);
    let files = render(&loaded);
    assert_eq!(
        files["causes/cyst/index.html"]
            .matches("class=\"reached-by\"")
            .count(),
        8
    );
}

#[test]
fn the_tree_accepts_sources_and_reviewed_by_and_checks_the_sources() {
    let temp = site("_shared");
    let tree = temp.path().join(TREE);
    let text = std::fs::read_to_string(&tree).unwrap();
    let with = |sources: &str| {
        text.replacen(
            "start: q-emergency\n",
            &format!(
                "start: q-emergency\nreviewed_by: {{name: \"Dr A. Example\", role: \"General practitioner\", date: 2026-05-01}}\nsources:\n  - {{id: nhs, title: Knee pain, url: \"{sources}\"}}\n"
            ),
            1,
        )
    };
    std::fs::write(&tree, with("https://www.nhs.uk/conditions/knee-pain/")).unwrap();
    let loaded = load_ok(temp.path());
    let (_, meta) = loaded.main().content.tree().unwrap();
    assert_eq!(meta.sources[0].id, "nhs");
    assert_eq!(
        meta.reviewed_by.as_ref().unwrap().role,
        "General practitioner"
    );

    std::fs::write(&tree, with("http://www.nhs.uk/conditions/knee-pain/")).unwrap();
    let found: Vec<Diagnostic> = match kneeguide::load(&options(temp.path())) {
        Ok(_) => panic!("expected E015"),
        Err(d) => d.into_iter().collect(),
    };
    assert!(
        has(
            &found,
            "E015",
            &["is not an https:// address"],
            (TREE, 9, 38)
        ),
        "{}",
        shown(&found)
    );
}

/// The repository's own site: its tree compiles cleanly and its paths equal the golden list.
#[test]
fn the_guide_tree_compiles_and_matches_the_golden_paths() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let loaded = kneeguide::load(&common::options(&root))
        .unwrap_or_else(|d| panic!("the guide does not build:\n{d}"));
    let tree_warnings: Vec<&Diagnostic> = loaded
        .warnings
        .iter()
        // Safety-case coverage (W010-W012) is the business of the guide's own cases test.
        .filter(|d| !matches!(d.code, "W010" | "W011" | "W012"))
        .filter(|d| {
            d.location
                .as_ref()
                .is_some_and(|l| l.file == Path::new(TREE))
        })
        .collect();
    assert!(tree_warnings.is_empty(), "{tree_warnings:?}");
    let tree = loaded
        .main()
        .tree
        .as_ref()
        .expect("the guide has a decision tree");
    let actual = tree.paths_text();
    let golden_path = root.join(GOLDEN);
    let golden = std::fs::read_to_string(&golden_path).unwrap_or_default();
    if golden != actual {
        let only_in = |a: &str, b: &str, sign: char| -> Vec<String> {
            a.lines()
                .filter(|line| !b.lines().any(|other| other == *line))
                .map(|line| format!("{sign} {line}"))
                .collect()
        };
        let mut changes = only_in(&golden, &actual, '-');
        changes.extend(only_in(&actual, &golden, '+'));
        panic!(
            "the decision tree's paths differ from {GOLDEN} (- committed, + this build):\n{}\n\n\
             If the change is intended, write the new list, review it and commit it:\n\
             \n    cargo run -- tree paths > {GOLDEN}\n    git diff {GOLDEN}\n",
            changes.join("\n")
        );
    }
    let files = render(&loaded);
    check_tree_pages(&loaded, &files);
    let start = &files["decision-tree/index.html"];
    assert!(
        start.contains("js/decision-tree."),
        "the script is linked by its hashed name"
    );
    assert!(
        !start.contains("<script>") && !start.contains("<script defer>"),
        "no inline script"
    );
}

/// Issue 14 point 1: a configured number written out in a tree text is a warning that names
/// its placeholder, at the text.
#[test]
fn w050_a_number_written_out_in_the_tree_suggests_its_placeholder() {
    let found = warnings("w050-number");
    assert!(
        has(
            &found,
            "W050",
            &["the number 112 is written out", "`emergency_number`"],
            (TREE, 51, 14)
        ),
        "{}",
        shown(&found)
    );
}
