#!/usr/bin/env python3
"""How `kneeguide check` scales with the size of the decision tree: time and peak memory.

    python3 tests/bench/tree_scale.py                       # 100 to 2,000 questions, 3 runs each
    python3 tests/bench/tree_scale.py --sizes 100,500 --runs 5 --shapes balanced
    python3 tests/bench/tree_scale.py --bin /tmp/old-kneeguide   # compare another binary

Generates each tree in a temporary folder (standard library only; deterministic), runs
`kneeguide check --root <site>` on it `--runs` times and prints the median wall time and the
median peak resident memory (from wait4's rusage, so of that process alone). Not a test: it
asserts nothing; it prints figures to compare before and after a change.

Shapes:
  balanced     N questions in a complete tree, three answers each (a question, or an outcome
               shared by the question's other answers): depth grows with log N, pages with N.
               A valid tree; its safety cases walk one path to every outcome.
  unreachable  a valid five-question tree plus N questions nothing points to: one located
               error (E007) per question, the case that used to re-parse the file per error.
  chain        N questions in a row, each with an answer to an outcome and one to the next
               question. Every page lists the answers so far and links back by relative URLs,
               so the output itself grows with N^2 (N^3 bytes with `../` prefixes): shown for
               the validation's sake up to --chain-max questions.

Every tree passes with a binary that predates safety nets (outcomes are all `emergency`, so none
needs one); the cases file is ignored by such a binary.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CAUSES = 4

# A minimal theme shaped like the guide's: question pages with answer links, outcome pages with
# the answers so far (each with a "Change" link), cause pages listing the paths that lead there.
TEMPLATES = {
    "base.html": '<!doctype html><html lang="en"><head><title>{{ page.title }}</title></head>'
    "<body>{% block before_main %}{% endblock before_main %}"
    "<main>{% block content %}{% endblock content %}</main></body></html>\n",
    "index.html": '{% extends "base.html" %}{% block content %}<h1>{{ page.title }}</h1>'
    "{{ page.content | safe }}{% endblock content %}\n",
    "page.html": '{% extends "base.html" %}{% block content %}<h1>{{ page.title }}</h1>'
    "{{ page.content | safe }}{% endblock content %}\n",
    "404.html": '{% extends "base.html" %}{% block content %}<h1>Not found</h1>{% endblock content %}\n',
    "cause.html": '{% extends "base.html" %}{% block content %}<h1>{{ page.title }}</h1>\n'
    "{%- for group in extra?.reached_by_outcome or [] %}<h2>{{ group.heading }}</h2>\n"
    "{%- for path in group.paths %}<p>{%- for step in path.steps %}"
    "<span>{{ step.question }} <strong>{{ step.answer }}</strong></span>{%- endfor %}"
    '<a href="{{ root }}{{ path.url }}">See this result</a></p>\n'
    "{%- endfor %}{%- endfor %}{% endblock content %}\n",
    "decision-tree/start.html": '{% extends "base.html" %}{% block content %}<h1>{{ page.title }}</h1>'
    '{{ tree.intro_html | safe }}<a href="{{ root }}{{ tree.start_url }}">Start now</a>'
    "{% endblock content %}\n",
    "decision-tree/question.html": '{% extends "base.html" %}{% block before_main %}'
    '<a href="{{ root }}{{ back_url }}">Back</a>{% endblock before_main %}'
    "{% block content %}<h1>{{ step.heading }}</h1>\n{%- for answer in step.answers %}"
    '<a href="{{ root }}{{ answer.url }}">{{ answer.label }}</a>\n{%- endfor %}{% endblock content %}\n',
    "decision-tree/outcome.html": '{% extends "base.html" %}{% block content %}<h1>{{ outcome.heading }}</h1>'
    "<p>{{ outcome.body }}</p>\n{%- for cause in outcome.causes %}"
    '<a href="{{ root }}{{ cause.url }}">{{ cause.title }}</a>\n{%- endfor %}'
    "{%- for row in answers %}<p>{{ row.question }}: {{ row.answer }} "
    '<a href="{{ root }}{{ row.change_url }}">Change</a></p>\n{%- endfor %}{% endblock content %}\n',
}

SITE_YAML = """title: Scale
description: A generated decision tree.
language: en
base_url: https://example.org/
emergency_number: "112"
urgent_help: your doctor
"""

CAUSE = """---
title: Cause {i}
summary: A generated cause with a summary long enough for the summary length check here.
group: swelling
audience: [adult, child]
min_urgency: self_care
symptoms: [Pain behind the knee]
when_to_get_help:
  routine: [it does not get better]
sources:
  - id: source-article
    title: The source article
last_reviewed: 2026-01-10
next_review: 2027-01-10
---
What it is.
"""

HOME = """---
title: Home
description: Home page.
last_reviewed: 2026-01-10
---
Home.
"""


def question(i, phase, answers):
    lines = [
        f"  - id: q{i}",
        f"    phase: {phase}",
        "    audience: [adult, child]",
        f'    heading: "Question {i}?"',
        "    answers:",
    ]
    for aid, target in answers:
        lines.append(f'      - {{id: "{aid}", label: "Answer {aid}", next: {target}}}')
    return "\n".join(lines)


def outcome(oid, cause):
    return "\n".join(
        [
            f"  - id: {oid}",
            "    urgency: emergency",
            f"    causes: [c{cause}]",
            f'    heading: "Outcome {oid}"',
            '    body: "Call {emergency_number}."',
        ]
    )


def balanced(n):
    """Question i has children 3i+1..3i+3 where they exist; other answers share outcome o{i}."""
    questions, outcomes, cases = [], [], []
    paths_to = {0: []}
    for i in range(n):
        answers, leaves = [], []
        for k in range(3):
            child = 3 * i + 1 + k
            aid = f"a{k}"
            if child < n:
                answers.append((aid, f"q{child}"))
                paths_to[child] = paths_to[i] + [aid]
            else:
                answers.append((aid, f"o{i}"))
                leaves.append(paths_to[i] + [aid])
        questions.append(question(i, "emergency" if i == 0 else "context", answers))
        if leaves:
            outcomes.append(outcome(f"o{i}", i % CAUSES))
            cases.append((f"case-{i}", leaves))
    return questions, outcomes, cases


def unreachable(n):
    questions, outcomes, cases = balanced(5)
    for i in range(5, 5 + n):
        questions.append(question(i, "context", [("a0", "o1"), ("a1", "o1")]))
    return questions, outcomes, cases


def chain(n):
    questions, outcomes, cases = [], [], []
    for i in range(n):
        last = i == n - 1
        answers = [("stop", f"o{i}"), ("go", f"o{i}" if last else f"q{i + 1}")]
        questions.append(question(i, "emergency" if i == 0 else "context", answers))
        outcomes.append(outcome(f"o{i}", i % CAUSES))
        paths = [["go"] * i + ["stop"]] + ([["go"] * n] if last else [])
        cases.append((f"case-{i}", paths))
    return questions, outcomes, cases


SHAPES = {"balanced": balanced, "unreachable": unreachable, "chain": chain}


def write_site(folder, shape, n):
    questions, outcomes, cases = SHAPES[shape](n)
    content = folder / "content"
    (content / "causes").mkdir(parents=True)
    (folder / "site.yaml").write_text(SITE_YAML)
    for name, text in TEMPLATES.items():
        path = folder / "themes/default/templates" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (content / "_index.md").write_text(HOME)
    for i in range(CAUSES):
        (content / "causes" / f"c{i}.md").write_text(CAUSE.format(i=i))
    tree = [
        "---",
        "title: Find the cause",
        "description: A generated decision tree.",
        "last_reviewed: 2026-01-10",
        "next_review: 2027-01-10",
        "start: q0",
        "questions:",
        *questions,
        "outcomes:",
        *outcomes,
        "---",
        "The checker.",
        "",
    ]
    (content / "decision-tree.md").write_text("\n".join(tree))
    lines = ["cases:"]
    for cid, paths in cases:
        lines += [f"  - id: {cid}", "    story: A generated reader.", "    paths:"]
        for path in paths:
            lines.append("      - [" + ", ".join(f'"{a}"' for a in path) + "]")
        lines += ["    expect:", "      min_urgency: emergency"]
    (content / "decision-tree.cases.yaml").write_text("\n".join(lines) + "\n")


def measure(binary, site):
    """(seconds, peak RSS in MB, exit code) of one `check`."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [binary, "check", "--root", str(site)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=str(ROOT / "target/release/kneeguide"))
    parser.add_argument("--sizes", default="100,250,500,1000,2000")
    parser.add_argument("--shapes", default="balanced,unreachable,chain")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--chain-max", type=int, default=500)
    parser.add_argument("--timeout-s", type=float, default=120.0,
                        help="skip larger sizes of a shape once one run takes longer")
    args = parser.parse_args()
    if not Path(args.bin).exists():
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"binary: {args.bin}")
    print(f"{'shape':<12} {'questions':>9} {'median s':>9} {'peak MB':>8} {'exit':>5}")
    for shape in args.shapes.split(","):
        for n in sizes:
            if shape == "chain" and n > args.chain_max:
                continue
            with tempfile.TemporaryDirectory(prefix="kneeguide-tree-") as temp:
                site = Path(temp)
                write_site(site, shape, n)
                runs = [measure(args.bin, site) for _ in range(args.runs)]
            seconds = statistics.median(r[0] for r in runs)
            peak = statistics.median(r[1] for r in runs)
            codes = sorted({r[2] for r in runs})
            print(f"{shape:<12} {n:>9} {seconds:>9.3f} {peak:>8.1f} {','.join(map(str, codes)):>5}",
                  flush=True)
            if seconds > args.timeout_s:
                print(f"{shape:<12} (larger sizes skipped: over {args.timeout_s:.0f} s)")
                break
    return 0


if __name__ == "__main__":
    sys.exit(main())
