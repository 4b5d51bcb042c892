//! The decision tree as authors write it, in the front matter of `content/decision-tree.md`.
//! Its types end in `Meta` like every front matter's; the compiled, checked tree that templates
//! see is `decision_tree::{Tree, Question, Answer, Outcome}`.

use serde::{Deserialize, Serialize};

use crate::content::meta::{Audience, Date, ReviewedBy, Source, Urgency};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TreeMeta {
    pub title: String,
    /// Short label for the main navigation; default: `title`.
    #[serde(default)]
    pub nav_title: Option<String>,
    pub description: String,
    pub last_reviewed: Date,
    pub next_review: Date,
    /// Id of the first question (it must be in the `emergency` phase).
    pub start: String,
    pub questions: Vec<QuestionMeta>,
    pub outcomes: Vec<OutcomeMeta>,
    /// Where the tree's advice comes from (checked like a page's `sources`).
    #[serde(default)]
    pub sources: Vec<Source>,
    /// The clinician who last reviewed the tree, if any.
    #[serde(default)]
    pub reviewed_by: Option<ReviewedBy>,
    #[serde(default)]
    pub draft: bool,
}

/// Questions are asked in this order along every path: life-threatening signs first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Emergency,
    Context,
    RedFlags,
    Triage,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Emergency => "emergency",
            Phase::Context => "context",
            Phase::RedFlags => "red_flags",
            Phase::Triage => "triage",
        }
    }

    /// Safety questions: an "I'm not sure" answer on them must lead where the most urgent answer leads.
    pub fn is_safety(self) -> bool {
        matches!(self, Phase::Emergency | Phase::RedFlags)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionMeta {
    pub id: String,
    pub phase: Phase,
    pub audience: Vec<Audience>,
    pub heading: String,
    #[serde(default)]
    pub items: Vec<String>,
    #[serde(default)]
    pub hint: Option<String>,
    pub answers: Vec<AnswerMeta>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerMeta {
    pub id: String,
    pub label: String,
    pub next: String,
    /// "I'm not sure": must lead where the most urgent sibling leads.
    #[serde(default)]
    pub unsure: bool,
    /// "None of these": the one answer allowed to lead somewhere less urgent.
    #[serde(default)]
    pub none: bool,
    #[serde(default)]
    pub sets_audience: Option<Audience>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeMeta {
    pub id: String,
    pub urgency: Urgency,
    /// Cause ids, most likely first. Empty only with urgency >= urgent and a `note`.
    pub causes: Vec<String>,
    pub heading: String,
    pub body: String,
    #[serde(default)]
    pub note: Option<String>,
    /// Optional cause pages to offer as "other causes that can look similar" (they are not the
    /// outcome's causes: no urgency floor applies). When an outcome has no causes and no
    /// `see_also`, the build offers the causes of the other answers of the questions leading there.
    #[serde(default)]
    pub see_also: Vec<String>,
    /// What to watch for after reading a less urgent outcome; required below `emergency` (its
    /// `emergency` list) and below `urgent` (its `urgent` list).
    #[serde(default)]
    pub safety_net: SafetyNet,
    /// Guide pages to read next, as content paths (`first-aid.md`).
    #[serde(default)]
    pub pages: Vec<String>,
}

/// The outcome's safety net, in the grammar of a cause's `when_to_get_help`: each `emergency`
/// line completes "Call {emergency_number} now if:", each `urgent` line "Get medical help today if:".
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SafetyNet {
    #[serde(default)]
    pub emergency: Vec<String>,
    #[serde(default)]
    pub urgent: Vec<String>,
}
