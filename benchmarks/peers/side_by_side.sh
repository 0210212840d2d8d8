#!/usr/bin/env bash
# seqmix vs ggml vs PyTorch in one sitting on this machine; writes docs/peers.md and docs/peers.json.
#   usage: benchmarks/peers/side_by_side.sh GGML_SRC_DIR FLA_DIR MAMBA_DIR
#   env: GGML_BUILD_DIR (reuse a ggml build), FMA_PEAK_GFLOPS (skip the JMH FMA-peak run),
#        SEQMIX_JAVA (a JDK 21+ java; default the newest /usr/lib/jvm/*/bin/java >= 21)
# Builds the seqmix jar, runs ggml.sh, torch_ref.py, the JMH FMA peak and `seqmix bench --json --threads 2` for
# every row of side_by_side.py, then writes the table. Run it on a quiet machine: only same-sitting ratios count.
set -euo pipefail

if [[ $# -ne 3 ]]; then
    echo "usage: side_by_side.sh GGML_SRC_DIR FLA_DIR MAMBA_DIR" >&2
    exit 2
fi
ggml_src=$1 fla=$2 mamba=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d /tmp/side-by-side.XXXXXX)
log() { echo "== $*" >&2; }

java_version() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
java=${SEQMIX_JAVA:-}
if [[ -z "$java" ]]; then
    best=0
    for j in /usr/lib/jvm/*/bin/java; do
        [[ -x "$j" ]] || continue
        v=$(java_version "$j"); v=${v%%.*}
        if [[ "$v" =~ ^[0-9]+$ && $v -ge 21 && $v -gt $best ]]; then best=$v java=$j; fi
    done
fi
[[ -n "$java" ]] || { echo "side_by_side.sh: no JDK 21+ (set SEQMIX_JAVA)" >&2; exit 1; }

log "building the seqmix jar"
mvn -q -f "$root/pom.xml" -DskipTests package
jar=$(ls "$root"/target/seqmix-*.jar | grep -v -e sources -e javadoc | head -1)

log "PyTorch reference code ($fla, $mamba)"
/usr/bin/python3 "$here/torch_ref.py" "$fla" "$mamba" "$work/torch.json"

fma=${FMA_PEAK_GFLOPS:-}
if [[ -z "$fma" ]]; then
    log "FMA peak (JMH FmaPeakBench.fma2Threads)"
    if { [[ -f "$root/benchmarks/target/benchmarks.jar" ]] \
         || { mvn -q -f "$root/pom.xml" -DskipTests install && mvn -q -f "$root/benchmarks/pom.xml" -DskipTests package; }; } \
       && "$java" --add-modules=jdk.incubator.vector -jar "$root/benchmarks/target/benchmarks.jar" 'FmaPeakBench.fma2Threads' \
            -f 1 -wi 2 -w 1s -i 3 -r 1s -rf json -rff "$work/fma.json" >"$work/fma.log" 2>&1; then
        # ops/s times FmaPeakBench.flops() = 2 flops x 8 accumulators x 1024 floats x 4 passes per op
        fma=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))[0]["primaryMetric"]["score"] * 65536 / 1e9, 1))' "$work/fma.json")
    else
        log "FMA peak not measured (see $work/fma.log)"
    fi
fi

# Rounds: each runs ggml's rows, then seqmix's, so a round's ratios compare figures taken minutes apart (this VM's
# speed drifts by up to 2x over tens of minutes); the table takes medians over the rounds and shows the ratios' range.
rounds=${SIDE_BY_SIDE_ROUNDS:-3}
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "side_by_side.sh: SIDE_BY_SIDE_ROUNDS must be a positive integer, got $rounds" >&2; exit 2; }
# one ggml build for every round
export GGML_BUILD_DIR=${GGML_BUILD_DIR:-$work/ggml-build}
ggml_files=() seqmix_files=()
for ((r = 1; r <= rounds; r++)); do
    log "round $r of $rounds: ggml ($ggml_src)"
    "$here/ggml.sh" "$ggml_src" "$work/ggml.$r.json"
    ggml_files+=("$work/ggml.$r.json")
    log "round $r of $rounds: seqmix bench, 2 threads"
    : >"$work/seqmix.$r.tsv"
    while IFS=$'\t' read -r id args; do
        # whole-sequence rows: the median of 30 calls (bench's default 10 let one slow moment of a shared 2-core machine
        # move a 25 ms row by a third); decode rows give their own --reps (side_by_side.py)
        reps=(); [[ " $args " == *" --reps "* ]] || reps=(--reps 30)
        # shellcheck disable=SC2086 # args is a list of options
        if "$java" --add-modules jdk.incubator.vector -jar "$jar" bench $args "${reps[@]}" --threads 2 --json >"$work/row.out" 2>"$work/row.err"; then
            printf '%s\t%s\n' "$id" "$(tail -1 "$work/row.out")" >>"$work/seqmix.$r.tsv"
            echo "   $id: $(tail -1 "$work/row.out")" >&2
        else
            msg=$(grep -v -e '^WARNING' -e '^INFO' "$work/row.err" | tail -1)
            printf '%s\t!%s\n' "$id" "$msg" >>"$work/seqmix.$r.tsv"
            echo "   $id: $msg" >&2
        fi
    done < <(python3 "$here/side_by_side.py" commands)
    seqmix_files+=("$work/seqmix.$r.tsv")
done

mkdir -p "$root/docs"
python3 "$here/side_by_side.py" table --seqmix "${seqmix_files[@]}" --ggml "${ggml_files[@]}" --torch "$work/torch.json" \
    ${fma:+--fma "$fma"} --md "$root/docs/peers.md" --json "$root/docs/peers.json" \
    --meta "date=$(date -u +%Y-%m-%dT%H:%MZ)" "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" \
           "cores=$(nproc)" "seqmix=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
           "java=$("$java" -version 2>&1 | head -1)" "simd=$("$java" --add-modules jdk.incubator.vector -jar "$jar" info 2>/dev/null | sed -n 's/^simd: //p')"
log "wrote docs/peers.md and docs/peers.json (raw results in $work)"
