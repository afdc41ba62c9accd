"""Shrink a failing mixed-mode run to the functions whose compilation breaks it.

    .venv/bin/python tools/bisect_mixed.py PROG.byte --seed N [-- ARGS...]

Takes the functions `--jit-seed=N` compiles, then halves the set while the run
still differs from ocamlrun (stdout, stderr, exit code; the environment is
passed through, e.g. OCAMLRUNPARAM=b), and prints the smallest failing
`--jit-only=` list it found.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from pathlib import Path

from camllvm.decoder import decode
from camllvm.opcodes import Op
from camllvm.reader import read_executable

CAMLLVM = str(Path(__file__).resolve().parent.parent / ".venv" / "bin" / "camllvm")


def seed_selection(path: str, seed: int) -> list[int]:
    """The entries --jit-seed=seed compiles (same draw as camllvm.jit.Jit._selection)."""
    entries: set[int] = set()
    for ins in decode(read_executable(path).code):
        if ins.op == Op.CLOSURE:
            entries.add(ins.args[1])
        elif ins.op == Op.CLOSUREREC:
            entries.update(ins.args[2:])
    rng = random.Random(seed)
    chosen = {e for e in sorted(entries) if rng.random() < 0.5}
    if rng.random() < 0.5:
        chosen.add(0)
    return sorted(chosen)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("program")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("args", nargs="*")
    ns = parser.parse_args()
    ref = subprocess.run(["ocamlrun", ns.program, *ns.args], capture_output=True)

    def fails(sel: list[int]) -> bool:
        only = "--jit-only=" + ",".join(map(str, sel))
        got = subprocess.run([CAMLLVM, "run", only, ns.program, *ns.args], capture_output=True)
        return (got.returncode, got.stdout, got.stderr) != (ref.returncode, ref.stdout, ref.stderr)

    sel = seed_selection(ns.program, ns.seed)
    if not fails(sel):
        print(f"--jit-seed={ns.seed} ({len(sel)} functions) matches ocamlrun")
        return 0
    while len(sel) > 1:
        half, other = sel[: len(sel) // 2], sel[len(sel) // 2 :]
        if fails(half):
            sel = half
        elif fails(other):
            sel = other
        else:
            break  # needs functions from both halves
    print(f"fails with --jit-only={','.join(map(str, sel))}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
