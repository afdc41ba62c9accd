"""camllvm.reader against what OCaml's tools read from the same executables."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from camllvm.errors import BytecodeFormatError, CamllvmError
from camllvm.reader import EXEC_MAGIC, Executable, Section, read_executable

from .ocamltools import (
    DEBIAN_PROGRAMS,
    build_dir,
    compile_program,
    needs_ocaml,
    objinfo,
    oracle_lines,
    run,
)

pytestmark = needs_ocaml

HELLO = 'let () = print_endline "hello"\n'
USES_UNIX = "let () = print_float (Unix.gettimeofday ())\n"


def _program(name: str, source: str, *flags: str) -> str:
    """A program compiled once per session, by name."""
    directory = build_dir() / "reader"
    directory.mkdir(exist_ok=True)
    exe = directory / name
    if not exe.exists():
        compile_program(directory, name, source, *flags)
    return str(exe)


def hello() -> str:
    return _program("hello", HELLO)


def _custom_runtime() -> str | None:
    """``ocamlc -custom``: an ELF ocamlrun with the bytecode appended (no #! line)."""
    try:
        return _program("custom", HELLO, "-custom")
    except AssertionError:
        return None


PROGRAMS: dict[str, Callable[[], str | None]] = {
    "hello": hello,
    "unix": lambda: _program("withunix", USES_UNIX, "unix.cma"),
    "debug": lambda: _program("debug", USES_UNIX, "-g", "unix.cma"),
    "dllpath": lambda: _program("dllpath", HELLO, "-dllpath", "/opt/a", "-dllpath", "/b"),
    "custom": _custom_runtime,
    **{
        os.path.basename(p): (lambda p=p: p if os.path.exists(p) else None)  # type: ignore[misc]
        for p in DEBIAN_PROGRAMS
    },
}


@pytest.fixture(params=list(PROGRAMS))
def program(request: pytest.FixtureRequest) -> str:
    path = PROGRAMS[request.param]()
    if path is None:
        pytest.skip(f"{request.param} not available")
    return path


def test_sections_match_ocamls_bytesections(program: str) -> None:
    """Names, lengths, order from Bytesections.toc; first offset from pos_first_section."""
    exe = read_executable(program)
    assert [(s.name, str(s.length)) for s in exe.sections] == oracle_lines(program, "SECTION")
    ((first,),) = oracle_lines(program, "FIRST")
    assert exe.sections[0].offset == int(first)
    blob = Path(program).read_bytes()
    for a, b in zip(exe.sections, exe.sections[1:]):
        assert a.offset + a.length == b.offset
    last = exe.sections[-1]
    assert last.offset + last.length == len(blob) - 16 - 8 * len(exe.sections)
    for s in exe.sections:
        assert exe.raw[s.name] == blob[s.offset : s.offset + s.length]
        assert exe.section(s.name) == s
    assert exe.section("XXXX") is None


@pytest.mark.parametrize("name", [n for n in PROGRAMS if n != "custom"])
def test_magic_matches_ocamlrun(name: str) -> None:
    """ocamlrun -m prints a bytecode file's magic (a -custom executable takes no ocamlrun options)."""
    program = PROGRAMS[name]()
    assert program is not None, f"{name} is missing"
    assert read_executable(program).magic == run(["ocamlrun", "-m", program]).strip() == EXEC_MAGIC


def test_prims_dlls_and_paths_match_ocamlobjinfo(program: str) -> None:
    """ocamlobjinfo lists PRIM, DLLS and DLPT in reverse file order."""
    exe = read_executable(program)
    info = objinfo(program)
    assert exe.prims == info["Primitives used"][::-1]
    assert exe.dlls == info.get("Used DLLs", [])[::-1]
    assert exe.dll_paths == info.get("Additional DLL paths", [])[::-1]
    assert len(exe.prims) == len(set(exe.prims)) > 100


def test_known_dlls_and_paths() -> None:
    assert read_executable(PROGRAMS["unix"]() or "").dlls == ["dllunix"]
    assert read_executable(hello()).dlls == []
    assert read_executable(PROGRAMS["dllpath"]() or "").dll_paths == ["/opt/a", "/b"]


def test_prim_order_matches_ocamldumpobj() -> None:
    """C_CALL operands index PRIM in file order: check each against ocamldumpobj's name."""
    path = PROGRAMS["unix"]() or ""
    exe = read_executable(path)
    words = struct.unpack(f"<{len(exe.code) // 4}i", exe.code)
    checked = 0
    for line in run(["ocamldumpobj", path]).splitlines():
        match = re.fullmatch(r"\s*(\d+)\s+C_CALL(?:[1-5] |N \d+, )(\w+)", line)
        if match:
            pc = int(match[1])
            index = words[pc + 1] if "C_CALLN" not in line else words[pc + 2]
            assert exe.prims[index] == match[2], line
            checked += 1
    assert checked > 100
    assert {"caml_ml_flush", "unix_gettimeofday"} <= set(exe.prims)


def test_prims_of_plain_program_are_ocamlrun_builtins() -> None:
    exe = read_executable(hello())
    assert set(exe.prims) <= set(run(["ocamlrun", "-p"]).split())


def test_code_and_data() -> None:
    exe = read_executable(hello())
    code = exe.section("CODE")
    assert code is not None and len(exe.code) == code.length and len(exe.code) % 4 == 0
    assert exe.data == exe.raw["DATA"] and exe.data[:4] == b"\x84\x95\xa6\xbe"
    # the #! line is what precedes the first section
    blob = Path(hello()).read_bytes()
    first_line = blob[: blob.index(b"\n") + 1]
    assert first_line.startswith(b"#!") and exe.sections[0].offset == len(first_line)


def test_executable_is_frozen_and_short_to_print() -> None:
    exe = read_executable(hello())
    assert isinstance(exe, Executable) and isinstance(exe.sections[0], Section)
    with pytest.raises(AttributeError):
        exe.path = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        exe.raw["CODE"] = b""  # type: ignore[index]
    assert len(repr(exe)) < 2000


@pytest.mark.parametrize("path", [p for p in DEBIAN_PROGRAMS if os.path.exists(p)])
def test_big_programs_read_quickly(path: str) -> None:
    start = time.perf_counter()
    exe = read_executable(path)
    elapsed = time.perf_counter() - start
    assert len(exe.code) > 1_000_000 and "DBUG" in exe.raw
    assert elapsed < 2.0, f"{path}: {elapsed:.2f}s"


# --- Bad input: each gives one BytecodeFormatError line "<path>: <problem>"


def _toc(blob: bytes) -> list[tuple[bytes, int]]:
    """The table of contents as caml/exec.h lays it out (independent of camllvm)."""
    (count,) = struct.unpack_from(">I", blob, len(blob) - 16)
    start = len(blob) - 16 - 8 * count
    return [struct.unpack_from(">4sI", blob, start + 8 * i) for i in range(count)]


def _with_toc(blob: bytes, toc: list[tuple[bytes, int]], count: int | None = None) -> bytes:
    """``blob`` with its table of contents (and section count) replaced."""
    old = len(_toc(blob))
    body = blob[: len(blob) - 16 - 8 * old]
    table = b"".join(struct.pack(">4sI", name, length) for name, length in toc)
    return body + table + struct.pack(">I", len(toc) if count is None else count) + blob[-12:]


def _rename(blob: bytes, old: bytes, new: bytes) -> bytes:
    return _with_toc(blob, [(new if n == old else n, length) for n, length in _toc(blob)])


def _resize_code(blob: bytes, delta: int) -> bytes:
    toc = [(n, length + delta if n == b"CODE" else length) for n, length in _toc(blob)]
    return _with_toc(blob, toc)


OTHER_VERSION = "built by another OCaml version (magic Caml1999X{}, expected Caml1999X030)"
NOT_BYTECODE = "not an OCaml bytecode executable"
TRUNCATED = "precede the section table (truncated file?)"

BAD_FILES: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "empty": (lambda b: b"", f"empty file, {NOT_BYTECODE}"),
    "too short": (lambda b: b[-10:], f"file too short (10 bytes), {NOT_BYTECODE}"),
    "text": (lambda b: b"let () = print_endline \"no\"\n", NOT_BYTECODE),
    "truncated end": (lambda b: b[:-5], NOT_BYTECODE),
    "older OCaml": (lambda b: b[:-12] + b"Caml1999X029", OTHER_VERSION.format("029")),
    "newer OCaml": (lambda b: b[:-12] + b"Caml1999X033", OTHER_VERSION.format("033")),
    "object file": (lambda b: b"Caml1999O030" + bytes(100),
                    "an OCaml compiled file (magic Caml1999O030), not a bytecode executable"),
    "huge section count": (lambda b: _with_toc(b, _toc(b), count=0x10000000),
                           "section table of 268435456 entries is larger than the file"),
    "truncated start": (lambda b: b[4000:], TRUNCATED),
    "section too long": (lambda b: _resize_code(b, 1 << 30), TRUNCATED),
    "no CODE": (lambda b: _rename(b, b"CODE", b"KODE"), "no CODE section"),
    "two CODE": (lambda b: _rename(b, b"DATA", b"CODE"), "duplicate section CODE"),
    "two PRIM": (lambda b: _rename(b, b"DLLS", b"PRIM"), "duplicate section PRIM"),
    "partial word": (lambda b: _resize_code(b, -2),
                     "CODE section length 11274 is not a multiple of 4"),
    "binary name": (lambda b: _rename(b, b"DLPT", b"\xffXYZ"), "section 1 has a non-ASCII name"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file(case: str, tmp_path: Path) -> None:
    make, problem = BAD_FILES[case]
    blob = Path(hello()).read_bytes()
    assert _toc(blob)[0] == (b"CODE", 11276), "the cases assume this hello program"
    path = tmp_path / "bad"
    path.write_bytes(make(blob))
    with pytest.raises(BytecodeFormatError) as info:
        read_executable(str(path))
    message = str(info.value)
    assert message.startswith(f"{path}: ") and problem in message and "\n" not in message
    if problem == NOT_BYTECODE:
        assert message == f"{path}: {problem}"


def test_ocamlrun_also_rejects_the_wrong_magic(tmp_path: Path) -> None:
    """Cross-check of the version case with the real runtime's message."""
    path = tmp_path / "old"
    path.write_bytes(Path(hello()).read_bytes()[:-12] + b"Caml1999X029")
    proc = subprocess.run(["ocamlrun", str(path)], capture_output=True, text=True)
    assert proc.returncode != 0 and "Caml1999X029" in proc.stderr


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nothing"
    with pytest.raises(BytecodeFormatError, match=r"^.*/nothing: no such file$"):
        read_executable(str(path))


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(BytecodeFormatError, match="is a directory"):
        read_executable(str(tmp_path))


def test_not_a_regular_file() -> None:
    with pytest.raises(BytecodeFormatError, match="^/dev/null: not a regular file"):
        read_executable("/dev/null")


def test_path_through_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x")
    with pytest.raises(BytecodeFormatError, match=r"/f/g: cannot read: Not a directory$"):
        read_executable(str(tmp_path / "f" / "g"))


def test_unreadable(tmp_path: Path) -> None:
    """Read in a child process; as root, one without the capability to override file modes."""
    path = tmp_path / "secret"
    shutil.copy(hello(), path)
    path.chmod(0)
    code = ("import sys\nfrom camllvm.reader import read_executable\n"
            "try:\n    read_executable(sys.argv[1])\n"
            "except Exception as e:\n    print(type(e).__name__, e)\n")
    drop = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    out = subprocess.run([*drop, sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    assert out == f"BytecodeFormatError {path}: permission denied\n", out


def test_errors_are_user_errors() -> None:
    assert issubclass(BytecodeFormatError, CamllvmError)
