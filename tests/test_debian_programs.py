"""Debian's own bytecode programs under camllvm: ``ocamlc.byte``, ``ocamlopt.byte`` and the
``ocaml`` toplevel (2.5 MB of code each, the typechecker's big matches, Marshal of .cmi
files, hashing, exceptions everywhere) must print, exit and write files exactly as under
ocamlrun. The oracle is an ocamlrun run of the same command in a twin directory.

Two modes: the default one (tiered, code compiled in the background, cold: no cache) and
a *hot* one that compiles every function called 5000 times before going on
(``--sync-compile``), with a tiny minor heap (``s=4k``), so that compiled code runs a
large part of the compiler with minor GCs all the time (~70 functions, 8 s of CPU).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import harness

#: The programs, from Debian's ocaml (ocamlc.byte, ocamlopt.byte) and ocaml-interp
#: (ocaml) packages, which `make test`'s bootstrap installs (as part of ocaml-nox).
OCAMLC, OCAMLOPT, TOPLEVEL = "/usr/bin/ocamlc.byte", "/usr/bin/ocamlopt.byte", "/usr/bin/ocaml"

#: Mode name -> (camllvm options, as harness.py's mode strings; OCAMLRUNPARAM for both runs).
MODES: dict[str, tuple[str, str | None]] = {
    "default": ("--no-cache", None),
    "hot-s4k": ("--no-cache --sync-compile --tier-calls=5000 --tier-loops=5000", "s=4k"),
}

SHAPES_ML = """\
type shape = Circle of float | Rect of { w : float; h : float } | Poly of (float * float) list
module type AREA = sig val area : shape -> float end
module Area : AREA = struct
  let area = function
    | Circle r -> 3.14159 *. r *. r
    | Rect { w; h } -> w *. h
    | Poly pts ->
        let rec go acc = function
          | (x1, y1) :: ((x2, y2) :: _ as rest) -> go (acc +. (x1 *. y2 -. x2 *. y1)) rest
          | _ -> acc in
        abs_float (go 0. pts) /. 2.
end
module Memo (H : Hashtbl.HashedType) = struct
  module T = Hashtbl.Make (H)
  let memo f = let t = T.create 16 in fun x ->
    match T.find_opt t x with Some y -> y | None -> let y = f x in T.add t x y; y
end
class counter init = object
  val mutable n = init
  method incr = n <- n + 1; n
end
let describe = function `Small -> "small" | `Big n when n > 100 -> "huge" | `Big _ -> "big"
let unused_variable x = let y = x in x
"""

MAIN_ML = """\
open Shapes
module M = Memo (struct type t = int let equal = ( = ) let hash = Hashtbl.hash end)
let rec fib n = if n < 2 then n else fib (n - 1) + fib (n - 2)
let fast_fib = M.memo fib
let () =
  let shapes = [Circle 1.; Rect { w = 2.; h = 3. }; Poly [0., 0.; 4., 0.; 0., 3.; 0., 0.]] in
  List.iter (fun s -> Printf.printf "%.3f\\n" (Area.area s)) shapes;
  let c = new counter 40 in
  ignore (c#incr);
  Printf.printf "%d %s %s %d\\n" c#incr (describe `Small) (describe (`Big 500)) (fast_fib 20)
"""

BAD_ML = """\
let f (x : int) = x +. 1.0
"""

TOPLEVEL_SCRIPT = """\
let rec fib n = if n < 2 then n else fib (n - 1) + fib (n - 2);;
Printf.printf "%d\\n" (fib 24);;
type t = A | B of int * string;;
let f = function A -> 0 | B (n, s) -> n + String.length s;;
List.map f [A; B (3, "abc")];;
let x = 1 +. 2.;;
exception E of string;;
raise (E "boom");;
module S = Set.Make (String);;
S.elements (S.of_list ["b"; "a"; "c"; "a"]);;
let h = Hashtbl.create 8 in Hashtbl.replace h "k" 1; Hashtbl.find_opt h "k";;
#show_type t;;
Marshal.to_string (List.init 5 (fun i -> i * i)) [] |> String.length;;
"""


def _program(path: str) -> str:
    assert os.path.isfile(path), f"{path} is missing: `make test` installs it (apt: ocaml-nox)"
    return path


def _twin_dirs(tmp_path: Path, files: dict[str, str]) -> tuple[Path, Path]:
    """Two directories with the same source files: one for ocamlrun, one for camllvm."""
    dirs = (tmp_path / "ocamlrun", tmp_path / "camllvm")
    for d in dirs:
        d.mkdir()
        for name, text in files.items():
            (d / name).write_text(text)
    return dirs


def _env(heap: str | None) -> dict[str, str]:
    env = harness.base_env()
    if heap:
        env["OCAMLRUNPARAM"] = heap
    return env


def _run_both(mode: str, program: str, args: list[str], tmp_path: Path,
              files: dict[str, str], stdin: bytes = b"") -> tuple[Path, Path]:
    """Run ``program args`` under ocamlrun and camllvm (in twin directories); assert the
    same stdout, stderr and exit code. Returns the two directories."""
    options, heap = MODES[mode]
    ref_dir, our_dir = _twin_dirs(tmp_path, files)
    ref = harness.run_process([harness.ocamlrun(), program, *args], env=_env(heap),
                              cwd=ref_dir, stdin=stdin, timeout=120)
    ours = harness.run_process(harness.camllvm_run_argv(options, program, args),
                               env=_env(heap), cwd=our_dir, stdin=stdin, timeout=300)
    harness.assert_same(ref, ours)
    return ref_dir, our_dir


def _assert_same_files(ref_dir: Path, our_dir: Path) -> list[str]:
    """Every file ocamlrun's run left has the same bytes in camllvm's directory (and no
    other file is there). Returns the names compared."""
    names = sorted(p.name for p in ref_dir.iterdir())
    assert names == sorted(p.name for p in our_dir.iterdir())
    for name in names:
        assert (ref_dir / name).read_bytes() == (our_dir / name).read_bytes(), (
            f"{name} differs between ocamlrun's and camllvm's run")
    return names


@pytest.mark.parametrize("mode", list(MODES))
def test_ocamlc_compiles_and_links_as_under_ocamlrun(mode: str, tmp_path: Path) -> None:
    """ocamlc.byte compiles two modules (with warnings on stderr) and links them: the same
    messages and byte-identical .cmi, .cmo and executable; the executable then runs."""
    files = {"shapes.ml": SHAPES_ML, "main.ml": MAIN_ML}
    ref_dir, our_dir = _run_both(mode, _program(OCAMLC), ["-w", "+A", "shapes.ml", "main.ml",
                                                          "-o", "main.byte"], tmp_path, files)
    names = _assert_same_files(ref_dir, our_dir)
    assert {"shapes.cmi", "shapes.cmo", "main.cmo", "main.byte"} <= set(names)
    run = harness.run_process([harness.ocamlrun(), "main.byte"], env=harness.base_env(),
                              cwd=our_dir)
    assert run.returncode == 0 and run.stdout.endswith(b"42 small huge 6765\n"), run.describe()


def test_ocamlc_type_error_as_under_ocamlrun(tmp_path: Path) -> None:
    """A type error: the same message (with its source excerpt) and exit code 2."""
    ref_dir, _ = _run_both("default", _program(OCAMLC), ["-c", "bad.ml"], tmp_path,
                           {"bad.ml": BAD_ML})
    assert not (ref_dir / "bad.cmo").exists()


@pytest.mark.parametrize("mode", list(MODES))
def test_ocamlopt_writes_the_same_assembly(mode: str, tmp_path: Path) -> None:
    """ocamlopt.byte -S: byte-identical assembly, .cmx, .cmi and object file."""
    if shutil.which("as") is None:
        pytest.fail("ocamlopt.byte needs the assembler `as` (binutils)")
    ref_dir, our_dir = _run_both(mode, _program(OCAMLOPT), ["-S", "-c", "shapes.ml"], tmp_path,
                                 {"shapes.ml": SHAPES_ML})
    assert {"shapes.s", "shapes.cmx", "shapes.o"} <= set(_assert_same_files(ref_dir, our_dir))


@pytest.mark.parametrize("mode", list(MODES))
def test_toplevel_session_as_under_ocamlrun(mode: str, tmp_path: Path) -> None:
    """The ``ocaml`` toplevel reading phrases from stdin: the same answers, errors and
    uncaught exception reports."""
    _run_both(mode, _program(TOPLEVEL), ["-noinit"], tmp_path, {},
              stdin=TOPLEVEL_SCRIPT.encode())  # (-noinit: no ~/.ocamlinit of the tester's)
