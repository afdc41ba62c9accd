#!/usr/bin/env python3
"""Write and build OCaml's classic testsuite benchmarks (and enlarged variants).

The programs are OCaml 4.13.1's own (testsuite/tests/misc, misc-unsafe, misc-kb), read
from the sources fetched by tools/ocaml_testsuite/fetch.sh, so none is copied into the
repository.  Most take well under a second under ocamlrun, too little to measure a
JIT, so each gets a "big" variant made by a few exact string substitutions (a repeat
count, or the main code wrapped in a loop); the computation itself is unchanged.

usage: prepare.py
Output: $OCAML_TESTSUITE_DIR/classic/src (sources), classic/bin/NAME.byte (ocamlc)
and NAME.opt (ocamlopt); OCAML_TESTSUITE_DIR defaults to .cache/ocaml-testsuite.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BASE = Path(os.environ.get("OCAML_TESTSUITE_DIR", REPO / ".cache" / "ocaml-testsuite"))
TESTS = BASE / "apt" / "ocaml-4.13.1" / "testsuite" / "tests"
SRC = BASE / "classic" / "src"
BIN = BASE / "classic" / "bin"

# Where each program's files live in the testsuite.
SOURCES = {
    "misc": ["bdd", "boyer", "fib", "hamming", "nucleic", "sieve", "sorts", "takc", "taku"],
    "misc-unsafe": ["almabench", "fft", "quicksort", "soli"],
    "misc-kb": ["terms", "equations", "orderings", "kb", "kbmain"],
}
UNSAFE = {"almabench", "fft", "quicksort", "soli"}  # the testsuite builds these with -unsafe
KB_MODULES = ["terms", "equations", "orderings", "kb"]  # dependency order; each has an .mli

# Sizes of the big variants: each runs ~2-6 s under ocamlrun (bdd and fib take
# their size from the command line, see bench.py).
ALMA_N = 2  # almabench: its own benchmark loop (commented out in the testsuite), 2 x 36525 days
BOYER_N = 120
FFT_N = 3
HAM_N = 14
KB_N = 20
NUCLEIC_N = 50
QS_N = 35
SIEVE_N = 100
SOLI_N = 60
SORTS_N = 2
TAKC_N = 2800
TAKU_N = 2000

SIEVE_BODY = ('  do_list (fun n -> print_string " "; print_int n) (sieve 50000);\n'
              "  print_newline();\n")
HAM_DEFS_END = "    and ham5 = lazy (force (map x5 hamming))\n"
FFT_MAIN = "  let np = ref 16 in for i = 1 to 15 do test !np; np := !np*2 done\n"
SOLI_MAIN = 'if solve 0 then (print_string "\\n"; print_board board)'

# Big variant of program -> exact substitutions (old, new); each old occurs exactly once.
BIG = {
    "almabench": [
        ("let test_loops  = 5  (* was: 20 *)",
         f"let test_loops  = {ALMA_N}  (* was: 20; testsuite: 5 *)"),
        ("  (* Benchmark *)\n(**\n", "  (* Benchmark *)\n"),
        ("  done\n**)\n", "  done\n"),
    ],
    "boyer": [("  for i = 1 to 10 do\n", f"  for i = 1 to {BOYER_N} do\n")],
    "fft": [(FFT_MAIN, f"  for _iter = 1 to {FFT_N} do\n{FFT_MAIN}  done\n")],
    # Local definitions, so that every iteration computes the lazy list again.
    "hamming": [
        ("let rec hamming = lazy", f"for _iter = 1 to {HAM_N} do\nlet rec hamming = lazy"),
        (HAM_DEFS_END + ";;\n\niter_interval pr hamming (88000, 88100);;\n",
         HAM_DEFS_END + "in\niter_interval pr hamming (88000, 88100)\ndone;;\n"),
    ],
    "kbmain": [("  kb_complete greater [] geom_rules\n",
                f"  for _iter = 1 to {KB_N} do\n  kb_complete greater [] geom_rules\n  done\n")],
    # The loop of older versions of nucleic.ml (4.13.1's runs once: ~0.1 s).
    "nucleic": [("let main () =\n  Printf.printf",
                 f"let main () =\n  for i = 1 to {NUCLEIC_N} do ignore(run()) done;\n  Printf.printf")],
    # The random generator goes on: every iteration sorts new data.
    "quicksort": [("let _ = main(); exit 0",
                   f"let _ = for _iter = 1 to {QS_N} do main() done; exit 0")],
    "sieve": [(SIEVE_BODY, f"  for _iter = 1 to {SIEVE_N} do\n{SIEVE_BODY}  done;\n")],
    # The board is restored before each solve, so every iteration prints the same.
    "soli": [(f"let _ = {SOLI_MAIN}\n",
              "let initial_board = Array.map Array.copy board\n\n"
              f"let _ =\n  for _iter = 1 to {SOLI_N} do\n"
              "    Array.iteri (fun i row -> Array.blit row 0 board.(i) 0 9) initial_board;\n"
              f"    counter := 0;\n    {SOLI_MAIN}\n  done\n")],
    "sorts": [("then Printexc.catch main ();;",
               f"then for _iter = 1 to {SORTS_N} do Printexc.catch main () done;;")],
    "takc": [("print_int (repeat 200)", f"print_int (repeat {TAKC_N})")],
    "taku": [("print_int (repeat 200)", f"print_int (repeat {TAKU_N})")],
}


def fail(msg: str) -> None:
    """One line on stderr and exit status 2: a missing input or a table that no longer fits."""
    print(f"prepare.py: {msg}", file=sys.stderr)
    sys.exit(2)


def enlarge(name: str, text: str) -> str:
    """The big variant of a program: BIG's substitutions, each of a string found exactly once."""
    for old, new in BIG[name]:
        n = text.count(old)
        if n != 1:
            fail(f"{name}.ml: {old!r} occurs {n} times, not once (is this OCaml 4.13.1's testsuite?)")
        text = text.replace(old, new)
    return text


def write_sources() -> None:
    """Copy the programs into SRC (unchanged) and write their big variants NAME_big.ml."""
    if not TESTS.is_dir():
        fail(f"no OCaml 4.13.1 testsuite in {TESTS}: run tools/ocaml_testsuite/fetch.sh first")
    shutil.rmtree(SRC, ignore_errors=True)
    SRC.mkdir(parents=True)
    for sub, names in SOURCES.items():
        for name in names:
            for ext in (".ml", ".mli"):
                path = TESTS / sub / (name + ext)
                if ext == ".ml" or name in KB_MODULES:
                    if not path.is_file():
                        fail(f"missing {path}: run tools/ocaml_testsuite/fetch.sh again")
                    shutil.copyfile(path, SRC / path.name)
            if name in BIG:
                text = (SRC / f"{name}.ml").read_text()
                (SRC / f"{name}_big.ml").write_text(enlarge(name, text))


def build(name: str, files: list[str]) -> None:
    """Build bin/NAME.byte and bin/NAME.opt like the testsuite (-unsafe where it uses it), quietly."""
    flags = ["-unsafe"] if name.removesuffix("_big") in UNSAFE else []
    for compiler, ext in (("ocamlc", "byte"), ("ocamlopt", "opt")):
        cmd = [compiler, *flags, "-w", "-a", "-alert", "-all", "-o", str(BIN / f"{name}.{ext}"), *files]
        if subprocess.run(cmd, cwd=SRC).returncode != 0:
            fail(f"{compiler} failed for {name}: cd {SRC} && {' '.join(cmd)}")


def build_all() -> int:
    """Build every program and big variant into BIN; return the number of programs."""
    shutil.rmtree(BIN, ignore_errors=True)
    BIN.mkdir(parents=True)
    progs: list[tuple[str, list[str]]] = []
    for name in SOURCES["misc"] + SOURCES["misc-unsafe"]:
        progs.append((name, [f"{name}.ml"]))
        if name in BIG:
            progs.append((f"{name}_big", [f"{name}_big.ml"]))
    kb = [f"{m}{ext}" for m in KB_MODULES for ext in (".mli", ".ml")]
    progs += [("kb", [*kb, "kbmain.ml"]), ("kb_big", [*kb, "kbmain_big.ml"])]
    try:
        for name, files in progs:
            build(name, files)
    finally:
        for f in SRC.iterdir():
            if f.suffix in (".cmi", ".cmo", ".cmx", ".o"):
                f.unlink()
    return len(progs)


def main() -> int:
    write_sources()
    n = build_all()
    print(f"sources in {SRC}; {n} programs built into {BIN} (NAME.byte, NAME.opt)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
