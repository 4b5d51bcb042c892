//! The tree as a graph: questions are nodes with one edge per answer; outcomes are leaves.
//! Pure functions (no content, no diagnostics) so they can be tested on small graphs.

use crate::content::meta::Urgency;

/// Where an answer leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    Question(usize),
    Outcome(usize),
}

/// One answer taken: (question index, answer index).
pub type Edge = (usize, usize);

/// `edges[q]` lists the answers of question `q` that lead somewhere: (answer index, target).
/// Answers whose target does not resolve are simply absent.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub edges: Vec<Vec<(usize, Node)>>,
    pub outcomes: usize,
}

impl Graph {
    pub fn target(&self, (question, answer): Edge) -> Option<Node> {
        self.edges[question]
            .iter()
            .find(|(a, _)| *a == answer)
            .map(|(_, node)| *node)
    }

    /// The same graph without the given edges (used to drop the edges that close cycles).
    pub fn without(&self, removed: &[Edge]) -> Graph {
        Graph {
            edges: self
                .edges
                .iter()
                .enumerate()
                .map(|(q, edges)| {
                    edges
                        .iter()
                        .filter(|(a, _)| !removed.contains(&(q, *a)))
                        .copied()
                        .collect()
                })
                .collect(),
            outcomes: self.outcomes,
        }
    }
}

/// A loop: the edges from the first question of the loop back to it; the last edge closes it.
pub type Cycle = Vec<Edge>;

/// Finds every edge that closes a loop (depth-first, three colours), starting from `start` and
/// then from every question not yet visited, so loops in unreachable parts are found too.
pub fn cycles(graph: &Graph, start: Option<usize>) -> Vec<Cycle> {
    #[derive(Clone, Copy, PartialEq)]
    enum Colour {
        White,
        Grey,
        Black,
    }
    fn visit(
        graph: &Graph,
        question: usize,
        colour: &mut [Colour],
        stack: &mut Vec<Edge>,
        found: &mut Vec<Cycle>,
    ) {
        colour[question] = Colour::Grey;
        for &(answer, node) in &graph.edges[question] {
            let Node::Question(next) = node else { continue };
            match colour[next] {
                Colour::White => {
                    stack.push((question, answer));
                    visit(graph, next, colour, stack, found);
                    stack.pop();
                }
                Colour::Grey => {
                    // The loop starts where `next` was entered (or at `next` itself: a self-loop).
                    let from = stack
                        .iter()
                        .position(|&(q, _)| q == next)
                        .unwrap_or(stack.len());
                    let mut cycle: Cycle = stack[from..].to_vec();
                    cycle.push((question, answer));
                    found.push(cycle);
                }
                Colour::Black => {}
            }
        }
        colour[question] = Colour::Black;
    }
    let count = graph.edges.len();
    let mut colour = vec![Colour::White; count];
    let mut found = Vec::new();
    let mut stack = Vec::new();
    for question in start.into_iter().chain(0..count) {
        if question < count && colour[question] == Colour::White {
            visit(graph, question, &mut colour, &mut stack, &mut found);
        }
    }
    found
}

/// Which questions and outcomes can be reached from any of `starts` (breadth-first).
pub fn reachable(graph: &Graph, starts: &[usize]) -> (Vec<bool>, Vec<bool>) {
    let mut questions = vec![false; graph.edges.len()];
    let mut outcomes = vec![false; graph.outcomes];
    let mut queue = std::collections::VecDeque::new();
    for &start in starts {
        if !questions[start] {
            questions[start] = true;
            queue.push_back(start);
        }
    }
    while let Some(question) = queue.pop_front() {
        for &(_, node) in &graph.edges[question] {
            match node {
                Node::Question(next) if !questions[next] => {
                    questions[next] = true;
                    queue.push_back(next);
                }
                Node::Outcome(outcome) => outcomes[outcome] = true,
                Node::Question(_) => {}
            }
        }
    }
    (questions, outcomes)
}

/// How many pages a walk from `start` produces (one per question or outcome on each path),
/// saturating, without listing them. `graph` must have no loops.
pub fn count_steps(graph: &Graph, start: usize) -> u64 {
    fn count(graph: &Graph, question: usize, memo: &mut [Option<u64>]) -> u64 {
        if let Some(known) = memo[question] {
            return known;
        }
        let mut total: u64 = 1;
        for &(_, node) in &graph.edges[question] {
            let below = match node {
                Node::Question(next) => count(graph, next, memo),
                Node::Outcome(_) => 1,
            };
            total = total.saturating_add(below);
        }
        memo[question] = Some(total);
        total
    }
    count(graph, start, &mut vec![None; graph.edges.len()])
}

/// One page on one path: the answers taken so far and where they lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub answers: Vec<Edge>,
    pub node: Node,
}

/// Every step of every path from `start`, depth-first in answer order (a parent before its
/// children). `graph` must have no loops.
pub fn steps(graph: &Graph, start: usize) -> Vec<Step> {
    fn walk(graph: &Graph, question: usize, answers: &mut Vec<Edge>, out: &mut Vec<Step>) {
        out.push(Step {
            answers: answers.clone(),
            node: Node::Question(question),
        });
        for &(answer, node) in &graph.edges[question] {
            answers.push((question, answer));
            match node {
                Node::Question(next) => walk(graph, next, answers, out),
                Node::Outcome(_) => out.push(Step {
                    answers: answers.clone(),
                    node,
                }),
            }
            answers.pop();
        }
    }
    let mut out = Vec::new();
    walk(graph, start, &mut Vec::new(), &mut out);
    out
}

/// The least and the most urgent outcome reachable from each question (`None` when no outcome
/// is reachable). `graph` must have no loops.
pub fn urgency_bounds(graph: &Graph, urgency: &[Urgency]) -> Vec<Option<(Urgency, Urgency)>> {
    fn bounds(
        graph: &Graph,
        urgency: &[Urgency],
        question: usize,
        memo: &mut Vec<Option<Option<(Urgency, Urgency)>>>,
    ) -> Option<(Urgency, Urgency)> {
        if let Some(known) = memo[question] {
            return known;
        }
        let mut result: Option<(Urgency, Urgency)> = None;
        for &(_, node) in &graph.edges[question] {
            let below = match node {
                Node::Question(next) => bounds(graph, urgency, next, memo),
                Node::Outcome(outcome) => Some((urgency[outcome], urgency[outcome])),
            };
            if let Some((low, high)) = below {
                result = Some(match result {
                    Some((l, h)) => (l.min(low), h.max(high)),
                    None => (low, high),
                });
            }
        }
        memo[question] = Some(result);
        result
    }
    let mut memo = vec![None; graph.edges.len()];
    (0..graph.edges.len())
        .map(|question| bounds(graph, urgency, question, &mut memo))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Node::{Outcome as O, Question as Q};

    fn graph(edges: Vec<Vec<Node>>, outcomes: usize) -> Graph {
        Graph {
            edges: edges
                .into_iter()
                .map(|targets| targets.into_iter().enumerate().collect())
                .collect(),
            outcomes,
        }
    }

    #[test]
    fn finds_no_cycle_in_a_tree_or_a_dag() {
        let g = graph(
            vec![vec![Q(1), Q(2)], vec![Q(2), O(0)], vec![O(1), O(0)]],
            2,
        );
        assert!(cycles(&g, Some(0)).is_empty());
    }

    #[test]
    fn reports_the_loop_path() {
        // 0 -a0-> 1 -a1-> 2 -a0-> 1 (loop 1 -> 2 -> 1), and 2 -a1-> outcome.
        let g = graph(vec![vec![Q(1)], vec![O(0), Q(2)], vec![Q(1), O(0)]], 1);
        assert_eq!(cycles(&g, Some(0)), vec![vec![(1, 1), (2, 0)]]);
    }

    #[test]
    fn reports_self_loops_and_loops_out_of_reach() {
        let g = graph(vec![vec![O(0), Q(0)], vec![Q(2)], vec![Q(1)]], 1);
        let found = cycles(&g, Some(0));
        assert_eq!(found, vec![vec![(0, 1)], vec![(1, 0), (2, 0)]]);
        let without = g.without(&[(0, 1), (2, 0)]);
        assert!(cycles(&without, Some(0)).is_empty());
    }

    #[test]
    fn reachability_from_start() {
        let g = graph(vec![vec![Q(1), O(0)], vec![O(1), O(1)], vec![O(2)]], 3);
        let (questions, outcomes) = reachable(&g, &[0]);
        assert_eq!(questions, vec![true, true, false]);
        assert_eq!(outcomes, vec![true, true, false]);
        let (questions, outcomes) = reachable(&g, &[0, 2]);
        assert_eq!(questions, vec![true, true, true]);
        assert_eq!(outcomes, vec![true, true, true]);
    }

    #[test]
    fn enumerates_every_step_of_every_path() {
        // A DAG: question 2 is reached along two paths, so it has two pages.
        let g = graph(
            vec![vec![Q(1), Q(2)], vec![Q(2), O(0)], vec![O(1), O(0)]],
            2,
        );
        let all = steps(&g, 0);
        let shown: Vec<String> = all
            .iter()
            .map(|s| {
                let path: Vec<String> = s.answers.iter().map(|(q, a)| format!("{q}{a}")).collect();
                format!("{}={:?}", path.join("/"), s.node)
            })
            .collect();
        assert_eq!(
            shown,
            [
                "=Question(0)",
                "00=Question(1)",
                "00/10=Question(2)",
                "00/10/20=Outcome(1)",
                "00/10/21=Outcome(0)",
                "00/11=Outcome(0)",
                "01=Question(2)",
                "01/20=Outcome(1)",
                "01/21=Outcome(0)",
            ]
        );
        assert_eq!(count_steps(&g, 0), all.len() as u64);
    }

    #[test]
    fn counting_saturates_instead_of_enumerating() {
        // 70 questions in a row, each with two answers to the next: 2^70 paths.
        let mut edges: Vec<Vec<Node>> = (0..70).map(|q| vec![Q(q + 1), Q(q + 1)]).collect();
        edges.push(vec![O(0), O(0)]);
        assert_eq!(count_steps(&graph(edges, 1), 0), u64::MAX);
    }

    #[test]
    fn urgency_bounds_cover_everything_below() {
        use Urgency::*;
        let g = graph(vec![vec![Q(1), O(0)], vec![O(1), O(2)], vec![]], 3);
        let bounds = urgency_bounds(&g, &[Emergency, Routine, SelfCare]);
        assert_eq!(bounds[0], Some((SelfCare, Emergency)));
        assert_eq!(bounds[1], Some((SelfCare, Routine)));
        assert_eq!(bounds[2], None);
    }
}
