#!/usr/bin/env bash
# Runs ggml's CPU backend (the kernels llama.cpp runs) at its own perf shapes and writes JSON.
#   usage: ggml.sh GGML_SRC_DIR [OUT_JSON]
#   GGML_BUILD_DIR=DIR  reuse (or create) this cmake build dir instead of a temporary one
# Builds tests/test-backend-ops (Release, GGML_NATIVE=ON, tests on, examples off), then runs
# `test-backend-ops perf -b CPU -o OP -p REGEX` for GATED_DELTA_NET, SSM_SCAN, FLASH_ATTN_EXT and MUL_MAT
# restricted to the shapes of the side-by-side table. ggml uses std::thread::hardware_concurrency() threads.
# Output: a JSON object {ggml_commit, threads, cpu, rows: [{op, params: {..}, params_str, us_per_run, runs}]}.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 || ! -f "$1/tests/test-backend-ops.cpp" ]]; then
    echo "usage: ggml.sh GGML_SRC_DIR [OUT_JSON]   (GGML_SRC_DIR must hold a ggml checkout)" >&2
    exit 2
fi
src=$(cd "$1" && pwd)
out=${2:-}
here=$(cd "$(dirname "$0")" && pwd)

if [[ -n "${GGML_BUILD_DIR:-}" ]]; then
    build=$GGML_BUILD_DIR
else
    build=$(mktemp -d /tmp/ggml-build.XXXXXX)
    trap 'rm -rf "$build"' EXIT
fi
bin=$build/bin/test-backend-ops
if [[ ! -x "$bin" ]]; then
    echo "ggml.sh: building test-backend-ops in $build" >&2
    cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DGGML_BUILD_TESTS=ON \
        -DGGML_BUILD_EXAMPLES=OFF >&2
    cmake --build "$build" --target test-backend-ops -j "$(nproc)" >&2
fi

# op name and the params regex selecting the table's rows (see make_test_cases_perf in test-backend-ops.cpp)
filters=(
    "GATED_DELTA_NET" 'type=f32,head_count=32,head_size=128,'
    "SSM_SCAN"        'type=f32,d_state=128,head_dim=(64|80),'
    "FLASH_ATTN_EXT"  'hsk=128,hsv=128,nh=8,nr23=\[1,1\],kv=(4096|8192|16384),nb=1,'
    "MUL_MAT"         'type_a=f32,type_b=f32,m=4096,n=512,k=14336,'
)
raw=$(mktemp /tmp/ggml-perf.XXXXXX)
for ((i = 0; i < ${#filters[@]}; i += 2)); do
    op=${filters[i]}
    echo "ggml.sh: perf $op" >&2
    "$bin" perf -b CPU -o "$op" -p "${filters[i+1]}" >>"$raw" 2>&1 || { echo "ggml.sh: $op failed" >&2; cat "$raw" >&2; exit 1; }
done

commit=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)
json=$(python3 "$here/parse_ggml_perf.py" "$raw" "$commit")
rm -f "$raw"
if [[ -n "$out" ]]; then printf '%s\n' "$json" >"$out"; else printf '%s\n' "$json"; fi
