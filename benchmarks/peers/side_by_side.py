#!/usr/bin/env python3
"""The rows of the seqmix vs peers table, and the table itself (used by side_by_side.sh).

  side_by_side.py commands
      one line per row: ROW_ID<TAB>seqmix bench arguments (without --json / --threads)
  side_by_side.py table --seqmix ROWS.tsv... --ggml GGML.json... --torch TORCH.json [--fma GFLOPS] [--meta K=V ...]
                        --md OUT.md --json OUT.json
      ROWS.tsv: ROW_ID<TAB>seqmix bench JSON line, or ROW_ID<TAB>!error message
      one ROWS.tsv and one GGML.json per round, in the same order: a round runs ggml's rows, then seqmix's, so
      each round's ratio compares figures taken minutes apart. Times are medians over rounds; the ratio is the
      median of the rounds' ratios, and the table shows their range.

Each row names the peer measurement it is compared with: a ggml test-backend-ops perf case (op + the params that
select it) or a torch_ref.py row (op + T). The ratio is peer time / seqmix time (> 1: seqmix is faster).
"""
import argparse
import json
import statistics
import sys

GDN = dict(head_count=32, head_size=128, n_seqs=1, v_repeat=1, permuted=0)

# id, label, seqmix bench arguments, peer name, peer selector, note. Decode rows time enough steps to span ~0.5-1.5 s,
# as ggml's perf loop does (~1 s per case): 100 steps (10 ms) let one slow spell of the VM set the median.
ROWS = [
    ("gdn_decode", "gated delta net decode, 32 heads, K=V=128", "gated_delta_rule --form step --H 32 --K 128 --V 128 --reps 5000",
     "ggml", ("GATED_DELTA_NET", dict(GDN, n_seq_tokens=1, kda=0)), "ggml graph: q/k l2_norm + gated_delta_net"),
] + [
    ("gdn_T%d" % t, "gated delta net prefill, 32 heads, K=V=128, T=%d" % t,
     "gated_delta_rule --T %d --H 32 --K 128 --V 128 --inplace" % t,
     "ggml", ("GATED_DELTA_NET", dict(GDN, n_seq_tokens=t, kda=0)), "ggml graph: q/k l2_norm + gated_delta_net")
    for t in (64, 256, 512, 1024)
] + [
    ("gdn_T1024_alloc", "gated delta net prefill, 32 heads, K=V=128, T=1024, allocating entry (new o and state per call)",
     "gated_delta_rule --T 1024 --H 32 --K 128 --V 128",
     "ggml", ("GATED_DELTA_NET", dict(GDN, n_seq_tokens=1024, kda=0)), "ggml graph: q/k l2_norm + gated_delta_net"),
] + [
    ("kda_decode", "KDA decode, 32 heads, K=V=128", "kda --form step --H 32 --K 128 --V 128 --reps 5000",
     "ggml", ("GATED_DELTA_NET", dict(GDN, n_seq_tokens=1, kda=1)), "per-channel gate"),
    ("kda_T64", "KDA prefill, 32 heads, K=V=128, T=64", "kda --T 64 --H 32 --K 128 --V 128 --inplace",
     "ggml", ("GATED_DELTA_NET", dict(GDN, n_seq_tokens=64, kda=1)), "per-channel gate"),
    ("mamba2_48_decode", "Mamba-2 decode, 48 heads, P=64, N=128", "mamba2 --form step --H 48 --P 64 --N 128 --G 1 --reps 10000",
     "ggml", ("SSM_SCAN", dict(d_state=128, head_dim=64, n_head=48, n_group=1, n_seq_tokens=1)), "scan only: no D, no z"),
    ("mamba2_48_T512", "Mamba-2 prefill, 48 heads, P=64, N=128, T=512", "mamba2 --T 512 --H 48 --P 64 --N 128 --G 1 --inplace",
     "ggml", ("SSM_SCAN", dict(d_state=128, head_dim=64, n_head=48, n_group=1, n_seq_tokens=512)), "scan only: no D, no z"),
    ("mamba2_48_T512_alloc", "Mamba-2 prefill, 48 heads, P=64, N=128, T=512, allocating entry (new y and state per call)",
     "mamba2 --T 512 --H 48 --P 64 --N 128 --G 1",
     "ggml", ("SSM_SCAN", dict(d_state=128, head_dim=64, n_head=48, n_group=1, n_seq_tokens=512)), "scan only: no D, no z"),
    ("mamba2_128_decode", "Mamba-2 decode, 128 heads, P=80, N=128 (Nemotron-9B)", "mamba2 --form step --H 128 --P 80 --N 128 --G 1 --reps 5000",
     "ggml", ("SSM_SCAN", dict(d_state=128, head_dim=80, n_head=128, n_group=1, n_seq_tokens=1)), "scan only: no D, no z"),
    ("mamba2_128_T512", "Mamba-2 prefill, 128 heads, P=80, N=128, T=512 (Nemotron-9B)", "mamba2 --T 512 --H 128 --P 80 --N 128 --G 1 --inplace",
     "ggml", ("SSM_SCAN", dict(d_state=128, head_dim=80, n_head=128, n_group=1, n_seq_tokens=512)), "scan only: no D, no z"),
] + [
    # the cache holds ctx-1 tokens, the decoded token makes ctx keys, as ggml's kv=ctx with one query
    ("attn_decode_%d%s" % (ctx, "_bf16" if kv == "bf16" else ""),
     "attention decode, 8 heads, D=128, context %d, seqmix %s K/V" % (ctx, kv),
     "attention --form step --H 8 --G 8 --D 128 --T %d --kv %s --reps %d" % (ctx - 1, kv, 2048000 // ctx),
     "ggml", ("FLASH_ATTN_EXT", dict(hsk=128, hsv=128, nh=8, nr23=[1, 1], kv=ctx, nb=1)), "ggml K/V in f16")
    for ctx in (4096, 8192, 16384) for kv in ("f32", "bf16")
] + [
    ("gemm", "f32 GEMM 4096 x 14336 x 512 (C[512,4096] = X[512,14336] W[4096,14336]^T)", "gemm --M 512 --N 4096 --K 14336",
     "ggml", ("MUL_MAT", dict(type_a="f32", type_b="f32", m=4096, n=512, k=14336)), ""),
] + [
    row for t in (1024, 4096) for row in (
        ("torch_gdn_T%d" % t, "gated delta rule prefill, B=1, H=8, K=V=128, T=%d" % t, "gated_delta_rule --T %d --H 8 --K 128 --V 128" % t,
         "torch", ("gated_delta_rule", t), "fla naive_chunk_gated_delta_rule"),
        ("torch_sgla_T%d" % t, "simple GLA prefill, B=1, H=8, K=V=128, T=%d" % t, "simple_gla --T %d --H 8 --K 128 --V 128" % t,
         "torch", ("simple_gla", t), "fla naive_chunk_simple_gla"),
        ("torch_mamba2_T%d" % t, "Mamba-2 prefill, B=1, H=16, P=64, N=128, T=%d" % t, "mamba2 --T %d --H 16 --P 64 --N 128 --G 1" % t,
         "torch", ("mamba2", t), "mamba ssd_minimal_discrete"),
        ("torch_attn_T%d" % t, "causal softmax attention prefill, B=1, H=8, D=128, T=%d" % t, "attention --T %d --H 8 --G 8 --D 128" % t,
         "torch", ("attention", t), "matmul, mask, softmax, matmul"),
    )
]


def find_ggml(ggml, op, params):
    """(ms, the matched case's full parameter string) of the first ggml case with these params."""
    for r in ggml.get("rows", []):
        if r["op"] == op and all(r["params"].get(k) == v for k, v in params.items()):
            return r["us_per_run"] / 1e3, op + "(" + r["params_str"] + ")"
    return None, None


def find_torch(torch, op, t):
    for r in torch.get("rows", []):
        if r["op"] == op and r["T"] == t:
            return r["median_ms"], r["code"]
    return None, None


def fmt_ms(ms):
    if ms is None:
        return "n/a"
    return "%.1f us" % (ms * 1e3) if ms < 1 else "%.2f ms" % ms


def load_seqmix(path):
    out = {}
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            rid, rest = line.rstrip("\n").split("\t", 1)
            out[rid] = {"error": rest[1:].strip()} if rest.startswith("!") else json.loads(rest)
    return out


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def table(args):
    seqmix = [load_seqmix(p) for p in args.seqmix]
    ggml = [json.load(open(p)) for p in args.ggml or []]
    if ggml and len(ggml) != len(seqmix):
        sys.exit("side_by_side.py: %d --seqmix files but %d --ggml files (one of each per round)" % (len(seqmix), len(ggml)))
    torch = json.load(open(args.torch)) if args.torch else {}
    meta = dict(kv.split("=", 1) for kv in args.meta)
    meta.update(ggml_commit=ggml[0].get("ggml_commit") if ggml else None, torch_version=torch.get("torch_version"),
                fma_peak_gflops=args.fma, rounds=len(seqmix))
    rows = []
    for rid, label, bench_args, peer, sel, note in ROWS:
        runs = [r.get(rid, {"error": "not run"}) for r in seqmix]
        if peer == "ggml":
            found = [find_ggml(g, *sel) for g in ggml] or [(None, None)] * len(runs)
        else:
            found = [find_torch(torch, *sel)] * len(runs)
        peer_case = next((c for _, c in found if c), None)
        ratios = [pm / r["median_ms"] for (pm, _), r in zip(found, runs) if pm and r.get("median_ms")]
        ratio = median(ratios)
        errors = [r["error"] for r in runs if r.get("error")]
        rows.append(dict(id=rid, label=label, seqmix_args=bench_args, peer=peer, peer_note=note, peer_case=peer_case,
                         peer_ms=median([pm for pm, _ in found]), seqmix_ms=median([r.get("median_ms") for r in runs]),
                         seqmix_min_ms=min([r["min_ms"] for r in runs if r.get("min_ms") is not None], default=None),
                         seqmix_gflops=median([r.get("gflops") for r in runs]),
                         seqmix_kernel=next((r["kernel"] for r in runs if r.get("kernel")), None),
                         seqmix_error=errors[0] if errors else None,
                         ratio=round(ratio, 3) if ratio else None,
                         ratio_min=round(min(ratios), 3) if ratios else None, ratio_max=round(max(ratios), 3) if ratios else None,
                         rounds=len(ratios)))
    with open(args.json, "w") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=1)
        f.write("\n")
    fma = "%.0f" % args.fma if args.fma else "n/a"
    lines = [
        "# seqmix vs peers, side by side",
        "",
        "Generated by `benchmarks/peers/side_by_side.sh`; every figure below was measured in one sitting on this machine, "
        "2 threads for every side. The sitting runs in rounds: each round runs ggml's rows, then seqmix's, so a round's ratio "
        "compares figures taken minutes apart. Ratio = peer time / seqmix time (> 1: seqmix is faster), the median of the "
        "rounds' ratios, with their range; times are medians over the rounds. seqmix times are the median "
        "of `seqmix bench --json` calls (30 per whole-sequence row; decode rows as many steps as span ~0.5-1.5 s, as ggml's ~1 s perf loop, after the auto warm-up); ggml's are `test-backend-ops perf -b CPU` (us/run); PyTorch's the median of "
        "`torch_ref.py` calls (one run, shared by the rounds). FMA peak: the JMH `FmaPeakBench.fma2Threads` figure of the same sitting. "
        "Whole-sequence rows against ggml time seqmix's in-place entries (`--inplace`: output and state owned by the caller, "
        "as ggml's graph computes into tensors allocated once); rows marked \"allocating entry\" time the entries that return "
        "new tensors, and the PyTorch rows (which allocate too) time those as well.",
        "",
        "| | |",
        "|---|---|",
    ] + ["| %s | %s |" % (k, v) for k, v in meta.items() if v is not None] + [
        "",
        "| row | peer | seqmix | peer time | ratio peer/seqmix | ratio range over rounds | seqmix GFLOP/s | FMA peak GFLOP/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        peer = ("ggml" if r["peer"] == "ggml" else "PyTorch") + (" (" + r["peer_note"] + ")" if r["peer_note"] else "")
        sm = fmt_ms(r["seqmix_ms"]) if r["seqmix_ms"] is not None else "n/a: " + (r["seqmix_error"] or "")
        ratio = "%.2fx" % r["ratio"] if r["ratio"] else "n/a"
        gf = "%.1f" % r["seqmix_gflops"] if r["seqmix_gflops"] is not None else "n/a"
        span = "%.2f-%.2fx (%d)" % (r["ratio_min"], r["ratio_max"], r["rounds"]) if r["ratio"] else "n/a"
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (r["label"], peer, sm.replace("|", "/"), fmt_ms(r["peer_ms"]), ratio, span, gf,
                                                                 fma))
    lines += ["", "seqmix command per row: `seqmix bench ARGS --threads 2 --json`:", ""]
    lines += ["- %s: `%s`" % (r["id"], r["seqmix_args"]) for r in rows]
    with open(args.md, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "commands":
        for rid, _, bench_args, *_ in ROWS:
            print("%s\t%s" % (rid, bench_args))
        return
    p = argparse.ArgumentParser(usage=__doc__)
    p.add_argument("mode", choices=["table"])
    p.add_argument("--seqmix", required=True, nargs="+")
    p.add_argument("--ggml", nargs="+")
    p.add_argument("--torch")
    p.add_argument("--fma", type=float)
    p.add_argument("--meta", nargs="*", default=[])
    p.add_argument("--md", required=True)
    p.add_argument("--json", required=True)
    table(p.parse_args())


if __name__ == "__main__":
    main()
