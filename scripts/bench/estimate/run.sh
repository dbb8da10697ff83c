#!/usr/bin/env bash
# Estimation benchmark against R (BENCHMARKS.md, "Estimation"), peer in the same run.
# Generates seeded stratified two-stage samples (50 strata × 20 PSUs, w, area × wave, 40
# indicators; the replicate file adds 80 bootstrap replicate weights), then times with
# /usr/bin/time -v, on the same file:
#   copro estimate FILE --weight w --strata stratum --cluster psu --nest (--mean vK)×40 --by area --by wave
#   Rscript estimate.R FILE … linear     (fread + svydesign + svyby(~v1+…+v40, ~area+wave, svymean))
#   copro estimate FILE --weight w --replicate-prefix rw --replicate-type bootstrap …
#   Rscript estimate.R FILE … replicate  (fread + svrepdesign(type = "bootstrap") + svyby)
# and compares copro's estimates and SEs with R's (max relative difference).
# Usage: scripts/bench/estimate/run.sh [ROWS=1000000] [REPLICATES=80] [SEED=20261129] [SKIP_R=0]
# (COPRO_RUNS=N: copro runs per design, best wall time reported; default 3)
# Needs: cc, python3, Rscript with survey and data.table
#   (apt-get install -y r-base-core r-cran-survey r-cran-data.table).
set -euo pipefail
ROWS=${1:-1000000}
REPS=${2:-80}
SEED=${3:-20261129}
SKIP_R=${4:-0}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
WORK="$ROOT/scratch/bench"
mkdir -p "$WORK"
CC=${CC:-cc}

"$CC" -O2 -o "$WORK/gen_design" "$HERE/gen_design.c"
LIN="$WORK/design_${ROWS}_${SEED}.csv"
REP="$WORK/design_${ROWS}_${SEED}_rw${REPS}.csv"
[ -s "$LIN" ] || "$WORK/gen_design" "$ROWS" "$SEED" 0 > "$LIN"
[ "$REPS" -eq 0 ] || [ -s "$REP" ] || "$WORK/gen_design" "$ROWS" "$SEED" "$REPS" > "$REP"

(cd "$ROOT" && swift build -c release --product copro 2>&1 | tail -1)
COPRO="$ROOT/.build/release/copro"
MEANS=()
for k in $(seq 1 40); do MEANS+=(--mean "v$k"); done

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo); load before run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit: $(cd "$ROOT" && git rev-parse --short HEAD)$(cd "$ROOT" && git diff --quiet HEAD -- Sources || echo ' (+ uncommitted Sources changes)')"

# run NAME OUT CMD... → one timed run; prints wall, CPU (user+sys), peak RSS; sets WALL, CPU.
run() {
    local name=$1 out=$2; shift 2
    /usr/bin/time -v -o "$WORK/time.txt" "$@" > "$out" 2> "$WORK/stderr.txt" || { cat "$WORK/stderr.txt" >&2; return 1; }
    WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (k = 1; k <= n; k++) s = s * 60 + t[k]; print s }' "$WORK/time.txt")
    CPU=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { print u + s }' "$WORK/time.txt")
    local rss
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 / 1024 }' "$WORK/time.txt")
    printf "%-44s wall %8.2f s   cpu %8.2f s   peak RSS %7.1f MB   load %s\n" "$name" "$WALL" "$CPU" "$rss" "$(cut -d' ' -f1 /proc/loadavg)"
    grep -hE "R phases|copro estimate: phases" "$WORK/stderr.txt" || true
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

bench() {   # bench KIND FILE COPRO-DESIGN-ARGS...
    local kind=$1 file=$2; shift 2
    local mb cols
    mb=$(awk -v b="$(stat -c %s "$file")" 'BEGIN { printf "%.1f", b / 1e6 }')
    cols=$(head -1 "$file" | awk -F, '{ print NF }')
    cat "$file" > /dev/null   # warm the page cache: both programs read from memory
    echo "--- $kind: $file ($ROWS rows, $cols columns, $mb MB; typed columns needed: $cols × 8 B × rows = $(awk -v c="$cols" -v n="$ROWS" 'BEGIN { printf "%.0f", c * 8 * n / 1048576 }') MB)"
    # copro: best wall time of COPRO_RUNS runs (default 3; its runs are short, so one run is at the
    # mercy of the machine's other work), with that run's CPU time.
    local cw=999999 cc=0 k
    for k in $(seq 1 "${COPRO_RUNS:-3}"); do
        run "copro estimate ($kind) run $k" "$WORK/copro_$kind.json" env COPRO_PHASES=1 "$COPRO" estimate "$file" "$@" "${MEANS[@]}" --by area --by wave --format json
        if awk -v a="$WALL" -v b="$cw" 'BEGIN { exit !(a < b) }'; then cw=$WALL; cc=$CPU; fi
    done
    echo "copro estimate ($kind): best wall $cw s (cpu $cc s)"
    if [ "$SKIP_R" = 0 ]; then
        run "R fread+$kind design+svyby" "$WORK/r_$kind.out" Rscript "$HERE/estimate.R" "$file" "$WORK/r_$kind.csv" "$kind"
        echo "ratio R/copro ($kind): wall $(ratio "$WALL" "$cw")×, cpu $(ratio "$CPU" "$cc")×"
        python3 "$HERE/compare.py" "$WORK/copro_$kind.json" "$WORK/r_$kind.csv"
    fi
}

bench linear "$LIN" --weight w --strata stratum --cluster psu --nest
[ "$REPS" -eq 0 ] || bench replicate "$REP" --weight w --replicate-prefix rw --replicate-type bootstrap
echo "load after run: $(cut -d' ' -f1-3 /proc/loadavg)"
