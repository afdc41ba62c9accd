#!/usr/bin/env python3
"""Differential fuzzing: random OCaml programs (tests/fuzzgen.py) run under ocamlrun
and under camllvm in the JIT's modes; any difference in stdout, stderr or exit code
is kept (program, outputs) under --keep.

usage: tools/fuzz.py [--seeds A:B] [--keep DIR] [--modes "M1;M2"] [--jobs N]

A program that ocamlrun does not finish within --budget seconds is skipped and
counted as such (never as a pass).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from fuzzgen import Generator  # noqa: E402
from harness import camllvm_run_argv  # noqa: E402

#: (camllvm options, OCAMLRUNPARAM): every function compiled; tiny tiering thresholds,
#: synchronous and in the background; a tiny minor heap so GC bugs show. The last mode
#: repeats the third: that run starts warm, its functions and loops from the hot library
#: the third linked at exit.
MODES = (("--jit=all --verify-ir --keep-dead-slots", ""), ("--jit=all --clear-dead-slots", "s=4k"),
         ("--tier-calls=2 --tier-loops=2 --sync-compile", "s=4k"),
         ("--tier-calls=3 --tier-loops=5", ""),
         ("--tier-calls=2 --tier-loops=2 --sync-compile", ""))


def run(cmd: list[str], cwd: str, env_param: str, timeout: float) -> tuple[int, bytes, bytes] | None:
    env = dict(os.environ)
    env.pop("OCAMLRUNPARAM", None)
    if env_param:
        env["OCAMLRUNPARAM"] = env_param
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)  # fmt: skip
    except subprocess.TimeoutExpired:
        return None
    return p.returncode, p.stdout, p.stderr


def check(seed: int, modes, keep: Path | None, budget: float) -> str:  # noqa: ANN001
    """'pass', 'skip' (ocamlrun did not finish within ``budget``) or 'FAIL ...' for one
    seed; differences are kept under ``keep``."""
    src = Generator(seed).program()
    with tempfile.TemporaryDirectory(prefix="camllvm-fuzz-") as tmp:
        ml, byte = Path(tmp) / "p.ml", Path(tmp) / "p.byte"
        ml.write_text(src)
        c = subprocess.run(["ocamlc", "-g", "-w", "-a", str(ml), "-o", str(byte)], capture_output=True)
        if c.returncode != 0:
            return f"FAIL {seed}: the generator made a program ocamlc rejects:\n{c.stderr.decode()}"
        wants: dict[str, tuple[int, bytes, bytes] | None] = {}
        failures = []
        for opts, param in modes:
            if param not in wants:
                wants[param] = run(["ocamlrun", str(byte)], tmp, param, budget)
            want = wants[param]
            if want is None:
                return "skip"
            got = run(camllvm_run_argv(opts, str(byte), []), tmp, param, budget * 20 + 30)
            if got != want:
                mode = f"{opts} OCAMLRUNPARAM={param}"
                failures.append(mode)
                if keep is not None:
                    _keep(keep / f"seed{seed}", len(failures), src, mode, want, got)
        return f"FAIL {seed}: " + "; ".join(failures) if failures else "pass"


def _keep(d: Path, n: int, src: str, mode: str, want: tuple[int, bytes, bytes],
          got: tuple[int, bytes, bytes] | None) -> None:
    """The program and the n-th difference: modeN, wantN.out/.err, gotN.out/.err (or
    gotN.timeout); the .err files end with the exit code."""
    d.mkdir(parents=True, exist_ok=True)
    (d / "p.ml").write_text(src)
    (d / f"mode{n}").write_text(mode + "\n")
    for name, data in (("want", want), ("got", got)):
        if data is None:
            (d / f"{name}{n}.timeout").write_text(mode + "\n")
        else:
            (d / f"{name}{n}.out").write_bytes(data[1])
            (d / f"{name}{n}.err").write_bytes(data[2] + f"\nexit {data[0]}\n".encode())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0:50", help="A:B, the seeds A..B-1")
    ap.add_argument("--keep", type=Path, default=Path("fuzz-failures"))
    ap.add_argument("--modes", help="';'-separated camllvm option sets (OCAMLRUNPARAM=s=4k)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--budget", type=float, default=2.0, help="ocamlrun seconds per program")
    args = ap.parse_args()
    a, b = (int(x) for x in args.seeds.split(":"))
    modes = [(m, "s=4k") for m in args.modes.split(";")] if args.modes else MODES
    counts = {"pass": 0, "skip": 0, "fail": 0}
    with ThreadPoolExecutor(args.jobs) as pool:
        for seed, result in zip(range(a, b), pool.map(lambda s: check(s, modes, args.keep, args.budget),
                                                       range(a, b))):  # fmt: skip
            key = "fail" if result.startswith("FAIL") else result
            counts[key] += 1
            if key == "fail":
                print(result, flush=True)
    print(f"fuzz: {counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped "
          f"(seeds {a}..{b - 1}, {len(modes)} modes)")
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
