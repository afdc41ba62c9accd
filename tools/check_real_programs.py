"""Run Debian's big bytecode programs under ocamlrun and under camllvm, compare everything.

For each .ml file of the standard library in /usr/lib/ocaml: `ocamlc.byte -c F.ml`
in two fresh directories, one run by ocamlrun and one by camllvm (same command,
same environment); stdout, stderr, exit code and every file produced must be
identical. Also `ocamlopt.byte -S -c` on a few files and the `ocaml` toplevel on
a script fed on stdin. Usage:

    .venv/bin/python tools/check_real_programs.py [--mode=--jit=all] [--limit N] [--opt 0]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CAMLLVM = REPO / ".venv" / "bin" / "camllvm"
STDLIB = Path("/usr/lib/ocaml")
TOPLEVEL_SCRIPT = """\
let rec fact n = if n = 0 then 1 else n * fact (n - 1);;
print_endline (string_of_int (fact 10));;
type t = A | B of int;;
let f = function A -> 0 | B n -> n;;
let x = try raise Not_found with Not_found -> "caught";;
Printf.printf "%s %d\\n" x (f (B 3));;
"""


def run_in(directory: Path, argv: list[str], stdin: str = "") -> tuple[int, bytes, bytes]:
    proc = subprocess.run(argv, cwd=directory, input=stdin.encode(), capture_output=True,
                          timeout=1800)  # fmt: skip
    return proc.returncode, proc.stdout, proc.stderr


def files_of(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def compare(name: str, inputs: dict[str, bytes], argv: list[str], mode: list[str],
            stdin: str = "") -> bool:
    """Run argv under ocamlrun and under camllvm in fresh copies of ``inputs``."""
    with tempfile.TemporaryDirectory() as tmp:
        ref_dir, jit_dir = Path(tmp, "ref"), Path(tmp, "jit")
        for d in (ref_dir, jit_dir):
            d.mkdir()
            for fname, data in inputs.items():
                (d / fname).write_bytes(data)
        ref = run_in(ref_dir, ["ocamlrun", *argv], stdin)
        t0 = time.perf_counter()
        got = run_in(jit_dir, [str(CAMLLVM), "run", *mode, *argv], stdin)
        elapsed = time.perf_counter() - t0
        same = ref == got and files_of(ref_dir) == files_of(jit_dir)
        status = "same" if same else "DIFFERENT"
        print(f"{status:9} {elapsed:6.1f}s  {name} (exit {ref[0]})", flush=True)
        if not same:
            print(f"    ocamlrun: {ref[0]} {ref[2][:300]!r}\n    camllvm:  {got[0]} {got[2][:300]!r}")
        return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="--jit=all", help="camllvm run options")
    parser.add_argument("--limit", type=int, default=0, help="at most N stdlib files")
    args = parser.parse_args()
    mode = args.mode.split()
    sources = sorted(STDLIB.glob("*.ml"))[: args.limit or None]
    results = []
    for src in sources:
        results.append(compare(f"ocamlc -c {src.name}", {src.name: src.read_bytes()},
                               ["/usr/bin/ocamlc.byte", "-c", src.name], mode))  # fmt: skip
    for name in ("list.ml", "hashtbl.ml", "format.ml"):
        src = STDLIB / name
        results.append(compare(f"ocamlopt -S -c {name}", {name: src.read_bytes()},
                               ["/usr/bin/ocamlopt.byte", "-S", "-c", name], mode))  # fmt: skip
    results.append(compare("ocaml < script", {}, ["/usr/bin/ocaml", "-noprompt"], mode,
                           TOPLEVEL_SCRIPT))  # fmt: skip
    print(f"{sum(results)} same, {len(results) - sum(results)} different")
    return 0 if all(results) else 1


if __name__ == "__main__":
    if not CAMLLVM.exists() or shutil.which("ocamlrun") is None:
        sys.exit("run `make bootstrap` first")
    sys.exit(main())
