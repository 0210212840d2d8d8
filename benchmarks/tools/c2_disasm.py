#!/usr/bin/env python3
"""Disassemble a C2-compiled method from a HotSpot log without hsdis.

Without the hsdis plug-in, `-XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=print,CLASS::METHOD` prints each
compiled body as hex words. This script takes the last C2 body of such a log (or the N-th with --index N, 0-based;
negative counts from the end), turns the hex back into bytes and disassembles them with objdump (binutils).

    java --add-modules jdk.incubator.vector -XX:+UnlockDiagnosticVMOptions \\
         -XX:CompileCommand=print,org.seqmix.kernels.PanamaGemmKernel::vectorA -cp ... Main > gemm.log
    python3 benchmarks/tools/c2_disasm.py gemm.log | less
"""
import argparse
import re
import subprocess
import sys
import tempfile

LINE = re.compile(r"\s+0x([0-9a-f]+): ([0-9a-f| ]+)$")


def bodies(lines):
    """Yield (start address, bytes) for every C2 nmethod's main code in the log."""
    code = None
    for line in lines:
        if "C2-compiled nmethod" in line:
            if code:
                yield code
            code = []
            continue
        if "C1-compiled nmethod" in line or line.startswith("[Stub Code]") or line.startswith("[Exception Handler]"):
            if code:
                yield code
            code = None
            continue
        m = LINE.match(line) if code is not None else None
        if m:
            code.append((int(m.group(1), 16), bytes.fromhex(m.group(2).replace("|", "").replace(" ", ""))))
    if code:
        yield code


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("log")
    ap.add_argument("--index", type=int, default=-1, help="which C2 body (default: the last)")
    a = ap.parse_args()
    with open(a.log, errors="replace") as f:
        found = list(bodies(f.read().split("\n")))
    if not found:
        sys.exit(f"{a.log}: no C2-compiled body (is the method hot enough to reach C2, and the name right?)")
    chunks = found[a.index]
    start = chunks[0][0]
    data = bytearray()
    for addr, raw in chunks:
        data += b"\x90" * max(0, addr - start - len(data))  # gaps between annotated runs
        data += raw
    with tempfile.NamedTemporaryFile(suffix=".bin") as t:
        t.write(data)
        t.flush()
        out = subprocess.run(["objdump", "-D", "-b", "binary", "-mi386:x86-64", f"--adjust-vma={start:#x}", t.name],
                             capture_output=True, text=True, check=True).stdout
    print(out)


if __name__ == "__main__":
    main()
