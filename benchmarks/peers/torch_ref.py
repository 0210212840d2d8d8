#!/usr/bin/python3
"""PyTorch (CPU, 2 threads) running the peers' reference chunk code, for the side-by-side table.

usage: /usr/bin/python3 torch_ref.py FLA_DIR MAMBA_DIR [OUT_JSON]
  FLA_DIR    work tree of fla-org/flash-linear-attention (fla/ops/.../naive.py are loaded by file path)
  MAMBA_DIR  work tree of state-spaces/mamba (mamba_ssm/modules/ssd_minimal.py)
  env TORCH_REF_T="1024,4096" (sequence lengths), TORCH_REF_REPS=3 (timed calls, median reported)

Rows at B=1, H=8, K=V=128 (Mamba-2: H=16, P=64, N=128, one group of B/C shared by the heads, as seqmix
--G 1 and mamba_ssm's default ngroups=1): fla naive_chunk_gated_delta_rule, fla naive_chunk_simple_gla,
mamba ssd_minimal_discrete, and a plain softmax causal attention (matmul, mask, softmax, matmul).
The fetched code is imported from the given folders, never copied. Debian's python3-torch has no einops and
the mamba_ssm package needs triton, so both are replaced by the small stand-ins below before loading.
"""
import importlib.util
import json
import math
import os
import statistics
import sys
import time
import types

import torch
import torch.nn.functional as F


# ---- a stand-in for einops.rearrange / einops.repeat (the patterns the reference files use) ----

def _axes(side):
    """'b (n c) ... d' -> ['b', ['n', 'c'], '...', 'd']"""
    items, group = [], None
    for tok in side.replace("(", " ( ").replace(")", " ) ").split():
        if tok == "(":
            group = []
        elif tok == ")":
            items.append(group)
            group = None
        elif group is not None:
            group.append(tok)
        else:
            items.append(tok)
    return items


def rearrange(x, pattern, **sizes):
    left, right = (_axes(s) for s in pattern.split("->"))
    n_ell = x.dim() - sum(1 for i in left if i != "...")
    dims, elems, d = dict(sizes), [], 0
    for item in left:
        if item == "...":
            for j in range(n_ell):
                dims["..%d" % j] = x.shape[d]
                elems.append("..%d" % j)
                d += 1
            continue
        group = item if isinstance(item, list) else [item]
        known = math.prod(dims[n] for n in group if n in dims)
        for n in group:
            if n not in dims:
                dims[n] = x.shape[d] // known
        elems += group
        d += 1
    x = x.reshape([dims[n] for n in elems])
    flat, shape = [], []
    for item in right:
        group = ["..%d" % j for j in range(n_ell)] if item == "..." else (item if isinstance(item, list) else [item])
        flat += group
        if item == "...":
            shape += [dims[n] for n in group]
        else:
            shape.append(math.prod(dims[n] for n in group))
    x = x.permute([elems.index(n) for n in flat if n in elems])
    for pos, n in enumerate(flat):  # axes new on the right (repeat): broadcast
        if n not in elems:
            x = x.unsqueeze(pos)
    x = x.expand([dims[n] for n in flat])
    return x.reshape(shape)


repeat = rearrange


def _stub_modules():
    einops = types.ModuleType("einops")
    einops.rearrange, einops.repeat = rearrange, repeat
    sys.modules.setdefault("einops", einops)
    # ssd_minimal.py imports the triton kernel only for its own test
    for name in ("mamba_ssm", "mamba_ssm.ops", "mamba_ssm.ops.triton", "mamba_ssm.ops.triton.ssd_combined"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["mamba_ssm.ops.triton.ssd_combined"].mamba_chunk_scan_combined = None


def _load(path, name):
    if not os.path.isfile(path):
        sys.exit("torch_ref.py: missing " + path)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---- rows ----

def _time(fn, reps):
    fn()  # warm-up
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts), min(ts)


def _rows(fla, mamba, lengths, reps):
    g = torch.Generator().manual_seed(0)
    rows = []
    for T in lengths:
        B, H, K, V = 1, 8, 128, 128
        q = F.normalize(torch.randn(B, T, H, K, generator=g), dim=-1)
        k = F.normalize(torch.randn(B, T, H, K, generator=g), dim=-1)
        v = torch.randn(B, T, H, V, generator=g)
        gate = F.logsigmoid(torch.randn(B, T, H, generator=g)) / 4  # log-space decay, ~[-1, 0)
        beta = torch.rand(B, T, H, generator=g)
        shape = {"B": B, "T": T, "H": H, "K": K, "V": V}
        cases = [
            ("gated_delta_rule", "fla naive_chunk_gated_delta_rule",
             lambda: fla["gdn"].naive_chunk_gated_delta_rule(q, k, v, gate, beta, chunk_size=64, output_final_state=True), shape),
            ("simple_gla", "fla naive_chunk_simple_gla",
             lambda: fla["sgla"].naive_chunk_simple_gla(q, k, v, gate, output_final_state=True, chunk_size=64), shape),
        ]
        Hm, P, N = 16, 64, 128
        x = torch.randn(B, T, Hm, P, generator=g)
        dt = torch.exp(math.log(1e-3) + torch.rand(B, T, Hm, generator=g) * (math.log(1e-1) - math.log(1e-3)))
        A = -torch.empty(Hm).uniform_(1, 16, generator=g)
        Bm = torch.randn(B, T, 1, N, generator=g).expand(B, T, Hm, N)
        Cm = torch.randn(B, T, 1, N, generator=g).expand(B, T, Hm, N)
        cases.append(("mamba2", "mamba ssd_minimal_discrete",
                      lambda: mamba.ssd_minimal_discrete(x * dt.unsqueeze(-1), A * dt, Bm, Cm, 64),
                      {"B": B, "T": T, "H": Hm, "P": P, "N": N, "G": 1}))
        D = 128
        qa, ka, va = (torch.randn(B, H, T, D, generator=g) for _ in range(3))

        def attention():
            s = (qa @ ka.transpose(-1, -2)) * D ** -0.5
            s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
            return torch.softmax(s, dim=-1) @ va
        cases.append(("attention", "softmax causal attention (matmul, mask, softmax, matmul)", attention,
                      {"B": B, "T": T, "H": H, "D": D}))
        for op, code, fn, sh in cases:
            med, mn = _time(fn, reps)
            rows.append(dict(op=op, code=code, **sh, median_ms=round(med, 3), min_ms=round(mn, 3)))
            print("torch_ref.py: %s T=%d %.1f ms" % (op, T, med), file=sys.stderr)
    return rows


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    fla_dir, mamba_dir = sys.argv[1], sys.argv[2]
    torch.set_num_threads(2)
    _stub_modules()
    fla = {"gdn": _load(os.path.join(fla_dir, "fla/ops/gated_delta_rule/naive.py"), "peer_fla_gdn_naive"),
           "sgla": _load(os.path.join(fla_dir, "fla/ops/simple_gla/naive.py"), "peer_fla_simple_gla_naive")}
    mamba = _load(os.path.join(mamba_dir, "mamba_ssm/modules/ssd_minimal.py"), "peer_mamba_ssd_minimal")
    lengths = [int(t) for t in os.environ.get("TORCH_REF_T", "1024,4096").split(",")]
    reps = int(os.environ.get("TORCH_REF_REPS", "3"))
    with torch.no_grad():
        rows = _rows(fla, mamba, lengths, reps)
    out = json.dumps({"torch_version": torch.__version__, "threads": torch.get_num_threads(), "reps": reps, "rows": rows}, indent=1)
    if len(sys.argv) == 4:
        with open(sys.argv[3], "w") as f:
            f.write(out + "\n")
    else:
        print(out)


if __name__ == "__main__":
    main()
