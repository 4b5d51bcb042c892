//! A translated tree (`decision-tree.de.md`) may change words only. Its shape — question and
//! answer ids, where each answer leads, urgencies, audiences, the causes and pages an outcome
//! links, and how many warning signs and safety-net lines it lists — must be the main
//! language's, so that the safety cases proven on one tree hold for the other (E113).

use serde::Serialize;

use super::positions::Positions;
use crate::content::tree_meta::TreeMeta;
use crate::content::{Content, Page};
use crate::diagnostics::Diagnostic;
use crate::yaml::Key;

/// Compares the tree of `translated` (another language's edition) with the tree of `main`;
/// every difference is an error located in the translation.
pub fn compare(main: &Content, translated: &Content, diagnostics: &mut Vec<Diagnostic>) {
    let (Some((main_page, main_tree)), Some((page, tree))) = (main.tree(), translated.tree())
    else {
        return;
    };
    if page.untranslated {
        return;
    }
    let positions = Positions::new(&page.file, page.parts.yaml.clone());
    let mut check = Check {
        original: main_page,
        positions: &positions,
        diagnostics,
    };
    check.shape(main_tree, tree);
}

struct Check<'a> {
    original: &'a Page,
    positions: &'a Positions,
    diagnostics: &'a mut Vec<Diagnostic>,
}

/// A value as messages quote it: `o-clot-risk`, `["adult","child"]`.
fn shown<T: Serialize>(value: &T) -> String {
    let json = serde_json::to_string(value).unwrap_or_default();
    json.strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .map_or(json.clone(), str::to_owned)
}

impl Check<'_> {
    /// E113 when `here` (the translation's) differs from `there` (the main tree's).
    fn same<T: Serialize + PartialEq>(&mut self, what: &str, here: &T, there: &T, keys: &[Key]) {
        if here == there {
            return;
        }
        self.diagnostics.push(
            Diagnostic::error(
                "E113",
                format!(
                    "the translated tree changes {what}: `{}` here, `{}` in {}",
                    shown(here),
                    shown(there),
                    self.original.file.path.display()
                ),
            )
            .at(self.positions.locate(keys))
            .with_help(format!(
                "a translation changes words only; ids, `next`, urgencies, audiences, causes, pages and the number of listed signs must be those of {}",
                self.original.file.path.display()
            )),
        );
    }

    fn shape(&mut self, main: &TreeMeta, tree: &TreeMeta) {
        self.same(
            "the first question (`start`)",
            &tree.start,
            &main.start,
            &[Key::Field("start")],
        );
        let question_ids =
            |t: &TreeMeta| t.questions.iter().map(|q| q.id.clone()).collect::<Vec<_>>();
        if tree.questions.len() != main.questions.len() {
            self.same(
                "the questions",
                &question_ids(tree),
                &question_ids(main),
                &[Key::Field("questions")],
            );
        }
        for (qi, (q, mq)) in tree.questions.iter().zip(&main.questions).enumerate() {
            let at =
                |field: &'static str| [Key::Field("questions"), Key::Index(qi), Key::Field(field)];
            self.same(
                &format!("question {}'s id", qi + 1),
                &q.id,
                &mq.id,
                &at("id"),
            );
            let name = format!("question `{}`", mq.id);
            self.same(
                &format!("the phase of {name}"),
                &q.phase,
                &mq.phase,
                &at("phase"),
            );
            self.same(
                &format!("the audience of {name}"),
                &q.audience,
                &mq.audience,
                &at("audience"),
            );
            self.same(
                &format!("the number of signs listed under {name}"),
                &q.items.len(),
                &mq.items.len(),
                &at("items"),
            );
            self.same(
                &format!("whether {name} has a hint"),
                &q.hint.is_some(),
                &mq.hint.is_some(),
                &at("hint"),
            );
            let answer_ids = |answers: &[crate::content::tree_meta::AnswerMeta]| {
                answers.iter().map(|a| a.id.clone()).collect::<Vec<_>>()
            };
            if q.answers.len() != mq.answers.len() {
                self.same(
                    &format!("the answers of {name}"),
                    &answer_ids(&q.answers),
                    &answer_ids(&mq.answers),
                    &at("answers"),
                );
            }
            for (ai, (a, ma)) in q.answers.iter().zip(&mq.answers).enumerate() {
                let at = |field: &'static str| {
                    [
                        Key::Field("questions"),
                        Key::Index(qi),
                        Key::Field("answers"),
                        Key::Index(ai),
                        Key::Field(field),
                    ]
                };
                self.same(
                    &format!("answer {} of {name}", ai + 1),
                    &a.id,
                    &ma.id,
                    &at("id"),
                );
                let answer = format!("where answer `{}` of {name} leads", ma.id);
                self.same(&answer, &a.next, &ma.next, &at("next"));
                let answer = format!("answer `{}` of {name}", ma.id);
                self.same(
                    &format!("whether {answer} is \"not sure\""),
                    &a.unsure,
                    &ma.unsure,
                    &at("unsure"),
                );
                self.same(
                    &format!("whether {answer} is \"none of these\""),
                    &a.none,
                    &ma.none,
                    &at("none"),
                );
                self.same(
                    &format!("the audience {answer} sets"),
                    &a.sets_audience,
                    &ma.sets_audience,
                    &at("sets_audience"),
                );
            }
        }
        let outcome_ids =
            |t: &TreeMeta| t.outcomes.iter().map(|o| o.id.clone()).collect::<Vec<_>>();
        if tree.outcomes.len() != main.outcomes.len() {
            self.same(
                "the outcomes",
                &outcome_ids(tree),
                &outcome_ids(main),
                &[Key::Field("outcomes")],
            );
        }
        for (oi, (o, mo)) in tree.outcomes.iter().zip(&main.outcomes).enumerate() {
            let at =
                |field: &'static str| [Key::Field("outcomes"), Key::Index(oi), Key::Field(field)];
            self.same(
                &format!("outcome {}'s id", oi + 1),
                &o.id,
                &mo.id,
                &at("id"),
            );
            let name = format!("outcome `{}`", mo.id);
            self.same(
                &format!("the urgency of {name}"),
                &o.urgency,
                &mo.urgency,
                &at("urgency"),
            );
            self.same(
                &format!("the causes of {name}"),
                &o.causes,
                &mo.causes,
                &at("causes"),
            );
            self.same(
                &format!("the similar causes of {name}"),
                &o.see_also,
                &mo.see_also,
                &at("see_also"),
            );
            self.same(
                &format!("the pages {name} links"),
                &o.pages,
                &mo.pages,
                &at("pages"),
            );
            self.same(
                &format!("whether {name} has a note"),
                &o.note.is_some(),
                &mo.note.is_some(),
                &at("note"),
            );
            let net = [
                Key::Field("outcomes"),
                Key::Index(oi),
                Key::Field("safety_net"),
            ];
            let lines = |list: &[String]| list.len();
            self.same(
                &format!("the number of emergency signs in the safety net of {name}"),
                &lines(&o.safety_net.emergency),
                &lines(&mo.safety_net.emergency),
                &[net[0], net[1], net[2], Key::Field("emergency")],
            );
            self.same(
                &format!("the number of same-day signs in the safety net of {name}"),
                &lines(&o.safety_net.urgent),
                &lines(&mo.safety_net.urgent),
                &[net[0], net[1], net[2], Key::Field("urgent")],
            );
        }
    }
}
