#!/usr/bin/env python3
"""Time OCaml's classic testsuite benchmarks: ocamlrun vs camllvm (cold, cached) vs ocamlopt.

usage: bench.py [TREE] [--rounds N] [--only a,b,...] [--set big|orig|all] [--out DIR]

TREE is a camllvm source tree (default: this repository); it is put on PYTHONPATH,
so that another checkout can be measured with the same programs and harness.
The programs are built by prepare.py (run first if a binary is missing) into
$OCAML_TESTSUITE_DIR/classic/bin.  Every child's CPU time (user+sys, from os.wait4)
is measured; rounds are interleaved (round 1 of every program and mode, then
round 2, ...) so that a change of machine load hits every column alike; the table
shows medians.  camllvm's stdout and exit code must equal ocamlrun's (exit 1 if not).
Output: table.md, times.json and every run's stdout/stderr in
$OCAML_TESTSUITE_DIR/classic/out/<tree>-<date> (or --out DIR).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from camllvm.bench import geomean, median

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PY = str(REPO / ".venv" / "bin" / "python")
BASE = Path(os.environ.get("OCAML_TESTSUITE_DIR", REPO / ".cache" / "ocaml-testsuite"))
CLASSIC = BASE / "classic"
BIN = CLASSIC / "bin"

# name, executable stem in bin/, args, set ("big" = sized to run 2-6 s under ocamlrun,
# "orig" = the testsuite's own size, kept for programs that take < 1 s)
PROGRAMS = [
    ("almabench_big", "almabench_big", [], "big"),
    ("bdd_big", "bdd", ["22"], "big"),
    ("boyer_big", "boyer_big", [], "big"),
    ("fft_big", "fft_big", [], "big"),
    ("fib_big", "fib", ["40"], "big"),
    ("hamming_big", "hamming_big", [], "big"),
    ("kb_big", "kb_big", [], "big"),
    ("nucleic_big", "nucleic_big", [], "big"),
    ("quicksort_big", "quicksort_big", [], "big"),
    ("sieve_big", "sieve_big", [], "big"),
    ("soli_big", "soli_big", [], "big"),
    ("sorts_big", "sorts_big", [], "big"),
    ("takc_big", "takc_big", [], "big"),
    ("taku_big", "taku_big", [], "big"),
    ("almabench", "almabench", [], "orig"),
    ("bdd", "bdd", [], "orig"),
    ("boyer", "boyer", [], "orig"),
    ("fib", "fib", [], "orig"),
    ("hamming", "hamming", [], "orig"),
    ("kb", "kb", [], "orig"),
    ("nucleic", "nucleic", [], "orig"),
    ("quicksort", "quicksort", [], "orig"),
    ("sieve", "sieve", [], "orig"),
    ("soli", "soli", [], "orig"),
    ("takc", "takc", [], "orig"),
    ("taku", "taku", [], "orig"),
]
MODES = ["ocamlrun", "cold", "cached", "ocamlopt"]
COLD_WALL = "cold wall"  # the cold runs' wall-clock time (they compile on a second thread)


def run(cmd: list[str], env: dict[str, str], out: Path, err: Path) -> tuple[float, int, float]:
    """Run cmd; return (user+sys CPU seconds of the child, exit status, wall seconds)."""
    with open(out, "wb") as fo, open(err, "wb") as fe, open(os.devnull, "rb") as fi:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=fi, stdout=fo, stderr=fe, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
    return ru.ru_utime + ru.ru_stime, p.returncode, wall


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tree", nargs="?", default=str(REPO), help="camllvm source tree (default: this one)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", default="", help="comma-separated program names")
    ap.add_argument("--set", default="all", choices=["all", "big", "orig"])
    ap.add_argument("--out", default="", help="output directory")
    return ap.parse_args()


class Bench:
    """One harness run: a camllvm tree with its private cache, the reference outputs, the times."""

    def __init__(self, tree: Path, outdir: Path, cache: Path) -> None:
        self.tree, self.outdir, self.cache = tree, outdir, cache
        self.base_env = dict(os.environ)
        self.base_env.pop("CAMLLVM_CACHE_DIR", None)
        self.jit_env = dict(self.base_env, PYTHONPATH=str(tree), CAMLLVM_CACHE_DIR=str(cache))
        self.ref: dict[str, tuple[str, int]] = {}
        self.mismatches: list[str] = []

    def prepare(self) -> None:
        """Compile the tree's .pyc (else every run recompiles camllvm's modules when
        PYTHONDONTWRITEBYTECODE is set); empty the code cache, keep the runtime library
        (keyed by its sources' digest) and build it if needed, untimed."""
        subprocess.run([PY, "-m", "compileall", "-q", str(self.tree / "camllvm")], check=True)
        shutil.rmtree(self.cache / "code", ignore_errors=True)
        self.cache.mkdir(parents=True, exist_ok=True)
        run(self.command("cold", "fib", [])[0], self.jit_env,
            self.outdir / "warmup.out", self.outdir / "warmup.err")

    def command(self, mode: str, stem: str, args: list[str]) -> tuple[list[str], dict[str, str]]:
        byte = str(BIN / f"{stem}.byte")
        if mode == "ocamlrun":
            return ["ocamlrun", byte, *args], self.base_env
        if mode == "ocamlopt":
            return [str(BIN / f"{stem}.opt"), *args], self.base_env
        extra = ["--no-cache"] if mode == "cold" else []
        return [PY, "-m", "camllvm", "run", *extra, byte, *args], self.jit_env

    def one(self, name: str, stem: str, args: list[str], mode: str, label: str) -> tuple[float, float]:
        """Run a program once in a mode; check its output against ocamlrun's; return its
        CPU and wall-clock times."""
        cmd, env = self.command(mode, stem, args)
        out, err = self.outdir / f"{name}.{label}.out", self.outdir / f"{name}.{label}.err"
        cpu, rc, wall = run(cmd, env, out, err)
        got = (digest(out), rc)
        if mode == "ocamlrun" and name not in self.ref:
            self.ref[name] = got
        elif mode != "ocamlopt" and got != self.ref[name]:
            envs = (f"PYTHONPATH={self.tree} CAMLLVM_CACHE_DIR={self.cache} "
                    if mode in ("cold", "cached") else "")
            msg = (f"{name} [{label}]: stdout/exit differs from ocamlrun (rc {rc} vs {self.ref[name][1]}); "
                   f"repro: {envs}{' '.join(cmd)}; diff {self.outdir}/{name}.ocamlrun0.out {out}")
            self.mismatches.append(msg)
            print("MISMATCH", msg, file=sys.stderr, flush=True)
        elif mode == "ocamlopt" and got != self.ref[name]:
            print(f"note: {name} ocamlopt output differs from ocamlrun", file=sys.stderr)
        print(f"  {name:15s} {label:10s} cpu {cpu:7.3f}s wall {wall:7.3f}s rc {rc}",
              file=sys.stderr, flush=True)
        return cpu, wall

    def measure(self, progs: list[tuple], rounds: int) -> dict[str, dict[str, list[float]]]:
        """Reference outputs and a code cache filled by one camllvm run each, then the timed rounds."""
        for name, stem, args, _ in progs:
            self.one(name, stem, args, "ocamlrun", "ocamlrun0")
            self.one(name, stem, args, "cached", "fill")
        times = {p[0]: {m: [] for m in [*MODES, COLD_WALL]} for p in progs}
        for r in range(1, rounds + 1):
            for name, stem, args, _ in progs:
                for mode in MODES:
                    cpu, wall = self.one(name, stem, args, mode, f"{mode}{r}")
                    times[name][mode].append(cpu)
                    if mode == "cold":
                        times[name][COLD_WALL].append(wall)
        return times


def table(tree: Path, rounds: int, progs: list[tuple], med: dict[str, dict[str, float]],
          mismatches: list[str]) -> str:
    """The Markdown table of medians and speed ratios, with geometric means per set."""
    def ratios(n: str) -> tuple[float, float, float, float]:
        m = med[n]
        return (m["ocamlrun"] / m["cold"], m["ocamlrun"] / m[COLD_WALL],
                m["ocamlrun"] / m["cached"], m["cached"] / m["ocamlopt"])

    lines = [f"camllvm tree `{tree}` ({rounds} rounds, median CPU s = user+sys; cold wall: "
             "the cold runs' wall-clock s, compared with ocamlrun's CPU s)", "",
             "| program | ocamlrun s | cold s | cold wall s | cached s | ocamlopt s | ocamlrun/cold "
             "| ocamlrun/cold wall | ocamlrun/cached | cached/ocamlopt |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    columns = ["ocamlrun", "cold", COLD_WALL, "cached", "ocamlopt"]
    for name, *_ in progs:
        m = med[name]
        lines.append(f"| {name} | " + " | ".join(f"{m[c]:.3f}" for c in columns) + " | "
                     + " | ".join(f"{x:.2f}" for x in ratios(name)) + " |")
    for label, sel in (("big (2-6 s)", "big"), ("orig (< 1 s)", "orig"), ("all", None)):
        ns = [p[0] for p in progs if sel in (None, p[3])]
        if not ns:
            continue
        g = [geomean([med[n][c] for n in ns]) for c in columns]
        gr = [geomean([ratios(n)[i] for n in ns]) for i in range(4)]
        lines.append(f"| **geomean {label}** | " + " | ".join(f"{x:.3f}" for x in g) + " | "
                     + " | ".join(f"{x:.2f}" for x in gr) + " |")
    lines += ["", "output mismatches vs ocamlrun: " + (str(len(mismatches)) if mismatches else "none")]
    lines += [f"- {m}" for m in mismatches]
    return "\n".join(lines)


def select(a: argparse.Namespace) -> list[tuple]:
    """The programs asked for; builds them with prepare.py if a binary is missing."""
    progs = [p for p in PROGRAMS if a.set in ("all", p[3])]
    if a.only:
        want = a.only.split(",")
        unknown = set(want) - {p[0] for p in PROGRAMS}
        if unknown:
            sys.exit(f"bench: unknown program(s) {', '.join(sorted(unknown))}")
        progs = [p for p in progs if p[0] in want]
    if not all((BIN / f"{p[1]}.{ext}").is_file() for p in progs for ext in ("byte", "opt")):
        subprocess.run([sys.executable, str(HERE / "prepare.py")], check=True)
    return progs


def main() -> int:
    a = parse_args()
    tree = Path(a.tree).resolve()
    if not (tree / "camllvm" / "__init__.py").is_file():
        sys.exit(f"bench: {tree} is not a camllvm source tree")
    progs = select(a)
    tag = str(tree).strip("/").replace("/", "_")
    outdir = Path(a.out) if a.out else CLASSIC / "out" / f"{tag}-{time.strftime('%Y%m%d-%H%M%S')}"
    outdir.mkdir(parents=True, exist_ok=True)
    b = Bench(tree, outdir, CLASSIC / "cache" / tag)
    print(f"tree {tree} cache {b.cache} out {outdir}", file=sys.stderr, flush=True)
    b.prepare()
    times = b.measure(progs, a.rounds)
    med = {n: {m: median(v) for m, v in d.items()} for n, d in times.items()}
    (outdir / "times.json").write_text(json.dumps(
        {"tree": str(tree), "times": times, "median": med, "mismatches": b.mismatches}, indent=1))
    text = table(tree, a.rounds, progs, med, b.mismatches)
    (outdir / "table.md").write_text(text + "\n")
    print(text)
    return 1 if b.mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
