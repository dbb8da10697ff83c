#!/usr/bin/env bash
# Ingest throughput benchmark (BENCHMARKS.md, "Ingest").
# Generates a seeded 1,000,000-row × 60-column survey export, then times, in the same run:
#   1. libcsv_ceiling: libcsv with empty callbacks (the single-thread ceiling);
#   2. copro ingest FILE --format json (release build; full policy, summary pass);
#   3. copro ingest FILE --data-out OUT (also writes the accepted rows);
# and reports MB/s, the ratio to the ceiling and peak memory (/usr/bin/time -v).
# Usage: scripts/bench/ingest/run.sh [ROWS] [SEED]     (run from anywhere; writes to scratch/bench)
set -euo pipefail
ROWS=${1:-1000000}
SEED=${2:-20240304}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
WORK="$ROOT/scratch/bench"
mkdir -p "$WORK"
CC=${CC:-cc}

"$CC" -O2 -o "$WORK/gen_survey" "$HERE/gen_survey.c"
"$CC" -O2 -o "$WORK/libcsv_ceiling" "$HERE/libcsv_ceiling.c" -lcsv
DATA="$WORK/survey_${ROWS}_${SEED}.csv"
[ -s "$DATA" ] || "$WORK/gen_survey" "$ROWS" "$SEED" > "$DATA"
BYTES=$(stat -c %s "$DATA")
MB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')
echo "data: $DATA ($MB MB, $ROWS rows, seed $SEED)"

(cd "$ROOT" && swift build -c release --product copro 2>&1 | tail -1)
COPRO="$ROOT/.build/release/copro"

# Warm the page cache so every run reads from memory.
cat "$DATA" > /dev/null

# run NAME CMD... → best wall time of 3 runs, and peak RSS of the last.
run() {
    local name=$1; shift
    local best=""
    for i in 1 2 3; do
        /usr/bin/time -v -o "$WORK/time.txt" "$@" > "$WORK/out.txt"
        local wall rss
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (k = 1; k <= n; k++) s = s * 60 + t[k]; print s }' "$WORK/time.txt")
        rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time.txt")
        CPU=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { print u + s }' "$WORK/time.txt")
        if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$wall; fi
        PEAK_KB=$rss
    done
    BEST=$best
    printf "%-34s wall %6.2f s  %7.1f MB/s   cpu %6.2f s   peak RSS %6.1f MB\n" "$name" "$best" \
        "$(awk -v m="$MB" -v s="$best" 'BEGIN { print m / s }')" "$CPU" "$(awk -v k="$PEAK_KB" 'BEGIN { print k / 1024 }')"
}

run "libcsv empty callbacks (ceiling)" "$WORK/libcsv_ceiling" "$DATA"
CEIL=$BEST
run "copro ingest --format json" "$COPRO" ingest "$DATA" --format json
SUMMARY=$BEST
run "copro ingest --data-out" "$COPRO" ingest "$DATA" --format json --data-out "$WORK/accepted.csv"
DATAOUT=$BEST
grep -E '"(data_rows|accepted_rows)"' "$WORK/out.txt" || true
echo "ratio summary/ceiling (throughput): $(awk -v c="$CEIL" -v s="$SUMMARY" 'BEGIN { printf "%.2f", c / s }')"
echo "(wall times are the best of 3; cpu and peak RSS are from the last run; the summary pass"
echo " hashes and checks UTF-8 on a second thread, so its cpu exceeds its wall time when idle)"
echo "ratio data-out/ceiling (throughput): $(awk -v c="$CEIL" -v s="$DATAOUT" 'BEGIN { printf "%.2f", c / s }')"
