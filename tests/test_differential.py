"""Differential tests: every tests/programs/*.ml behaves under camllvm exactly as under ocamlrun."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

import harness
from harness import ProgramSpec

PROGRAMS = harness.all_programs()
MODES = harness.modes()


def _cases() -> list[pytest.param]:
    """(program, mode, heap) triples, each with a readable id."""
    return [
        pytest.param(spec, mode, heap, id=f"{spec.name}-{harness.mode_id(mode)}-{heap}")
        for spec in PROGRAMS
        for mode in MODES
        for heap in spec.heaps
    ]


@pytest.mark.parametrize(("spec", "mode", "heap"), _cases())
def test_program(spec: ProgramSpec, mode: str, heap: str, tmp_path: Path) -> None:
    """camllvm run MODE prog.byte args == ocamlrun prog.byte args (stdout, stderr, exit code)."""
    ref = harness.reference_run(spec, heap, tmp_path)
    harness.check_reference(spec, ref)
    byte = harness.build(spec).byte
    argv = harness.camllvm_run_argv(mode, str(byte), spec.args)
    actual = harness.run_program(spec, argv, heap, tmp_path, "camllvm")
    harness.assert_same(ref, actual)


def test_enough_programs() -> None:
    """The suite keeps at least 45 programs, all with distinct names."""
    assert len(PROGRAMS) >= 45
    assert len({p.name for p in PROGRAMS}) == len(PROGRAMS)


DROPIN_PROGRAMS = ["argv", "exceptions", "scanf_stdin", "uncaught"]


@pytest.mark.parametrize("name", DROPIN_PROGRAMS)
def test_dropin(name: str, tmp_path: Path) -> None:
    """``camllvm prog.byte args`` (no subcommand) behaves like ``ocamlrun prog.byte args``."""
    spec = next(p for p in PROGRAMS if p.name == name)
    byte = harness.build(spec).byte
    ref = harness.reference_run(spec, "default", tmp_path)
    harness.check_reference(spec, ref)
    argv = harness.camllvm_dropin_argv(str(byte), spec.args)
    actual = harness.run_program(spec, argv, "default", tmp_path, "dropin")
    harness.assert_same(ref, actual)


def test_dropin_runtime_options(tmp_path: Path) -> None:
    """ocamlrun's own options work in drop-in mode: ``camllvm -b prog.byte`` prints a backtrace."""
    spec = next(p for p in PROGRAMS if p.name == "uncaught_printer")
    byte = str(harness.build(spec).byte)
    env = harness.base_env()
    ref = harness.run_process([harness.ocamlrun(), "-b", byte], env=env, cwd=tmp_path)
    assert ref.returncode == 2 and b"Raised at" in ref.stderr, ref.describe()
    actual = harness.run_process(harness.camllvm_dropin_argv(byte, []), env=env, cwd=tmp_path)
    actual_b = harness.run_process([*harness.camllvm_cmd(), "-b", byte], env=env, cwd=tmp_path)
    assert b"Raised at" not in actual.stderr, "no -b, no OCAMLRUNPARAM: no backtrace expected"
    harness.assert_same(ref, actual_b)


def _use_runtime_path() -> str | None:
    """Absolute path usable as ``ocamlc -use-runtime`` (None for a relative stand-in)."""
    cmd = harness.camllvm_cmd()
    if len(cmd) != 1 or not os.path.isabs(cmd[0]):
        return None
    return cmd[0]


USE_RUNTIME_SOURCE = """\
let () =
  Printf.printf "args:";
  Array.iteri (fun i a -> if i > 0 then Printf.printf " [%s]" a) Sys.argv;
  print_newline ();
  let r = ref 0 in
  for i = 1 to 1000 do r := !r + i * i done;
  Printf.printf "sum=%d\\n" !r;
  (try ignore (List.assoc "x" []) with Not_found -> print_endline "Not_found caught");
  prerr_endline "to stderr";
  exit 5
"""


@pytest.mark.parametrize("heap", list(harness.HEAP_SETTINGS))
def test_use_runtime(heap: str, tmp_path: Path) -> None:
    """A program linked with ``ocamlc -use-runtime <camllvm>`` runs directly as under ocamlrun."""
    runtime = _use_runtime_path()
    if runtime is None:
        pytest.skip("CAMLLVM_CMD is not a single absolute path")
    if not os.access(runtime, os.X_OK):
        pytest.fail(f"{runtime} is not executable")
    built = harness.compile_source("use_runtime", USE_RUNTIME_SOURCE, ["-use-runtime", runtime])
    exe = tmp_path / "x"
    shutil.copy(built.byte, exe)
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    assert exe.read_bytes().startswith(f"#!{runtime}\n".encode())
    env = harness.base_env()
    if harness.HEAP_SETTINGS[heap]:
        env["OCAMLRUNPARAM"] = harness.HEAP_SETTINGS[heap] or ""
    args = ["a b", "c"]
    ref = harness.run_process([harness.ocamlrun(), "./x", *args], env=env, cwd=tmp_path)
    assert ref.returncode == 5 and b"sum=333833500" in ref.stdout, ref.describe()
    actual = harness.run_process(["./x", *args], env=env, cwd=tmp_path)
    harness.assert_same(ref, actual)
