#!/usr/bin/env python3
"""Rebuild benchmark: a clean build against a rebuild with one page changed (issue 12).

On bench.py's synthetic corpus (same generator, same seed) it alternates, --runs times:

  clean    the output folder and what kneeguide keeps beside it (marker, cache, list of files,
           spare copy) deleted (untimed), then `kneeguide build`
  rebuild  one page's body text edited (untimed), then `kneeguide build` over the clean build's
           output: only that page's file should be new, every other file kept (hard-linked)
  again    the same page edited once more, and `kneeguide build` again: the steady state of
           someone editing and rebuilding, where the build recycles the spare copy of the site
           that the first rebuild left beside the output

and, for reference, `kneeguide check` (load, check and render every page, write nothing: the
floor under any build that renders the whole site), and prints the median CPU (user + sys) and
wall time of each, the rebuild / clean and check / clean ratios (medians of the per-run ratios)
and how many files of the output got a new inode in the last rebuild. The target: a one-page
rebuild takes at most half the CPU of a clean build.

    python3 tests/bench/rebuild.py --pages 10000 --runs 5

Python 3.11 standard library only; imports bench.py from this folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402

TARGET_CPU_RATIO = 0.5
EDITED_PAGE = "page-00001.md"


def inodes(root: Path) -> dict[str, tuple[int, int]]:
    """Relative path -> (inode, mtime in ns) of every file under root."""
    found = {}
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            path = Path(dirpath) / name
            stat = path.stat()
            found[str(path.relative_to(root))] = (stat.st_ino, stat.st_mtime_ns)
    return found


def clear_output(out: Path, bench_dir: Path) -> None:
    bench.safe_clear(out, bench_dir)
    # The build marker, the incremental build's cache, the list of files and the spare copy.
    for end in (".build", ".cache", ".paths", "-spare"):
        bench.safe_clear(out.with_name(f".{out.name}.kneeguide{end}"), bench_dir)


def edit_page(site: Path, run: int | str) -> None:
    """Changes one word of the edited page's body, differently on every run."""
    page = site / "content" / "pages" / EDITED_PAGE
    text = page.read_text()
    marker = "\n\nEdited for rebuild run "
    text = text.split(marker)[0] + f"{marker}{run}.\n"
    page.write_text(text)


def build(binary: str, site: Path, out: Path, log: Path, n: int, label: str) -> bench.Run:
    argv = bench.command("kneeguide", binary, site, out, out)
    code, run = bench.measure(argv, log)
    problem = None if code == 0 else f"exit status {code}"
    problem = problem or bench.verify("kneeguide", out, n)
    if problem:
        tail = log.read_text(errors="replace")[-3000:]
        sys.exit(f"FAILED ({label}): {problem}\ncommand: {' '.join(argv)}\n{tail}")
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=10_000, help="corpus size (default 10000)")
    parser.add_argument("--runs", type=int, default=5, help="measured pairs (default 5)")
    parser.add_argument("--kneeguide", default=str(bench.DEFAULT_KNEEGUIDE),
                        help="kneeguide binary (default target/release/kneeguide)")
    parser.add_argument("--dir", default="/dev/shm/kneeguide-bench-rebuild",
                        help="work folder (default /dev/shm/kneeguide-bench-rebuild)")
    parser.add_argument("--seed", type=int, default=6, help="PRNG seed (default 6)")
    parser.add_argument("--words", type=int, default=600, help="about this many words a page")
    args = parser.parse_args()

    binary = str(Path(args.kneeguide).resolve())
    if not Path(binary).exists():
        sys.exit(f"kneeguide binary not found: {binary} (cargo build --release)")
    bench_dir = Path(args.dir)
    bench.prepare_bench_dir(bench_dir)
    n = args.pages
    bench.generate(bench_dir, n, ["kneeguide"], args.seed, args.words)
    site = bench_dir / str(n) / "kneeguide"
    out = bench_dir / str(n) / "out" / "kneeguide"
    out.parent.mkdir(parents=True, exist_ok=True)
    log = bench_dir / str(n) / "kneeguide.log"

    clean_runs, rebuild_runs, again_runs, check_runs = [], [], [], []
    changed: list[str] = []
    for run in range(args.runs + 1):  # the first pair warms up
        clear_output(out, bench_dir)
        clean = build(binary, site, out, log, n, f"clean {run}")
        before = inodes(out)
        edit_page(site, run)
        rebuild = build(binary, site, out, log, n, f"rebuild {run}")
        before = inodes(out)
        edit_page(site, f"{run}b")
        again = build(binary, site, out, log, n, f"rebuild again {run}")
        after = inodes(out)
        changed = sorted(p for p, id_ in after.items() if before.get(p) != id_)
        code, check = bench.measure([binary, "check", "--root", str(site)], log)
        if code != 0:
            sys.exit(f"FAILED: kneeguide check exited {code}; see {log}")
        if run > 0:
            clean_runs.append(clean)
            rebuild_runs.append(rebuild)
            again_runs.append(again)
            check_runs.append(check)
        print(f"{'warm-up' if run == 0 else f'run {run}'}: clean cpu {clean.cpu:.3f} s "
              f"wall {clean.wall:.3f} s | rebuild cpu {rebuild.cpu:.3f} s wall {rebuild.wall:.3f} s "
              f"| again cpu {again.cpu:.3f} s wall {again.wall:.3f} s "
              f"| check cpu {check.cpu:.3f} s | {len(changed)} of {len(after)} files new",
              flush=True)

    def med(runs: list[bench.Run], attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in runs)

    def ratio(attr: str, runs: list[bench.Run]) -> float:
        return statistics.median(getattr(r, attr) / getattr(c, attr)
                                 for c, r in zip(clean_runs, runs))

    print(f"\n{n} pages, medians of {args.runs}:")
    print(f"  clean build:  cpu {med(clean_runs, 'cpu'):.3f} s (user {med(clean_runs, 'user'):.3f}, "
          f"sys {med(clean_runs, 'sys'):.3f})  wall {med(clean_runs, 'wall'):.3f} s")
    print(f"  rebuild:      cpu {med(rebuild_runs, 'cpu'):.3f} s (user {med(rebuild_runs, 'user'):.3f}, "
          f"sys {med(rebuild_runs, 'sys'):.3f})  wall {med(rebuild_runs, 'wall'):.3f} s")
    print(f"  again:        cpu {med(again_runs, 'cpu'):.3f} s (user {med(again_runs, 'user'):.3f}, "
          f"sys {med(again_runs, 'sys'):.3f})  wall {med(again_runs, 'wall'):.3f} s")
    print(f"  check:        cpu {med(check_runs, 'cpu'):.3f} s (user {med(check_runs, 'user'):.3f}, "
          f"sys {med(check_runs, 'sys'):.3f})  wall {med(check_runs, 'wall'):.3f} s")
    cpu_ratio = ratio("cpu", rebuild_runs)
    again_ratio = ratio("cpu", again_runs)
    print(f"  rebuild / clean (median of per-run ratios): cpu {cpu_ratio:.2f}, "
          f"wall {ratio('wall', rebuild_runs):.2f}")
    print(f"  again / clean (median of per-run ratios):   cpu {again_ratio:.2f}, "
          f"wall {ratio('wall', again_runs):.2f}")
    print(f"  check / clean (median of per-run ratios):   cpu {ratio('cpu', check_runs):.2f}, "
          f"wall {ratio('wall', check_runs):.2f}")
    print(f"  files with a new inode or mtime after the last rebuild (again): {len(changed)}: "
          f"{', '.join(changed[:10])}{' ...' if len(changed) > 10 else ''}")
    for name, value in (("rebuild", cpu_ratio), ("again", again_ratio)):
        verdict = "PASS" if value <= TARGET_CPU_RATIO else "FAIL"
        print(f"  {verdict}: {name} CPU <= {TARGET_CPU_RATIO} x clean build CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
