"""camllvm.debuginfo against OCaml: compiler-libs, ocamldumpobj, ocamlobjinfo, backtraces."""

from __future__ import annotations

import os
import re
import struct
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from camllvm.debuginfo import DebugEvent, crcs, debug_events, event_for_location, global_names
from camllvm.errors import BytecodeFormatError
from camllvm.reader import read_executable

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

# Raises from Stdlib.failwith through frames of its own module and of Stdlib.List.
CRASH = """\
let table = Hashtbl.create 8
let check x =
  if x > 2 then failwith ("too big: " ^ string_of_int x)
  else Hashtbl.replace table x (float_of_int x)
let rec walk = function
  | [] -> ()
  | x :: rest -> check x; walk rest
let () =
  List.iter (fun l -> walk l) [ [ 1; 2 ]; List.map succ [ 1; 2; 3 ] ];
  print_endline "unreachable"
"""


def _program(name: str, source: str, *flags: str) -> str:
    directory = build_dir() / "debuginfo"
    directory.mkdir(exist_ok=True)
    exe = directory / name
    if not exe.exists():
        compile_program(directory, name, source, *flags)
    return str(exe)


def crash() -> str:
    return _program("crash", CRASH, "-g")


def _as_oracle_line(ev: DebugEvent) -> tuple[str, ...]:
    return tuple(map(str, (ev.pc, ev.module, ev.filename, ev.line, ev.start_char,
                           ev.end_char, ev.defname, ev.kind)))  # fmt: skip


def _check_events(path: str) -> list[DebugEvent]:
    events = debug_events(read_executable(path))
    assert sorted(map(_as_oracle_line, events)) == sorted(oracle_lines(path, "EVENT"))
    assert [ev.pc for ev in events] == sorted(ev.pc for ev in events)
    return events


def test_events_match_compiler_libs() -> None:
    events = _check_events(crash())
    kinds = {ev.kind for ev in events}
    assert kinds == {"before", "after", "pseudo"}
    assert {"Crash", "Stdlib__List", "Stdlib__Hashtbl"} <= {ev.module for ev in events}
    assert all(ev.pc % 4 == 0 for ev in events)


def test_backtrace_locations_are_events() -> None:
    """Every frame ocamlrun prints with OCAMLRUNPARAM=b is found among our events."""
    path = crash()
    proc = subprocess.run(
        [path], capture_output=True, text=True, env={**os.environ, "OCAMLRUNPARAM": "b"}
    )
    assert proc.returncode == 2 and "too big: 3" in proc.stderr
    frames = re.findall(
        r'(?:Raised at|Called from) (\S+) in file "([^"]+)", line (\d+), characters (\d+)-(\d+)',
        proc.stderr,
    )
    assert len(frames) >= 4 and {f[1] for f in frames} >= {"crash.ml", "list.ml"}
    events = debug_events(read_executable(path))
    located = {(ev.filename, ev.line, ev.start_char, ev.end_char) for ev in events}
    for _, filename, line, start, end in frames:
        assert (filename, int(line), int(start), int(end)) in located


def test_no_debug_info() -> None:
    path = _program("nodebug", CRASH)
    exe = read_executable(path)
    assert "DBUG" not in exe.raw and debug_events(exe) == []


def test_global_names_match_compiler_libs() -> None:
    path = crash()
    names = global_names(read_executable(path))
    assert names == {int(i): n for i, n in oracle_lines(path, "GLOBAL")}
    assert list(names) == sorted(names)
    assert {"Stdlib", "Stdlib__List", "Stdlib__Hashtbl", "Crash", "Std_exit",
            "Not_found", "Failure"} <= set(names.values())  # fmt: skip
    # ocamlobjinfo prints the same names ("Globals defined"), without slots
    assert sorted(names.values()) == sorted(objinfo(path)["Globals defined"])


def test_global_slots_match_ocamldumpobj() -> None:
    """ocamldumpobj names the global of every (PUSH)GETGLOBAL(FIELD)/SETGLOBAL operand."""
    path = crash()
    exe = read_executable(path)
    names = global_names(exe)
    words = struct.unpack(f"<{len(exe.code) // 4}i", exe.code)
    checked = set()
    for line in run(["ocamldumpobj", path]).splitlines():
        match = re.fullmatch(
            r"\s*(\d+)\s+(?:PUSH)?(?:GETGLOBAL|GETGLOBALFIELD|SETGLOBAL) ([A-Z]\w*)(, \d+)?", line
        )
        if match:
            assert names[words[int(match[1]) + 1]] == match[2], line
            checked.add(match[2])
    assert {"Crash", "Stdlib__List", "Stdlib"} <= checked


def test_crcs_match_compiler_libs_and_objinfo() -> None:
    path = crash()
    units = crcs(read_executable(path))
    assert units == [(n, None if d == "-" else d) for n, d in oracle_lines(path, "CRC")]
    info = [tuple(line.split("\t")) for line in objinfo(path)["Imported units"]]
    assert [(n, d or "-" * 32) for n, d in units] == [(n, d) for d, n in info]
    assert any(d is None for _, d in units) and ("Crash", None) not in units


@pytest.mark.parametrize("path", [p for p in DEBIAN_PROGRAMS if os.path.exists(p)])
def test_big_programs(path: str) -> None:
    exe = read_executable(path)
    start = time.perf_counter()
    names = global_names(exe)
    symb_time = time.perf_counter() - start
    start = time.perf_counter()
    events = debug_events(exe)
    dbug_time = time.perf_counter() - start
    assert names == {int(i): n for i, n in oracle_lines(path, "GLOBAL")}
    assert sorted(map(_as_oracle_line, events)) == sorted(oracle_lines(path, "EVENT"))
    assert crcs(exe) == [(n, None if d == "-" else d) for n, d in oracle_lines(path, "CRC")]
    # A guard against quadratic parsing, not a performance claim: the DBUG bound is
    # loose enough for a loaded 2-core machine (10 s once failed there at 10.1 s).
    assert symb_time < 0.5 and dbug_time < 60.0, (symb_time, dbug_time)


# --- Malformed sections: one line naming the file and the section


def _replace_section(src: str, name: str, content: bytes, dst: Path) -> str:
    """Copy of ``src`` with section ``name``'s bytes replaced (same length)."""
    exe = read_executable(src)
    section = exe.section(name)
    assert section is not None and len(content) == section.length
    blob = bytearray(Path(src).read_bytes())
    blob[section.offset : section.offset + section.length] = content
    dst.write_bytes(blob)
    return str(dst)


@pytest.mark.parametrize("section", ["SYMB", "CRCS", "DBUG"])
def test_garbage_section(section: str, tmp_path: Path) -> None:
    length = read_executable(crash()).section(section).length  # type: ignore[union-attr]
    path = _replace_section(crash(), section, b"\x55" * length, tmp_path / "bad")
    exe = read_executable(path)
    reader = {"SYMB": global_names, "CRCS": crcs, "DBUG": debug_events}[section]
    with pytest.raises(BytecodeFormatError) as info:
        reader(exe)
    message = str(info.value)
    assert message.startswith(f"{path}: {section} section: ") and "\n" not in message


def _marshalled_string(total: int) -> bytes:
    """A marshalled string (CODE_STRING32, caml/intext.h) of exactly ``total`` bytes."""
    n = total - 20 - 5
    header = struct.pack(">IIIII", 0x8495A6BE, 5 + n, 1, 0, 0)
    return header + b"\x0a" + struct.pack(">I", n) + b"s" * n


def _marshalled_string_list(total: int) -> bytes:
    """A marshalled one-string list of exactly ``total`` bytes: [ "sss..." ]."""
    n = total - 20 - 7
    data = b"\xa0\x0a" + struct.pack(">I", n) + b"s" * n + b"\x40"
    return struct.pack(">IIIII", 0x8495A6BE, len(data), 2, 0, 0) + data


def _marshalled_int(n: int) -> bytes:
    """A marshalled small int (PREFIX_SMALL_INT)."""
    return struct.pack(">IIIII", 0x8495A6BE, 1, 0, 1, 1) + bytes([0x40 | n])


def _dbug(units: int, *values: bytes) -> bytes:
    """A DBUG section: unit count, then an origin of 0 and the given marshalled values."""
    return struct.pack(">II", units, 0) + b"".join(values)


WRONG_SHAPES: list[tuple[str, Callable[[int], bytes], str]] = [
    ("SYMB", _marshalled_string, "the global map is not a block"),
    ("SYMB", lambda n: _marshalled_int(0) + bytes(n - 21), "bytes after the marshalled value"),
    ("CRCS", _marshalled_string, "the CRC list is not a block"),
    ("DBUG", lambda n: _dbug(1, _marshalled_int(5), _marshalled_string(n - 29)),
     "a directory list is not a block"),
    ("DBUG", lambda n: _dbug(1, _marshalled_int(5), _marshalled_int(0), bytes(n - 50)),
     "an event list is not a block"),
    ("DBUG", lambda n: _dbug(2, _marshalled_int(0), _marshalled_string_list(n - 31), bytes(2)),
     "truncated before unit 1 of 2"),
    ("DBUG", lambda n: _dbug(1, _marshalled_int(0), _marshalled_int(0), bytes(n - 50)),
     "8 bytes after the last unit"),
]  # fmt: skip


@pytest.mark.parametrize(("section", "content", "problem"), WRONG_SHAPES)
def test_wrong_shape(
    section: str, content: Callable[[int], bytes], problem: str, tmp_path: Path
) -> None:
    """Well-formed marshalled data of the wrong type."""
    length = read_executable(crash()).section(section).length  # type: ignore[union-attr]
    path = _replace_section(crash(), section, content(length), tmp_path / "bad")
    reader = {"SYMB": global_names, "CRCS": crcs, "DBUG": debug_events}[section]
    with pytest.raises(BytecodeFormatError) as info:
        reader(read_executable(path))
    assert str(info.value).startswith(f"{path}: {section} section: ")
    assert problem in str(info.value)


def test_event_for_location() -> None:
    def ev(pc: int, line: int) -> DebugEvent:
        return DebugEvent(pc, "M", "m.ml", line, 0, 1, "f", "before")

    events = [ev(8, 1), ev(16, 2), ev(16, 3), ev(40, 4)]
    assert event_for_location(events, 8) == ev(8, 1)
    assert event_for_location(events, 4) == ev(8, 1)  # one word early, as the runtime allows
    assert event_for_location(events, 0) is None
    assert event_for_location(events, 16) == ev(16, 3)
    assert event_for_location(events, 12) == ev(16, 2)
    assert event_for_location(events, 36) == ev(40, 4)
    assert event_for_location(events, 24) is None
    assert event_for_location(events, 44) is None
    assert event_for_location([], 0) is None
    real = debug_events(read_executable(crash()))
    assert all(event_for_location(real, e.pc).pc == e.pc for e in real)  # type: ignore[union-attr]
