#!/bin/sh
# A stand-in for the kneeguide binary, to test bench.py without it:
#   python3 tests/bench/bench.py --kneeguide tests/bench/stand-in-kneeguide.sh
# Takes `build --root SITE --output OUT` and writes what the benchmark checks: one
# pages/<stem>/index.html per content/pages/<stem>.md, a home page linking each, a sitemap.
# Its timings mean nothing.
set -eu
[ "${1:-}" = "--version" ] && { echo "stand-in-kneeguide"; exit 0; }
[ "${1:-}" = build ] || { echo "usage: $0 build --root SITE --output OUT" >&2; exit 2; }
shift
root=. out=
while [ $# -gt 0 ]; do
    case "$1" in
        --root) root=$2; shift 2 ;;
        --output) out=$2; shift 2 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
[ -n "$out" ] || out=$root/public
mkdir -p "$out/pages"
{ echo '<ul>'; for f in "$root"/content/pages/*.md; do
    s=$(basename "$f" .md)
    mkdir "$out/pages/$s"
    cp "$f" "$out/pages/$s/index.html"
    echo "<li><a href=\"pages/$s/\">$s</a></li>"
done; echo '</ul>'; } > "$out/index.html"
sed 's|<li><a href="\(pages/[^"]*\)".*|<url><loc>https://bench.example.org/\1</loc></url>|' \
    "$out/index.html" > "$out/sitemap.xml"
echo "stand-in: wrote $(ls "$out/pages" | wc -l) pages into $out"
