#!/usr/bin/env python3
"""Side-by-side build-speed benchmark: kneeguide against Hugo (and Zola when it is on PATH).

For each N it writes the same synthetic site deterministically (seeded PRNG) in each tool's own
format under /dev/shm/kneeguide-bench/<N>/, builds every tool alternately, pair by pair, after a
warm-up, cleaning the output before each run, checks that each build produced N pages (plus a home
page linking every page and a sitemap naming every page), and prints the median wall and CPU time,
pages per second, peak RSS and the kneeguide / Hugo ratios (median of the per-pair ratios).

    python3 tests/bench/bench.py --pages 1000,10000 --runs 5

Python 3.11 standard library only. See tests/bench/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_KNEEGUIDE = REPO / "target" / "release" / "kneeguide"
DEFAULT_DIR = Path("/dev/shm/kneeguide-bench")
MARKER = ".kneeguide-bench"
GENERATOR_VERSION = 1

# Targets from issue 6, checked at TARGET_N pages.
TARGET_N = 10_000
SCALING_SMALL, SCALING_LARGE = 1_000, 10_000
TARGET_CPU_RATIO = 0.15
TARGET_WALL_S = 2.0
TARGET_RSS_MIB = 225.0
TARGET_SCALING = 11.0

# --------------------------------------------------------------------------------------------
# Synthetic content
# --------------------------------------------------------------------------------------------

WORDS = """
knee joint tendon muscle calf thigh swelling pain stiffness bend straighten walk stairs running
cyclist football player morning evening week month rest ice compress elevate doctor nurse physio
exercise stretch strength balance injury strain sprain cartilage meniscus ligament fluid cyst
vein clot skin warmth redness bruise tender gentle sudden slowly often sometimes usually rarely
back front side inner outer hollow crease bone nerve tingling numb weak load weight standing
sitting kneeling squat jump twist turn landing sport garden work shoe floor step path hill
simple clear short plain careful common likely possible serious mild moderate severe early late
check measure notice record compare describe explain treat support protect recover heal return
""".split()
WORDS = sorted(set(WORDS))
HEADINGS = ["Overview", "What you may notice", "Why it happens", "What helps", "Details",
            "Comparison", "Further reading", "Practical steps", "Background", "Summary"]


@dataclass
class Page:
    """One synthetic page, independent of any tool: links are page numbers, rendered per tool."""

    number: int
    title: str
    description: str
    date: str
    blocks: list  # ("h2"|"h3", text) ("p", spans) ("ul"|"ol", [spans]) ("quote", spans) ("table", rows)


def sentence(rng: random.Random, n: int) -> list[str]:
    words = [rng.choice(WORDS) for _ in range(n)]
    words[0] = words[0].capitalize()
    return words


def tail(words: list[str]) -> str:
    """The rest of a sentence after a link or emphasis: its words, a full stop and a space."""
    return (" " + " ".join(words) if words else "") + ". "


def spans(rng: random.Random, n_words: int, n_pages: int, self_no: int, links: int) -> list:
    """A paragraph as a list of spans: ("t", text) ("em", text) ("strong", text) ("link", text, page)."""
    out: list = []
    left = n_words
    link_left = links
    while left > 0:
        n = min(left, rng.randint(8, 16))
        words = sentence(rng, n)
        roll = rng.random()
        if link_left and roll < 0.5 and n >= 6:
            target = rng.randrange(1, n_pages + 1)
            if target == self_no:
                target = target % n_pages + 1
            k = rng.randint(2, 4)
            i = rng.randint(1, n - k)
            out.append(("t", " ".join(words[:i]) + " "))
            out.append(("link", " ".join(words[i:i + k]), target))
            out.append(("t", tail(words[i + k:])))
            link_left -= 1
        elif roll < 0.7 and n >= 5:
            i = rng.randint(1, n - 2)
            kind = "em" if rng.random() < 0.5 else "strong"
            out.append(("t", " ".join(words[:i]) + " "))
            out.append((kind, " ".join(words[i:i + 2])))
            out.append(("t", tail(words[i + 2:])))
        else:
            out.append(("t", " ".join(words) + ". "))
        left -= n
    if out and out[-1][0] == "t":
        out[-1] = ("t", out[-1][1].rstrip())
    return out


def make_page(seed: int, number: int, n_pages: int, words: int) -> Page:
    # A string seed is hashed with SHA-512 by random.seed: stable across runs and Python builds.
    rng = random.Random(f"kneeguide-bench:{seed}:{number}")
    title = f"Page {number}: " + " ".join(rng.choice(WORDS) for _ in range(3))
    description = " ".join(sentence(rng, 12)) + "."
    while len(description) < 60:
        description = description[:-1] + " " + rng.choice(WORDS) + "."
    description = description[:150].rstrip(" .") + "."
    date = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"

    # Word budget (about `words` words in total): 6 paragraphs, 2 lists, a quote, a table.
    unit = max(words // 20, 4)
    headings = rng.sample(HEADINGS, 4)
    blocks: list = [
        ("p", spans(rng, unit * 3, n_pages, number, 1)),
        ("h2", headings[0]),
        ("p", spans(rng, unit * 3, n_pages, number, 1)),
        ("ul", [spans(rng, unit // 2 + 2, n_pages, number, 0) for _ in range(5)]),
        ("h2", headings[1]),
        ("p", spans(rng, unit * 3, n_pages, number, 1)),
        ("table", [["Sign", "How often", "What to do"]]
         + [[" ".join(sentence(rng, 2)), rng.choice(["often", "sometimes", "rarely"]),
             " ".join(sentence(rng, 4))] for _ in range(4)]),
        ("h3", headings[2]),
        ("quote", spans(rng, unit, n_pages, number, 0)),
        ("p", spans(rng, unit * 2, n_pages, number, 1)),
        ("h2", headings[3]),
        ("ol", [spans(rng, unit // 2 + 2, n_pages, number, 0) for _ in range(4)]),
        ("p", spans(rng, unit * 2, n_pages, number, 1)),
    ]
    return Page(number, title, description, date, blocks)


def render_spans(items: list, link) -> str:
    out = []
    for item in items:
        kind = item[0]
        if kind == "t":
            out.append(item[1])
        elif kind == "em":
            out.append(f"*{item[1]}*")
        elif kind == "strong":
            out.append(f"**{item[1]}**")
        else:
            out.append(f"[{item[1]}]({link(item[2])})")
    return "".join(out)


def render_markdown(page: Page, link) -> str:
    out = []
    for block in page.blocks:
        kind = block[0]
        if kind == "h2":
            out.append(f"## {block[1]}")
        elif kind == "h3":
            out.append(f"### {block[1]}")
        elif kind == "p":
            out.append(render_spans(block[1], link))
        elif kind == "quote":
            out.append("> " + render_spans(block[1], link))
        elif kind == "ul":
            out.append("\n".join("- " + render_spans(s, link) for s in block[1]))
        elif kind == "ol":
            out.append("\n".join(f"{i}. " + render_spans(s, link)
                                 for i, s in enumerate(block[1], 1)))
        elif kind == "table":
            rows = block[1]
            lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
            lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def stem(number: int, n_pages: int) -> str:
    return f"page-{number:0{max(5, len(str(n_pages)))}d}"


# --------------------------------------------------------------------------------------------
# Sites, one per tool
# --------------------------------------------------------------------------------------------

SITE_TITLE = "kneeguide benchmark"
SITE_DESCRIPTION = "A synthetic site for the build-speed benchmark."
HOME_TEXT = "Every page of the synthetic benchmark site is listed below.\n"


def yaml_str(text: str) -> str:
    return json.dumps(text)  # JSON strings are valid YAML scalars


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


class KneeguideSite:
    name = "kneeguide"

    @staticmethod
    def write(root: Path, pages: list[Page], n: int) -> None:
        write(root / "site.yaml", "\n".join([
            f"title: {SITE_TITLE}",
            f"description: {SITE_DESCRIPTION}",
            "language: en",
            "base_url: https://bench.example.org/",
            "theme: bench",
            'emergency_number: "112"',
            "urgent_help: your doctor",
        ]) + "\n")
        write(root / "content" / "_index.md",
              f"---\ntitle: {SITE_TITLE}\ndescription: {yaml_str(SITE_DESCRIPTION)}\n"
              f"last_reviewed: 2024-01-01\n---\n{HOME_TEXT}")
        for page in pages:
            body = render_markdown(page, lambda t: f"{stem(t, n)}.md")
            write(root / "content" / "pages" / f"{stem(page.number, n)}.md",
                  f"---\ntitle: {yaml_str(page.title)}\ndescription: {yaml_str(page.description)}\n"
                  f"last_reviewed: {page.date}\n---\n{body}")
        templates = root / "themes" / "bench" / "templates"
        head = ('<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                '<title>{{ page.title }}</title>\n'
                '<meta name="description" content="{{ page.description }}">\n</head>\n<body>\n')
        write(templates / "index.html", head +
              "<h1>{{ page.title }}</h1>\n{{ page.content | safe }}\n<ul>\n"
              '{% for p in pages %}<li><a href="{{ root }}{{ p.url }}">{{ p.title }}</a></li>\n'
              "{% endfor %}</ul>\n</body>\n</html>\n")
        write(templates / "page.html", head +
              "<h1>{{ page.title }}</h1>\n{{ page.content | safe }}\n</body>\n</html>\n")
        write(templates / "404.html", head.replace("{{ page.description }}", "") +
              '<h1>Page not found</h1>\n<a href="{{ root }}">Home</a>\n</body>\n</html>\n')
        # A theme needs its words in the site's language (E100 without them): the default
        # theme's, which these templates do not show.
        strings = root / "themes" / "bench" / "strings" / "en.yaml"
        strings.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / "themes" / "default" / "strings" / "en.yaml", strings)


class HugoSite:
    name = "hugo"

    @staticmethod
    def write(root: Path, pages: list[Page], n: int) -> None:
        write(root / "config.toml", "\n".join([
            'baseURL = "https://bench.example.org/"',
            'languageCode = "en"',
            f'title = "{SITE_TITLE}"',
            # No feeds, taxonomies or section lists; the home page, the pages, 404 and sitemap stay.
            'disableKinds = ["taxonomy", "term", "RSS", "section"]',
            "enableRobotsTXT = true",
            "disableHugoGeneratorInject = true",
            "enableGitInfo = false",
            "[markup.highlight]",
            "codeFences = false",
            "[sitemap]",
            'filename = "sitemap.xml"',
        ]) + "\n")
        write(root / "content" / "_index.md",
              f"---\ntitle: {yaml_str(SITE_TITLE)}\ndescription: {yaml_str(SITE_DESCRIPTION)}\n"
              f"---\n{HOME_TEXT}")
        for page in pages:
            # Hugo has no .md links without a render hook or the ref shortcode: plain relative URLs.
            body = render_markdown(page, lambda t: f"../{stem(t, n)}/")
            write(root / "content" / "pages" / f"{stem(page.number, n)}.md",
                  f"---\ntitle: {yaml_str(page.title)}\ndescription: {yaml_str(page.description)}\n"
                  f"date: {page.date}\n---\n{body}")
        head = ('<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                '<title>{{ .Title }}</title>\n'
                '<meta name="description" content="{{ .Description }}">\n</head>\n<body>\n')
        layouts = root / "layouts"
        write(layouts / "index.html", head +
              "<h1>{{ .Title }}</h1>\n{{ .Content }}\n<ul>\n"
              '{{ range .Site.RegularPages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>\n'
              "{{ end }}</ul>\n</body>\n</html>\n")
        write(layouts / "_default" / "single.html", head +
              "<h1>{{ .Title }}</h1>\n{{ .Content }}\n</body>\n</html>\n")
        write(layouts / "404.html", head.replace("{{ .Description }}", "") +
              '<h1>Page not found</h1>\n<a href="{{ "" | relURL }}">Home</a>\n</body>\n</html>\n')


class ZolaSite:
    name = "zola"

    @staticmethod
    def write(root: Path, pages: list[Page], n: int) -> None:
        # Feeds, taxonomies, search index and highlighting are off by default; the sitemap is on.
        write(root / "config.toml", "\n".join([
            'base_url = "https://bench.example.org"',
            f'title = "{SITE_TITLE}"',
            'default_language = "en"',
            "compile_sass = false",
            "build_search_index = false",
        ]) + "\n")
        write(root / "content" / "_index.md",
              f'+++\ntitle = "{SITE_TITLE}"\ndescription = "{SITE_DESCRIPTION}"\n+++\n{HOME_TEXT}')
        write(root / "content" / "pages" / "_index.md", '+++\nrender = false\nsort_by = "none"\n+++\n')
        for page in pages:
            body = render_markdown(page, lambda t: f"@/pages/{stem(t, n)}.md")
            write(root / "content" / "pages" / f"{stem(page.number, n)}.md",
                  f"+++\ntitle = {json.dumps(page.title)}\ndescription = {json.dumps(page.description)}\n"
                  f"date = {page.date}\n+++\n{body}")
        head = ('<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                "<title>{{ TITLE }}</title>\n"
                '<meta name="description" content="{{ DESC }}">\n</head>\n<body>\n')
        templates = root / "templates"
        write(templates / "index.html",
              head.replace("TITLE", "section.title").replace("DESC", "section.description") +
              "<h1>{{ section.title }}</h1>\n{{ section.content | safe }}\n<ul>\n"
              '{% set s = get_section(path="pages/_index.md") %}'
              '{% for p in s.pages %}<li><a href="{{ p.permalink }}">{{ p.title }}</a></li>\n'
              "{% endfor %}</ul>\n</body>\n</html>\n")
        write(templates / "section.html",
              head.replace("TITLE", "section.title").replace("DESC", "section.description") +
              "<h1>{{ section.title }}</h1>\n</body>\n</html>\n")
        write(templates / "page.html",
              head.replace("TITLE", "page.title").replace("DESC", "page.description") +
              "<h1>{{ page.title }}</h1>\n{{ page.content | safe }}\n</body>\n</html>\n")
        write(templates / "404.html",
              head.replace("{{ TITLE }}", "Page not found").replace("{{ DESC }}", "") +
              '<h1>Page not found</h1>\n<a href="{{ config.base_url }}">Home</a>\n</body>\n</html>\n')


SITES = {"kneeguide": KneeguideSite, "hugo": HugoSite, "zola": ZolaSite}


def safe_clear(path: Path, bench_dir: Path) -> None:
    """Removes `path`, which must lie inside the benchmark folder (marked by MARKER)."""
    path = path.resolve()
    bench_dir = bench_dir.resolve()
    if bench_dir not in path.parents or not (bench_dir / MARKER).exists():
        sys.exit(f"refusing to delete {path}: not inside the benchmark folder {bench_dir}")
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def prepare_bench_dir(bench_dir: Path) -> None:
    if bench_dir.exists() and any(bench_dir.iterdir()) and not (bench_dir / MARKER).exists():
        sys.exit(f"{bench_dir} exists and is not a benchmark folder (no {MARKER}); choose --dir")
    bench_dir.mkdir(parents=True, exist_ok=True)
    (bench_dir / MARKER).write_text("made by tests/bench/bench.py; safe to delete\n")


def tree_digest(root: Path) -> tuple[str, int]:
    """SHA-256 over relative paths and bytes of every file under root; and the total size."""
    h = hashlib.sha256()
    size = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            data = p.read_bytes()
            size += len(data)
            h.update(str(p.relative_to(root)).encode() + b"\0" + data + b"\0")
    return h.hexdigest(), size


def generate(bench_dir: Path, n: int, tools: list[str], seed: int, words: int) -> dict:
    pages = [make_page(seed, i, n, words) for i in range(1, n + 1)]
    info = {}
    for tool in tools:
        site = bench_dir / str(n) / tool
        safe_clear(site, bench_dir)
        SITES[tool].write(site, pages, n)
        digest, size = tree_digest(site / "content")
        info[tool] = {"site": str(site), "content_sha256": digest, "content_bytes": size}
    sample = render_markdown(pages[0], lambda t: "x")
    info["words_per_page_sample"] = len(re.findall(r"[A-Za-z]+", sample))
    return info


# --------------------------------------------------------------------------------------------
# Running and measuring
# --------------------------------------------------------------------------------------------


@dataclass
class Run:
    wall: float
    cpu: float
    user: float
    sys: float
    rss_mib: float


@dataclass
class ToolResult:
    runs: list[Run] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in self.runs)

    def max(self, attr: str) -> float:
        return max(getattr(r, attr) for r in self.runs)


def command(tool: str, binary: str, site: Path, out: Path, cache: Path) -> list[str]:
    if tool == "kneeguide":
        return [binary, "build", "--root", str(site), "--output", str(out)]
    if tool == "hugo":
        return [binary, "--source", str(site), "--destination", str(out),
                "--cacheDir", str(cache), "--quiet"]
    if tool == "zola":
        return [binary, "--root", str(site), "build", "--output-dir", str(out)]
    raise ValueError(tool)


# The child is started by a fresh, small Python process rather than by this one: Linux carries
# the RSS high-water mark of the process that calls exec into the new program's ru_maxrss, and
# with posix_spawn (vfork) that would be this process, which holds a whole generated site: at
# 10,000 pages every tool would show at least its 250 MiB. The launcher's own
# high-water mark (about 10 MiB, see LAUNCHER_FLOOR) is the floor of every RSS figure.
LAUNCHER = r"""
import os, sys, time
log, argv = sys.argv[1], sys.argv[2:]
actions = [
    (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
    (os.POSIX_SPAWN_OPEN, 1, log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    (os.POSIX_SPAWN_DUP2, 1, 2),
]
start = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
print(os.waitstatus_to_exitcode(status), wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss)
"""


def measure(argv: list[str], log: Path) -> tuple[int, Run]:
    """Runs argv as a child; returns its exit status, wall time, user+sys CPU and peak RSS.

    The launcher times the child from spawn to exit and reads its rusage with os.wait4: exactly
    this child (and any grandchildren it waited for), not the benchmark's own Python process.
    """
    done = subprocess.run([sys.executable, "-I", "-S", "-c", LAUNCHER, str(log), *argv],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"launcher failed for {argv[0]}: {done.stderr.strip()}")
    code, wall, user, sys_, maxrss_kib = done.stdout.split()
    user_s, sys_s = float(user), float(sys_)
    # Linux reports ru_maxrss in KiB.
    return int(code), Run(float(wall), user_s + sys_s, user_s, sys_s, int(maxrss_kib) / 1024)


def launcher_floor(bench_dir: Path) -> float:
    """Peak RSS (MiB) that a trivial child shows through the launcher: the floor of RSS figures."""
    true = shutil.which("true") or "/bin/true"
    return measure([true], bench_dir / "floor.log")[1].rss_mib


PAGE_RE = re.compile(rb"page-(\d{5,})")


def verify(tool: str, out: Path, n: int) -> str | None:
    """Returns None when the output has N pages, a home page linking all of them and a sitemap
    naming all of them; otherwise what is wrong."""
    pages_dir = out / "pages"
    if not pages_dir.is_dir():
        return f"no pages/ folder in {out}"
    count = sum(1 for _ in pages_dir.rglob("index.html"))
    if count != n:
        return f"{count} page files (pages/**/index.html) in {out}, expected {n}"
    home = out / "index.html"
    if not home.is_file():
        return f"no home page {home}"
    linked = len(set(PAGE_RE.findall(home.read_bytes())))
    if linked != n:
        return f"the home page links {linked} distinct pages, expected {n}"
    sitemap = out / "sitemap.xml"
    if not sitemap.is_file():
        return f"no sitemap {sitemap}"
    listed = len(set(PAGE_RE.findall(sitemap.read_bytes())))
    if listed != n:
        return f"the sitemap lists {listed} distinct pages, expected {n}"
    return None


def build_once(tool: str, binary: str, bench_dir: Path, n: int, label: str) -> Run:
    site = bench_dir / str(n) / tool
    out = bench_dir / str(n) / "out" / tool
    cache = bench_dir / str(n) / "cache" / tool
    log = bench_dir / str(n) / f"{tool}.log"
    # Full clean build: no previous output, no tool cache.
    safe_clear(out, bench_dir)
    safe_clear(cache, bench_dir)
    # What kneeguide keeps beside its output: the build marker, the incremental build's cache,
    # the list of the site's files and the spare copy of the site.
    for leftover in (site / "resources", site / ".hugo_build.lock",
                     *(out.with_name(f".{out.name}.kneeguide{end}")
                       for end in (".build", ".cache", ".paths", "-spare"))):
        safe_clear(leftover, bench_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = command(tool, binary, site, out, cache)
    code, run = measure(argv, log)
    problem = None if code == 0 else f"exit status {code}"
    problem = problem or verify(tool, out, n)
    if problem:
        tail = log.read_text(errors="replace")[-3000:]
        sys.stderr.write(
            f"\nFAILED: {tool} at N={n} ({label}): {problem}\n"
            f"command: {' '.join(argv)}\nlast output ({log}):\n{tail}\n")
        sys.exit(2)
    return run


def tool_version(tool: str, binary: str) -> str:
    args = {"hugo": [binary, "version"]}.get(tool, [binary, "--version"])
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=30)
        return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else "?"
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"


def find_binaries(args) -> dict[str, str]:
    wanted = [t.strip() for t in args.tools.split(",") if t.strip()] if args.tools else None
    binaries: dict[str, str] = {}

    if wanted is None or "kneeguide" in wanted:
        path = Path(args.kneeguide)
        if not path.exists() and path.resolve() == DEFAULT_KNEEGUIDE:
            print("target/release/kneeguide is missing: cargo build --release", flush=True)
            subprocess.run(["cargo", "build", "--release"], cwd=REPO, check=True)
        if not path.exists():
            sys.exit(f"kneeguide binary not found: {path} (build it or pass --kneeguide PATH)")
        binaries["kneeguide"] = str(path.resolve())

    if wanted is None or "hugo" in wanted:
        hugo = shutil.which(args.hugo)
        if not hugo:
            sys.exit("hugo not found: apt-get install -y hugo (or pass --hugo PATH)")
        binaries["hugo"] = hugo

    zola = shutil.which(args.zola)
    if wanted is not None and "zola" in wanted and not zola:
        sys.exit("zola not found on PATH (or pass --zola PATH)")
    if zola and (wanted is None or "zola" in wanted):
        binaries["zola"] = zola

    unknown = set(wanted or []) - set(SITES)
    if unknown:
        sys.exit(f"unknown tool(s): {', '.join(sorted(unknown))}; choose from {', '.join(SITES)}")
    return binaries


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def fmt_n(n: int) -> str:
    return f"{n:,}"


def ratio_medians(results: dict[str, ToolResult], a: str, b: str) -> dict | None:
    if a not in results or b not in results:
        return None
    pairs = list(zip(results[a].runs, results[b].runs))
    wall = [x.wall / y.wall for x, y in pairs]
    cpu = [x.cpu / y.cpu for x, y in pairs]
    return {"wall": statistics.median(wall), "cpu": statistics.median(cpu),
            "wall_per_pair": wall, "cpu_per_pair": cpu}


def print_table(n: int, results: dict[str, ToolResult], runs: int) -> None:
    print(f"\nN = {fmt_n(n)} pages, {runs} runs per tool after a warm-up (medians; RSS = max)")
    print(f"{'tool':<10} {'wall':>9} {'CPU':>9} {'user':>8} {'sys':>8} {'pages/s':>9} "
          f"{'peak RSS':>11}  {'wall min-max':>15}")
    for tool, res in results.items():
        wall = res.median("wall")
        lo = min(r.wall for r in res.runs)
        hi = max(r.wall for r in res.runs)
        print(f"{tool:<10} {wall:>8.3f}s {res.median('cpu'):>8.3f}s {res.median('user'):>7.3f}s "
              f"{res.median('sys'):>7.3f}s {n / wall:>9,.0f} {res.max('rss_mib'):>7.1f} MiB"
              f"  {lo:>6.3f}-{hi:.3f}s")
    for other in [t for t in results if t != "kneeguide"]:
        r = ratio_medians(results, "kneeguide", other)
        if r:
            print(f"kneeguide / {other} (median of {runs} per-pair ratios): "
                  f"wall {r['wall']:.3f}, CPU {r['cpu']:.3f}")


def evaluate_targets(all_results: dict[int, dict[str, ToolResult]]) -> list[dict]:
    targets = []

    def add(name: str, value: float | None, limit: float, ok: bool | None, detail: str) -> None:
        targets.append({"target": name, "value": value, "limit": limit,
                        "status": "SKIP" if ok is None else ("PASS" if ok else "FAIL"),
                        "detail": detail})

    big = all_results.get(TARGET_N, {})
    kg = big.get("kneeguide")
    at = f"at {fmt_n(TARGET_N)} pages"
    skip = f"not measured (run --pages including {TARGET_N} with kneeguide"
    r = ratio_medians(big, "kneeguide", "hugo")
    if r:
        add(f"kneeguide CPU <= {TARGET_CPU_RATIO} x Hugo's {at}", r["cpu"], TARGET_CPU_RATIO,
            r["cpu"] <= TARGET_CPU_RATIO, f"{r['cpu']:.3f} x")
    else:
        add(f"kneeguide CPU <= {TARGET_CPU_RATIO} x Hugo's {at}", None, TARGET_CPU_RATIO, None,
            skip + " and hugo)")
    if kg:
        wall = kg.median("wall")
        add(f"kneeguide wall < {TARGET_WALL_S} s {at}", wall, TARGET_WALL_S, wall < TARGET_WALL_S,
            f"{wall:.3f} s")
        rss = kg.max("rss_mib")
        add(f"kneeguide peak RSS <= {TARGET_RSS_MIB:.0f} MiB {at}", rss, TARGET_RSS_MIB,
            rss <= TARGET_RSS_MIB, f"{rss:.1f} MiB (max over runs)")
    else:
        add(f"kneeguide wall < {TARGET_WALL_S} s {at}", None, TARGET_WALL_S, None, skip + ")")
        add(f"kneeguide peak RSS <= {TARGET_RSS_MIB:.0f} MiB {at}", None, TARGET_RSS_MIB, None,
            skip + ")")
    small = all_results.get(SCALING_SMALL, {}).get("kneeguide")
    large = all_results.get(SCALING_LARGE, {}).get("kneeguide")
    name = f"kneeguide t({fmt_n(SCALING_LARGE)}) / t({fmt_n(SCALING_SMALL)}) <= {TARGET_SCALING:g} (wall)"
    if small and large:
        s = large.median("wall") / small.median("wall")
        c = large.median("cpu") / small.median("cpu")
        add(name, s, TARGET_SCALING, s <= TARGET_SCALING, f"{s:.2f} (CPU {c:.2f})")
    else:
        add(name, None, TARGET_SCALING, None,
            f"not measured (run --pages {SCALING_SMALL},{SCALING_LARGE} with kneeguide)")
    return targets


def load() -> str:
    """The 1-minute load average: other work on the machine makes wall times noisy."""
    return f"{os.getloadavg()[0]:.2f}"


def machine_info() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu_model": cpu, "kernel": platform.release(),
            "python": platform.python_version()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", default="1000,10000",
                        help="comma-separated page counts N (default 1000,10000)")
    parser.add_argument("--runs", type=int, default=5, help="measured runs per tool and N (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured runs first (default 1)")
    parser.add_argument("--kneeguide", default=str(DEFAULT_KNEEGUIDE),
                        help="kneeguide binary (default target/release/kneeguide, built if missing)")
    parser.add_argument("--hugo", default="hugo", help="hugo binary (default: hugo on PATH)")
    parser.add_argument("--zola", default="zola", help="zola binary (used when found)")
    parser.add_argument("--tools", help="comma-separated subset of kneeguide,hugo,zola")
    parser.add_argument("--dir", default=str(DEFAULT_DIR),
                        help="working folder, RAM-backed (default /dev/shm/kneeguide-bench)")
    parser.add_argument("--seed", type=int, default=6, help="PRNG seed (default 6)")
    parser.add_argument("--words", type=int, default=600, help="about this many words a page")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--generate-only", action="store_true",
                        help="write the sites and stop (used by profile.sh)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target FAILs")
    args = parser.parse_args()

    try:
        sizes = sorted({int(x.replace("_", "")) for x in args.pages.split(",") if x.strip()})
    except ValueError:
        parser.error("--pages takes comma-separated integers")
    if not sizes or min(sizes) < 1 or args.runs < 1 or args.warmup < 0:
        parser.error("need N >= 1, --runs >= 1 and --warmup >= 0")

    bench_dir = Path(args.dir)
    prepare_bench_dir(bench_dir)
    if args.generate_only:
        tools = [t.strip() for t in (args.tools or "kneeguide,hugo").split(",") if t.strip()]
        for n in sizes:
            info = generate(bench_dir, n, tools, args.seed, args.words)
            for tool in tools:
                print(f"{info[tool]['site']}  content sha256 {info[tool]['content_sha256'][:16]}")
        return 0

    binaries = find_binaries(args)
    versions = {t: tool_version(t, b) for t, b in binaries.items()}
    machine = machine_info()
    machine["launcher_rss_floor_mib"] = launcher_floor(bench_dir)
    print(f"machine: {machine['cpus']} CPUs, {machine['cpu_model']}, Linux {machine['kernel']}, "
          f"load average {load()}")
    print(f"RSS floor (a trivial child through the launcher): "
          f"{machine['launcher_rss_floor_mib']:.1f} MiB")
    for tool, binary in binaries.items():
        print(f"{tool}: {binary} ({versions[tool]})")
    if not str(bench_dir.resolve()).startswith("/dev/shm"):
        print(f"note: {bench_dir} is not under /dev/shm; the issue asks for a RAM-backed folder")

    report: dict = {"machine": machine, "tools": {t: {"path": b, "version": versions[t]}
                                                   for t, b in binaries.items()},
                    "settings": {"runs": args.runs, "warmup": args.warmup, "seed": args.seed,
                                 "words": args.words, "dir": str(bench_dir),
                                 "generator_version": GENERATOR_VERSION},
                    "results": {}}
    all_results: dict[int, dict[str, ToolResult]] = {}
    for n in sizes:
        t0 = time.perf_counter()
        info = generate(bench_dir, n, list(binaries), args.seed, args.words)
        print(f"\ngenerated {fmt_n(n)} pages per tool in {time.perf_counter() - t0:.1f} s "
              f"(about {info['words_per_page_sample']} words a page; kneeguide content sha256 "
              f"{info.get('kneeguide', info[next(iter(binaries))])['content_sha256'][:16]})",
              flush=True)
        for w in range(args.warmup):
            for tool, binary in binaries.items():
                build_once(tool, binary, bench_dir, n, f"warm-up {w + 1}")
        results = {tool: ToolResult() for tool in binaries}
        for i in range(args.runs):
            for tool, binary in binaries.items():  # alternate: one run of each tool per pair
                results[tool].runs.append(build_once(tool, binary, bench_dir, n, f"run {i + 1}"))
            print(f"  run {i + 1}/{args.runs}: " + ", ".join(
                f"{t} {r.runs[-1].wall:.3f}s" for t, r in results.items()), flush=True)
        all_results[n] = results
        print_table(n, results, args.runs)
        print(f"load average after N = {fmt_n(n)}: {load()}")
        report["results"][str(n)] = {
            "sites": info,
            "load_average_1min_after": os.getloadavg()[0],
            "tools": {t: {"median_wall_s": r.median("wall"), "median_cpu_s": r.median("cpu"),
                          "median_user_s": r.median("user"), "median_sys_s": r.median("sys"),
                          "pages_per_s": n / r.median("wall"),
                          "peak_rss_mib": r.max("rss_mib"),
                          "runs": [vars(x) for x in r.runs]}
                      for t, r in results.items()},
            "ratios": {f"kneeguide/{o}": ratio_medians(results, "kneeguide", o)
                       for o in results if o != "kneeguide" and "kneeguide" in results},
        }

    small = all_results.get(SCALING_SMALL, {})
    large = all_results.get(SCALING_LARGE, {})
    if small and large:
        print()
        for tool in large:
            if tool in small:
                print(f"scaling {tool}: t({fmt_n(SCALING_LARGE)}) / t({fmt_n(SCALING_SMALL)}) = "
                      f"{large[tool].median('wall') / small[tool].median('wall'):.2f} wall, "
                      f"{large[tool].median('cpu') / small[tool].median('cpu'):.2f} CPU")

    targets = evaluate_targets(all_results)
    print("\ntargets (issue 6):")
    for t in targets:
        print(f"{t['status']:<5} {t['target']}: {t['detail']}")
    report["targets"] = targets

    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    if args.strict and any(t["status"] == "FAIL" for t in targets):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
