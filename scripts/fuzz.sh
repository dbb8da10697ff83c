#!/usr/bin/env bash
# Builds the libFuzzer harnesses in Fuzz/ and runs each for SECONDS (default 60).
#
#   scripts/fuzz.sh [SECONDS] [HARNESS...]      HARNESS: ingest instrument plan xlsform (default: all)
#
# How it builds (docs/robustness.md, "Fuzzing"): `swift build` compiles the dependencies (Yams,
# swift-crypto, ZIPFoundation) as usual; this script then compiles the project's own modules again
# with `swiftc -sanitize=fuzzer,address` into .build/fuzz/ and links each harness against them and
# the dependencies' objects. A normal `swift build`/`swift test` is unaffected (nothing in
# Package.swift). Coverage feedback therefore comes from the project's modules, the code under test.
#
# Outputs in .build/fuzz/: corpus/<harness>/ (inputs libFuzzer found interesting),
# findings/<harness>-crash-* (inputs that crashed or broke an invariant), <harness>.log.
# Seeds: ../shared/corpus (COPRO_CORPUS_DIR), SampleData/, Instruments/, test fixtures.
set -euo pipefail
SECS=${1:-60}
shift || true
HARNESSES=${*:-ingest instrument plan xlsform}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
CORPUS=${COPRO_CORPUS_DIR:-$ROOT/../shared/corpus}
[ -d "$CORPUS" ] || CORPUS=/work/shared/corpus

swift build --target SurveyEvaluation >&2
BIN=$(swift build --show-bin-path)
OUT=$ROOT/.build/fuzz
mkdir -p "$OUT/obj" "$OUT/findings"

# Clang module maps of the C targets (libcsv, libyaml, BoringSSL) for importing the Swift modules.
MAPS=(-I "$ROOT/Sources/CLibCSV")
# The C targets' module maps, as `swift build` passes them (its build description, .build/debug.yaml).
for m in $(grep -o 'fmodule-map-file=[^ "]*' "$ROOT/.build/debug.yaml" | sort -u | grep -v '/Sources/CLibCSV/' \
           | grep -v '/Survey[A-Za-z]*\.build/' | sed 's/^fmodule-map-file=//'); do
    MAPS+=(-Xcc "-fmodule-map-file=$m")
done
FLAGS=(-sanitize=fuzzer,address -parse-as-library -Onone -swift-version 6 -I "$OUT/obj" -I "$BIN/Modules" "${MAPS[@]}")

# compile MODULE: the module's sources, instrumented, as one object and a .swiftmodule.
compile() {
    local name=$1
    if [ "$OUT/obj/$name.o" -nt "$(ls -t "$ROOT/Sources/$name"/**/*.swift "$ROOT/Sources/$name"/*.swift 2>/dev/null | head -1)" ]; then
        return
    fi
    echo "fuzz: compiling $name (instrumented)" >&2
    swiftc "${FLAGS[@]}" -wmo -module-name "$name" -emit-module -emit-module-path "$OUT/obj/$name.swiftmodule" \
        -emit-object -o "$OUT/obj/$name.o" $(find "$ROOT/Sources/$name" -name '*.swift' | sort)
}
shopt -s globstar nullglob
for m in SurveyIngest SurveyStatistics SurveyReports SurveyInstruments SurveyEvaluation; do compile "$m"; done

# Objects of the dependencies, compiled by `swift build` without instrumentation.
DEPS=()
for t in Crypto CCryptoBoringSSL CCryptoBoringSSLShims CryptoBoringWrapper SwiftASN1 Yams CYaml ZIPFoundation; do
    [ -d "$BIN/$t.build" ] && while IFS= read -r o; do DEPS+=("$o"); done < <(find "$BIN/$t.build" -name '*.o')
done
OWN=("$OUT"/obj/SurveyIngest.o "$OUT"/obj/SurveyStatistics.o "$OUT"/obj/SurveyReports.o
     "$OUT"/obj/SurveyInstruments.o "$OUT"/obj/SurveyEvaluation.o)

link() {
    local name=$1 harness=$2
    echo "fuzz: linking fuzz-$name" >&2
    swiftc "${FLAGS[@]}" -module-name "Fuzz$name" "$ROOT/Fuzz/Support.swift" "$ROOT/Fuzz/$harness" \
        "${OWN[@]}" "${DEPS[@]}" -lcsv -lstdc++ -lz -o "$OUT/fuzz-$name"
}

# Copies files into a seed folder under names made unique from their paths (SampleData/beacon/plan.yaml
# → SampleData_beacon_plan.yaml): several sample folders hold files of the same name.
copy_seeds() {
    local dir=$1; shift
    local f
    for f in "$@"; do [ -f "$f" ] && cp "$f" "$dir/$(echo "${f#"$ROOT"/}" | tr '/' '_')"; done
    return 0
}

seeds() {
    local name=$1 dir="$OUT/seeds/$1"
    rm -rf "$dir"; mkdir -p "$dir"
    case $name in
        ingest) find "$CORPUS/files" -type f -size -1024k -exec cp {} "$dir/" \; 2>/dev/null || true
                copy_seeds "$dir" SampleData/*/*.csv Tests/*/Fixtures/*.csv Tests/*/Fixtures/*/*.csv ;;
        instrument) copy_seeds "$dir" Instruments/*.yaml Tests/*/Fixtures/*.yaml Tests/*/Fixtures/*/instrument*.yaml ;;
        plan) copy_seeds "$dir" SampleData/*/plan.yaml Tests/*/Fixtures/*/plan*.yaml ;;
        xlsform) copy_seeds "$dir" Tests/*/Fixtures/*.xlsx ;;
    esac
    echo "$dir"
}

status=0
for h in $HARNESSES; do
    case $h in
        ingest) file=IngestHarness.swift; maxlen=65536 ;;
        instrument) file=InstrumentHarness.swift; maxlen=16384 ;;
        plan) file=PlanHarness.swift; maxlen=16384 ;;
        xlsform) file=XLSFormHarness.swift; maxlen=65536 ;;
        *) echo "fuzz: unknown harness '$h'" >&2; exit 2 ;;
    esac
    link "$h" "$file"
    mkdir -p "$OUT/corpus/$h"
    seeddir=$(seeds "$h")
    echo "fuzz: running $h for ${SECS}s" >&2
    if ! (cd "$OUT" && ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=no "./fuzz-$h" -max_total_time="$SECS" -max_len=$maxlen \
            -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$OUT/findings/$h-" \
            "corpus/$h" "$seeddir" > "$OUT/$h.log" 2>&1); then
        status=1
        echo "fuzz: $h FOUND A PROBLEM, see $OUT/$h.log and $OUT/findings/" >&2
    fi
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb|Done [0-9]+ runs" "$OUT/$h.log" | sed "s/^/fuzz: $h: /" >&2 || true
done
exit $status
