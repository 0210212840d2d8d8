#!/usr/bin/python3
"""Checks of the peers scripts' own logic (no peer run): /usr/bin/python3 benchmarks/peers/test_peers.py"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import parse_ggml_perf  # noqa: E402
import side_by_side  # noqa: E402

LINE = ("  GATED_DELTA_NET(type=f32,head_count=32,head_size=128,n_seq_tokens=1,n_seqs=1,v_repeat=1,permuted=0,kda=0,K=1):"
        "         8190 runs -  \x1b[1;34m 108.50 us/run\x1b[0m - 528 kB/run - \x1b[1;34m   0.33 GB/s\x1b[0m")


class ParseGgml(unittest.TestCase):
    def test_perf_line(self):
        rows = parse_ggml_perf.parse("Backend 1/1: CPU\n" + LINE + "\n  Backend CPU: OK\n")
        self.assertEqual(1, len(rows))
        r = rows[0]
        self.assertEqual("GATED_DELTA_NET", r["op"])
        self.assertEqual(108.5, r["us_per_run"])
        self.assertEqual(8190, r["runs"])
        self.assertEqual(32, r["params"]["head_count"])
        self.assertEqual("f32", r["params"]["type"])

    def test_bracketed_params(self):
        p = parse_ggml_perf.split_params("hsk=128,nr23=[1,1],max_bias=0.000000,permute=[0,1,2,3],type_K=f16")
        self.assertEqual([1, 1], p["nr23"])
        self.assertEqual([0, 1, 2, 3], p["permute"])
        self.assertEqual(0.0, p["max_bias"])
        self.assertEqual("f16", p["type_K"])


class Table(unittest.TestCase):
    def test_ratio_and_missing_rows(self):
        with tempfile.TemporaryDirectory() as d:
            ggml = {"ggml_commit": "abc", "rows": [
                {"op": "GATED_DELTA_NET", "params": dict(side_by_side.GDN, n_seq_tokens=1, kda=0, type="f32"),
                 "params_str": "x", "us_per_run": 100.0, "runs": 1}]}
            torch = {"torch_version": "1", "rows": [{"op": "simple_gla", "T": 1024, "median_ms": 30.0, "code": "c"}]}
            with open(os.path.join(d, "g.json"), "w") as f:
                json.dump(ggml, f)
            with open(os.path.join(d, "t.json"), "w") as f:
                json.dump(torch, f)
            with open(os.path.join(d, "s.tsv"), "w") as f:
                f.write('gdn_decode\t{"median_ms": 0.05, "min_ms": 0.04, "gflops": 20.0, "kernel": "step"}\n')
                f.write("torch_sgla_T1024\t{\"median_ms\": 10.0, \"gflops\": 5.0}\n")
                f.write("gemm\t!seqmix bench: --M: boom\n")
            md, js = os.path.join(d, "o.md"), os.path.join(d, "o.json")
            subprocess.run([sys.executable, os.path.join(HERE, "side_by_side.py"), "table", "--seqmix", os.path.join(d, "s.tsv"),
                            "--ggml", os.path.join(d, "g.json"), "--torch", os.path.join(d, "t.json"), "--fma", "90",
                            "--md", md, "--json", js], check=True)
            rows = {r["id"]: r for r in json.load(open(js))["rows"]}
            self.assertEqual(2.0, rows["gdn_decode"]["ratio"])        # 0.1 ms / 0.05 ms
            self.assertEqual(3.0, rows["torch_sgla_T1024"]["ratio"])  # 30 ms / 10 ms
            self.assertIsNone(rows["gemm"]["ratio"])
            self.assertIn("boom", rows["gemm"]["seqmix_error"])
            self.assertEqual(len(side_by_side.ROWS), len(rows))
            text = open(md).read()
            self.assertIn("| 2.00x |", text)
            self.assertIn("100.0 us", text)


    def test_rounds_pair_ggml_and_seqmix_and_take_medians(self):
        with tempfile.TemporaryDirectory() as d:
            files = []
            for r, (peer_us, ours_ms) in enumerate([(100.0, 0.05), (300.0, 0.10), (200.0, 0.04)]):
                g, t = os.path.join(d, "g%d.json" % r), os.path.join(d, "s%d.tsv" % r)
                with open(g, "w") as f:
                    json.dump({"ggml_commit": "abc", "rows": [
                        {"op": "GATED_DELTA_NET", "params": dict(side_by_side.GDN, n_seq_tokens=1, kda=0, type="f32"),
                         "params_str": "x", "us_per_run": peer_us, "runs": 1}]}, f)
                with open(t, "w") as f:
                    f.write('gdn_decode\t{"median_ms": %s, "min_ms": 0.03, "gflops": 20.0, "kernel": "step"}\n' % ours_ms)
                files.append((g, t))
            md, js = os.path.join(d, "o.md"), os.path.join(d, "o.json")
            subprocess.run([sys.executable, os.path.join(HERE, "side_by_side.py"), "table", "--seqmix"] + [t for _, t in files]
                           + ["--ggml"] + [g for g, _ in files] + ["--md", md, "--json", js], check=True)
            out = json.load(open(js))
            row = {r["id"]: r for r in out["rows"]}["gdn_decode"]
            self.assertEqual(3.0, row["ratio"])          # rounds: 2x, 3x, 5x -> median 3x (not 0.2 ms / 0.05 ms = 4x)
            self.assertEqual((2.0, 5.0), (row["ratio_min"], row["ratio_max"]))
            self.assertEqual(0.2, row["peer_ms"])        # median of 0.1, 0.3, 0.2 ms
            self.assertEqual(0.05, row["seqmix_ms"])
            self.assertEqual(3, out["meta"]["rounds"])
            self.assertIn("| 3.00x | 2.00-5.00x (3) |", open(md).read())

    def test_round_counts_must_match(self):
        with tempfile.TemporaryDirectory() as d:
            open(os.path.join(d, "s.tsv"), "w").close()
            with open(os.path.join(d, "g.json"), "w") as f:
                json.dump({"rows": []}, f)
            r = subprocess.run([sys.executable, os.path.join(HERE, "side_by_side.py"), "table", "--seqmix", os.path.join(d, "s.tsv"),
                                "--ggml", os.path.join(d, "g.json"), os.path.join(d, "g.json"), "--md", os.path.join(d, "o.md"),
                                "--json", os.path.join(d, "o.json")], capture_output=True, text=True)
            self.assertNotEqual(0, r.returncode)
            self.assertIn("one of each per round", r.stderr)


class Einops(unittest.TestCase):
    def test_stand_in_matches_reshape_permute(self):
        try:
            import torch
        except ImportError:
            self.skipTest("no torch")
        from torch_ref import rearrange, repeat
        x = torch.arange(2 * 6 * 3 * 4, dtype=torch.float32).reshape(2, 6, 3, 4)
        y = rearrange(x, "b t h ... -> b h t ...")
        self.assertTrue(torch.equal(y, x.transpose(1, 2)))
        z = rearrange(y, "b h (n c) d -> b h n c d", c=2)
        self.assertTrue(torch.equal(z, y.reshape(2, 3, 3, 2, 4)))
        self.assertTrue(torch.equal(rearrange(z, "b h n c d -> b (n c) h d"), x))
        self.assertTrue(torch.equal(rearrange(x, "b (c l) ... -> b c l ...", l=3), x.reshape(2, 2, 3, 3, 4)))
        r = repeat(torch.arange(3.0), "... d -> ... d e", e=4)
        self.assertTrue(torch.equal(r, torch.arange(3.0)[:, None].expand(3, 4)))


if __name__ == "__main__":
    unittest.main()
