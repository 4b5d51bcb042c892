#!/bin/sh
# Profiles one kneeguide build of the benchmark's 10,000-page site and prints the top functions.
#   sh tests/bench/profile.sh            # callgrind, or perf when hardware counters work
# Settings (environment): KNEEGUIDE=binary (default target/release/kneeguide), PAGES=10000,
# BENCH_DIR=/dev/shm/kneeguide-bench, TOP=30, PROFILER=perf|callgrind (default: perf when
# `perf stat -e instructions true` counts instructions, else callgrind).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=${KNEEGUIDE:-$repo/target/release/kneeguide}
pages=${PAGES:-10000}
dir=${BENCH_DIR:-/dev/shm/kneeguide-bench}
top=${TOP:-30}

if [ ! -x "$bin" ]; then
    echo "building $bin: cargo build --release" >&2
    (cd "$repo" && cargo build --release)
fi
site=$dir/$pages/kneeguide
if [ ! -f "$site/site.yaml" ]; then
    python3 "$here/bench.py" --generate-only --pages "$pages" --tools kneeguide --dir "$dir"
fi
out=$dir/$pages/out/profile
rm -rf "$out"

if [ -z "${PROFILER:-}" ]; then
    # perf stat prints "<not supported>" (and exits 0) where the counters are missing, as in VMs.
    if command -v perf >/dev/null 2>&1 &&
        perf stat -x, -e instructions true 2>&1 | grep -q '^[0-9]'; then
        PROFILER=perf
    else
        PROFILER=callgrind
    fi
fi

# callgrind_annotate's function lines, with long registry and toolchain paths shortened.
functions() {
    grep -E '^ *[0-9,]+ \(' | grep -v 'PROGRAM TOTALS' |
        sed -E 's#/root/\.cargo/registry/src/[^/]+/##; s#/rustc/[0-9a-f]+/library/#std:#; s# \[[^]]*\]$##'
}

case "$PROFILER" in
perf)
    data=$dir/perf.data
    perf record -F 4000 -o "$data" -- "$bin" build --root "$site" --output "$out"
    echo "== top $top functions by self time (perf; data in $data)"
    perf report -i "$data" --stdio --no-children --sort symbol 2>/dev/null |
        grep -v '^#' | grep -v '^$' | head -n "$top"
    ;;
callgrind)
    command -v valgrind >/dev/null 2>&1 || { echo "valgrind missing: apt-get install -y valgrind" >&2; exit 1; }
    data=$dir/callgrind.out
    echo "running kneeguide under callgrind (about 50x slower than normal)..." >&2
    valgrind --tool=callgrind --callgrind-out-file="$data" \
        "$bin" build --root "$site" --output "$out"
    total=$(callgrind_annotate "$data" | awk '/PROGRAM TOTALS/ {print $1; exit}')
    echo "== instructions: $total (callgrind; data in $data; kcachegrind or callgrind_annotate for more)"
    echo "== top $top functions by self instructions"
    callgrind_annotate --inclusive=no "$data" | functions | head -n "$top"
    echo "== top $top of kneeguide's own functions by inclusive instructions (callees counted)"
    callgrind_annotate --inclusive=yes "$data" | functions | grep 'kneeguide::' | head -n "$top"
    ;;
*)
    echo "PROFILER must be perf or callgrind" >&2
    exit 2
    ;;
esac
