#!/usr/bin/env bash
# Compares the bench figures of two revisions on this machine: builds the service
# and the bench of each, then runs them alternately (OLD, NEW, OLD, NEW, …), so
# that neither side gets the machine's quieter minutes, and prints the key lines.
#
#   cmd/parindex-bench/compare.sh OLD NEW [bench flags…]
#   cmd/parindex-bench/compare.sh 1864c78 . --db "$PG"     # "." is the working tree as it is
#   ROUNDS=1 cmd/parindex-bench/compare.sh 1864c78 .       # SQLite, once each
#
# OLD and NEW are git revisions, or "." for the working tree with its uncommitted
# changes. A revision from before cmd/parindex-bench existed runs `parindex bench`
# from the service binary itself. ROUNDS (default 2) is the number of pairs; every
# run's full output is kept under OUT (default a new temporary directory).
set -euo pipefail

if [ $# -lt 2 ]; then
	sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
fi
old=$1 new=$2
shift 2
rounds=${ROUNDS:-2}
top=$(git rev-parse --show-toplevel)
out=${OUT:-$(mktemp -d /tmp/parindex-compare-XXXXXX)}
work=$(mktemp -d /tmp/parindex-compare-build-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# build LABEL REV: the sources of REV (git archive, so the repository's worktrees
# and index are left alone), built into $work/LABEL/bin.
build() {
	local label=$1 rev=$2 src desc
	if [ "$rev" = . ]; then
		src=$top
		desc="$(git -C "$top" rev-parse --short HEAD) + the working tree"
	else
		src=$work/$label/src
		mkdir -p "$src"
		git -C "$top" archive "$rev" | tar -x -C "$src"
		desc=$(git -C "$top" rev-parse --short "$rev")
	fi
	local bin=$work/$label/bin
	mkdir -p "$bin"
	(cd "$src" && go build -o "$bin/parindex" ./cmd/parindex)
	if [ -d "$src/cmd/parindex-bench" ]; then
		(cd "$src" && go build -o "$bin/parindex-bench" ./cmd/parindex-bench)
	fi
	echo "$label: $rev ($desc), service binary $(du -h "$bin/parindex" | cut -f1)"
}

# bench LABEL FLAGS…: runs LABEL's bench, its own binary or, before it had one,
# the service's `parindex bench` (which starts itself as the service).
bench() {
	local bin=$work/$1/bin
	shift
	if [ -x "$bin/parindex-bench" ]; then
		"$bin/parindex-bench" --parindex "$bin/parindex" "$@"
	else
		"$bin/parindex" bench "$@"
	fi
}

build old "$old"
build new "$new"
echo "outputs in $out; bench flags: ${*:-(none)}"

# keylines FILE: the figures worth comparing, one line.
keylines() {
	awk '
		/^ *transitions /               { tr = $(NF-3) "/s, p99 " $NF }
		/^ *baseline \(raw SQL/         { bl = $(NF-3) "/s, p99 " $NF }
		/^service ÷ baseline:/          { ratio = $5; p = $0; sub(/.*p99 /, "", p); sub(/ .*/, "", p) }
		/^SQLite transitions\/s:/       { sq = " SQLite " $3 "/s;" }
		/^service peak RSS:/            { rss = $4 " " $5 }
		END { printf "ratio %s, p99 %s; transitions %s; baseline %s;%s RSS %s\n", ratio, p, tr, bl, sq, rss }
	' "$1"
}

status=0
for i in $(seq 1 "$rounds"); do
	for label in old new; do
		log=$out/$label-$i.txt
		read -r l1 l5 l15 _ </proc/loadavg
		echo "== $label, run $i (load average $l1 $l5 $l15)"
		if bench "$label" "$@" >"$log" 2>"$log.err"; then
			grep -E '^(parindex[- ]bench: |service ÷ baseline|SQLite transitions/s|service peak RSS|surge \()|^ *(transitions|baseline \(raw SQL)' "$log" || true
			echo "-> $label $i: $(keylines "$log")" | tee -a "$out/summary.txt"
		else
			echo "-> $label $i: FAILED, see $log and $log.err" | tee -a "$out/summary.txt"
			status=1
		fi
	done
done
echo "== summary"
cat "$out/summary.txt"
exit $status
