"""Build and run the small OCaml programs the format tests take expected values from."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from camllvm.marshal import Block, CodePointer, Custom, FloatArray, InfixPointer

OCAML_SOURCES = Path(__file__).parent / "ocaml"
HAVE_OCAML = shutil.which("ocamlc") is not None and shutil.which("ocamlrun") is not None
needs_ocaml = pytest.mark.skipif(not HAVE_OCAML, reason="ocamlc/ocamlrun not installed")

#: Bytecode programs of Debian's OCaml 4.13 packages, read when present.
DEBIAN_PROGRAMS = ["/usr/bin/ocamlc.byte", "/usr/bin/ocamlopt.byte", "/usr/bin/ocaml"]


@functools.cache
def build_dir() -> Path:
    """A private directory for the session's OCaml builds, removed at exit."""
    path = Path(tempfile.mkdtemp(prefix="camllvm-unit-"))
    atexit.register(shutil.rmtree, path, True)
    return path


def ocamlc(out: Path, sources: Sequence[str | Path], *flags: str) -> Path:
    """Compile ``sources`` into the bytecode executable ``out`` (in out's directory)."""
    cmd = ["ocamlc", *flags, "-o", str(out), *map(str, sources)]
    proc = subprocess.run(cmd, cwd=out.parent, capture_output=True, text=True)
    if proc.returncode:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return out


def compile_program(directory: Path, name: str, source: str, *flags: str) -> Path:
    """Write ``name``.ml with ``source`` in ``directory`` and compile it to ``name``."""
    ml = directory / f"{name}.ml"
    ml.write_text(source)
    return ocamlc(directory / name, [ml.name], *flags)


@functools.cache
def tool(name: str) -> Path:
    """One of the oracle programs of tests/unit/ocaml, compiled once per session."""
    out = build_dir() / "tools"
    out.mkdir(exist_ok=True)
    for ml in OCAML_SOURCES.glob("*.ml"):
        shutil.copy(ml, out / ml.name)
    if name == "sections":  # needs OCaml's own Bytesections, Symtable, Instruct
        sources = ["ocamlcommon.cma", "dump.ml", "sections.ml"]
        return ocamlc(out / name, sources, "-I", "+compiler-libs")
    if name == "mkvals":
        return ocamlc(out / name, ["dump.ml", "mkvals.ml"])
    return ocamlc(out / name, [f"{name}.ml"])


def run(cmd: Sequence[str | Path], env: dict[str, str] | None = None) -> str:
    """stdout of a command that must succeed."""
    full_env = None if env is None else {**os.environ, **env}
    proc = subprocess.run(list(map(str, cmd)), capture_output=True, text=True, env=full_env)
    if proc.returncode:
        raise AssertionError(f"{cmd} exited with {proc.returncode}:\n{proc.stderr}")
    return proc.stdout


@functools.cache
def sections_summary(exe: str) -> tuple[tuple[str, ...], ...]:
    """Tab-split lines of ``sections EXE``: FIRST, SECTION, GLOBAL, CRC and EVENT lines."""
    out = run([tool("sections"), exe])
    return tuple(tuple(line.split("\t")) for line in out.splitlines())


def oracle_lines(exe: str, kind: str) -> list[tuple[str, ...]]:
    """The ``kind`` lines of sections_summary, without the kind column."""
    return [line[1:] for line in sections_summary(exe) if line[0] == kind]


def section_dumps(exe: str, section: str) -> list[str]:
    """Dump (tests/unit/ocaml/dump.ml) of each marshalled value of ``section``."""
    return run([tool("sections"), exe, "dump", section]).splitlines()


def objinfo(exe: str | Path) -> dict[str, list[str]]:
    """``ocamlobjinfo`` on an executable: heading -> its tab-indented lines."""
    result: dict[str, list[str]] = {}
    current: list[str] = []
    for line in run(["ocamlobjinfo", exe]).splitlines():
        if line.startswith("\t"):
            current.append(line[1:])
        elif line.endswith(":"):
            current = result.setdefault(line[:-1], [])
    return result


def float_bits(f: float) -> int:
    """Int64.bits_of_float."""
    (bits,) = struct.unpack("<q", struct.pack("<d", f))
    return bits


def render(value: object) -> str:
    """camllvm.marshal value -> the text dump.ml prints for the same OCaml value.

    Pre-order, fields left to right, boxed values numbered at first sight as
    dump.ml does; iterative so that 100000-deep values are fine.
    """
    out: list[str] = []
    seen: dict[int, int] = {}
    todo: list[object] = [value]
    while todo:
        v = todo.pop()
        if type(v) is int:
            out.append(f"i{v}")
            continue
        if isinstance(v, Block) and v.tag == 247 or isinstance(v, CodePointer):
            out.append("x247")
            continue
        if isinstance(v, InfixPointer):
            out.append("x249")
            continue
        if isinstance(v, Block) and not v.fields:
            out.append(f"b{v.tag}:0")
            continue
        if isinstance(v, bytes) and len(v) <= 1:
            out.append("s" + v.hex())
            continue
        if id(v) in seen:
            out.append(f"@{seen[id(v)]}")
            continue
        seen[id(v)] = len(seen)
        if isinstance(v, bytes):
            out.append("s" + v.hex())
        elif isinstance(v, float):
            out.append(f"d{float_bits(v)}")
        elif isinstance(v, FloatArray):
            out.append("a" + ",".join(str(float_bits(f)) for f in v.values))
        elif isinstance(v, Custom):
            out.append("c")
        elif isinstance(v, Block):
            out.append(f"b{v.tag}:{len(v.fields)}")
            todo.extend(reversed(v.fields))
        else:
            raise TypeError(f"unexpected {type(v).__name__} in an unmarshalled value")
    return " ".join(out)
