#!/usr/bin/env python3
"""Parses `test-backend-ops perf` console output into JSON (used by ggml.sh).

usage: parse_ggml_perf.py RAW_OUTPUT_FILE [GGML_COMMIT]
Each perf line looks like
  GATED_DELTA_NET(type=f32,head_count=32,...):   8190 runs -  1511.03 us/run - ...
"""
import json
import os
import platform
import re
import sys

LINE = re.compile(r"^\s*([A-Z0-9_]+)\((.*)\):\s+(\d+) runs -\s+([0-9.]+) us/run")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def split_params(s):
    """'a=1,b=[1,2],c=f32' -> {'a': 1, 'b': [1, 2], 'c': 'f32'} (commas inside brackets kept)."""
    out, depth, cur = {}, 0, ""
    for ch in s + ",":
        if ch == "," and depth == 0:
            if "=" in cur:
                k, v = cur.split("=", 1)
                out[k] = value(v)
            cur = ""
            continue
        depth += ch == "["
        depth -= ch == "]"
        cur += ch
    return out


def value(v):
    if v.startswith("[") and v.endswith("]"):
        return [value(x) for x in v[1:-1].split(",") if x]
    for cast in (int, float):
        try:
            return cast(v)
        except ValueError:
            pass
    return v


def parse(text):
    rows = []
    for line in text.splitlines():
        m = LINE.match(ANSI.sub("", line))
        if m:
            rows.append({"op": m.group(1), "params": split_params(m.group(2)), "params_str": m.group(2),
                         "us_per_run": float(m.group(4)), "runs": int(m.group(3))})
    return rows


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    with open(sys.argv[1], errors="replace") as f:
        rows = parse(f.read())
    if not rows:
        sys.exit("parse_ggml_perf.py: no perf lines in " + sys.argv[1])
    print(json.dumps({"ggml_commit": sys.argv[2] if len(sys.argv) > 2 else "unknown", "threads": os.cpu_count(),
                      "cpu": cpu_name(), "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
