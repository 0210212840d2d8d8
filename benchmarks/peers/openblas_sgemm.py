#!/usr/bin/python3
"""OpenBLAS sgemm GFLOP/s at square sizes, for the seqmix benchmark report (the peer next to GemmBench).

Run with a Python whose numpy loads OpenBLAS (Debian's python3-numpy only with libopenblas0-pthread installed; a
pip numpy brings its own; benchmarks/run picks the first of /usr/bin/python3 and python3 on PATH that does):

    python3 benchmarks/peers/openblas_sgemm.py --sizes 256,512,1024,2048 --threads 1,2 --out peer.json

Each thread count runs in a child process started with OPENBLAS_NUM_THREADS set before numpy loads, and
with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed from its environment so OpenBLAS picks its kernel for the
real CPU. The JSON names the BLAS actually loaded (from threadpoolctl or /proc/self/maps): when it is not
OpenBLAS the label says so instead of pretending.
"""
import argparse
import json
import os
import subprocess
import sys
import time


def blas_library():
    """Name/version of the BLAS numpy loaded, after a first matmul has loaded it."""
    try:
        import threadpoolctl
        for info in threadpoolctl.threadpool_info():
            if info.get("user_api") == "blas":
                return "%s %s (%s, %s)" % (info.get("internal_api"), info.get("version") or "",
                                           info.get("architecture") or "?", os.path.basename(info.get("filepath", "")))
    except ImportError:
        pass
    with open("/proc/self/maps") as f:
        libs = sorted({line.split()[-1] for line in f if "blas" in line.lower() and line.split()[-1].startswith("/")})
    for lib in libs:
        if "openblas" in lib.lower():
            return "openblas (%s)" % os.path.basename(lib)
    return "NOT OpenBLAS: %s" % (", ".join(os.path.basename(l) for l in libs) or "unknown BLAS")


def measure(n, min_time):
    """Best mean seconds per C = A @ B over 3 batches, each batch long enough to last min_time / 3."""
    import numpy as np
    rng = np.random.default_rng(n)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty((n, n), dtype=np.float32)
    np.matmul(a, b, out=c)  # warm-up: loads the library, spins up its threads
    t0 = time.perf_counter()
    np.matmul(a, b, out=c)
    once = max(time.perf_counter() - t0, 1e-9)
    reps = max(1, int(min_time / 3 / once))
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(reps):
            np.matmul(a, b, out=c)
        best = min(best, (time.perf_counter() - t0) / reps)
    return best


def worker(sizes, threads, min_time):
    import numpy as np
    rows = []
    for n in sizes:
        s = measure(n, min_time)
        rows.append({"size": n, "threads": threads, "seconds": s, "gflops": 2.0 * n ** 3 / s / 1e9})
        print("openblas sgemm n=%d threads=%d: %.2f GFLOP/s" % (n, threads, rows[-1]["gflops"]), file=sys.stderr)
    json.dump({"library": blas_library() + " via numpy " + np.__version__, "results": rows}, sys.stdout)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="256,512,1024,2048")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--min-time", type=float, default=1.0, help="seconds of timed calls per size")
    p.add_argument("--out", default="-")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    sizes = [int(s) for s in a.sizes.split(",") if s]
    if a.worker:
        worker(sizes, int(a.threads), a.min_time)
        return
    results, library = [], None
    for t in [int(s) for s in a.threads.split(",") if s]:
        env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "GOTO_NUM_THREADS"):
            env[var] = str(t)
        out = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", "--sizes", a.sizes,
                              "--threads", str(t), "--min-time", str(a.min_time)],
                             env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
        part = json.loads(out)
        library = part["library"]
        results += part["results"]
    doc = {"library": library, "results": results,
           "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    if a.out == "-":
        json.dump(doc, sys.stdout, indent=1)
        print()
    else:
        with open(a.out, "w") as f:
            json.dump(doc, f, indent=1)


if __name__ == "__main__":
    main()
