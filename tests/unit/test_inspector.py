"""Inspector tests: ``info`` against ocamlobjinfo, ``dis`` against ocamldumpobj."""

from __future__ import annotations

import re
import subprocess
import time

import pytest

from camllvm.errors import CamllvmError
from camllvm.inspector import CONSTANT_WIDTH, dis_lines, info_text
from camllvm.reader import read_executable

from .test_decoder import big_program
from .test_decoder import small_programs_fixture  # noqa: F401 (registers the fixture)


def objinfo(path: str) -> dict[str, list[str]]:
    """The tab-indented lists ocamlobjinfo prints for an executable, by heading."""
    text = subprocess.run(["ocamlobjinfo", path], check=True, capture_output=True, text=True).stdout
    lists: dict[str, list[str]] = {}
    heading = ""
    for line in text.splitlines():
        if line.startswith("\t"):
            lists[heading].append(line.strip())
        else:
            heading = line.rstrip(":")
            lists[heading] = []
    return lists


def test_info_matches_ocamlobjinfo(small_programs: dict[str, str]) -> None:
    path = small_programs["objects"]
    text = info_text(read_executable(path))
    expected = objinfo(path)
    assert "OCaml 4.13 bytecode executable (magic Caml1999X030)" in text
    assert "shared libraries (DLLS): " + ", ".join(expected["Used DLLs"]) in text
    prims = re.findall(r"^ +\d+ (\S+)$", text, re.M)
    assert sorted(prims) == sorted(expected["Primitives used"])
    assert f"primitives (PRIM): {len(prims)}\n" in text
    assert f"units (CRCS): {len(expected['Imported units'])}\n" in text
    names = re.findall(r"^  ([A-Z]{4}) +\d+ bytes$", text, re.M)
    assert names[0] == "CODE" and {"PRIM", "DATA", "SYMB", "DLLS", "DBUG"} <= set(names)
    assert re.search(r"^code: \d+ instructions, \d+ functions", text, re.M)
    assert "0x" not in text


_DIS_LINE = re.compile(r"^ {2,}(\d+) +(-|\d+)  ([A-Z_0-9]+)(.*)$")
_DUMP_INSTR = re.compile(r"^\s*(\d+)  ([A-Z_0-9]+) ?(.*)$")
_DUMP_EVENT = re.compile(r'^File "(.*)", line (\d+), characters (-?\d+)-(-?\d+):$')


def dis_by_pc(lines: list[str]) -> dict[int, tuple[str, str]]:
    """Instruction lines of our disassembly: pc -> (mnemonic, rest of the line)."""
    out = {}
    for line in lines:
        if m := _DIS_LINE.match(line):
            out[int(m[1])] = (m[3], m[4])
    return out


def dump_with_events(path: str) -> list[tuple[int, str, str, list[str]]]:
    """ocamldumpobj's instructions: (byte pc, mnemonic, operands, locations of its events)."""
    text = subprocess.run(["ocamldumpobj", path], check=True, capture_output=True, text=True,
                          errors="replace").stdout
    out = []
    events: list[str] = []
    for line in text.splitlines():
        if m := _DUMP_EVENT.match(line):
            events.append(f"{m[1]}:{m[2]}:{m[3]}-{m[4]}")
        elif m := _DUMP_INSTR.match(line):
            out.append((4 * int(m[1]), m[2], m[3], events))
            events = []
    return out


_NAMED_OPERANDS = (
    "GETGLOBAL", "PUSHGETGLOBAL", "GETGLOBALFIELD", "PUSHGETGLOBALFIELD", "SETGLOBAL",
    "C_CALL1", "C_CALL2", "C_CALL3", "C_CALL4", "C_CALL5", "C_CALLN",
)  # fmt: skip


@pytest.mark.parametrize("name", ["hello", "objects"])
def test_dis_names_and_locations_match_ocamldumpobj(
    small_programs: dict[str, str], name: str
) -> None:
    path = small_programs[name]
    ours = dis_by_pc(list(dis_lines(read_executable(path))))
    named = located = 0
    for pc, mnemonic, operands, events in dump_with_events(path):
        assert ours[pc][0] == mnemonic, pc
        rest = ours[pc][1]
        # Custom blocks (int64...) print as raw fields there, as numbers here.
        if mnemonic in _NAMED_OPERANDS and "<255>" not in operands:
            if len(operands) > CONSTANT_WIDTH:  # a long constant: we print its beginning
                operands = operands[:CONSTANT_WIDTH] + "..."
            assert rest.startswith(" " + operands), (pc, operands, rest)
            named += 1
        for loc in events:
            assert loc in rest, (pc, loc, rest)
            located += 1
    assert named > 500 and located > 1000


def test_dis_names_functions_and_prims_of_a_small_program(small_programs: dict[str, str]) -> None:
    exe = read_executable(small_programs["hello"])
    lines = list(dis_lines(exe, "Hello.fact"))
    assert re.fullmatch(r"function \d+ Hello\.fact arity 1", lines[0])
    assert all(not line.startswith("function") for line in lines[1:])
    assert any("calls " in line and "(Hello.fact)" in line for line in lines)
    assert any(" ; hello.ml:2:17-55" in line for line in lines)  # "let rec fact n = ..." on line 2
    entry = lines[0].split()[1]
    assert list(dis_lines(exe, entry)) == lines
    assert list(dis_lines(exe, "fact")) == lines
    everything = "\n".join(dis_lines(exe))
    expected_texts = (
        "C_CALL4 caml_ml_output_bytes", "C_CALL1 caml_ml_flush", "SETGLOBAL Hello",
        "GETGLOBALFIELD Stdlib__List", "function 0 <toplevel> arity -", "STOP", '"%d %s\\n"',
    )  # fmt: skip
    for expected in expected_texts:
        assert expected in everything, expected
    assert "0x" not in everything


def test_unknown_function_is_a_one_line_error(small_programs: dict[str, str]) -> None:
    exe = read_executable(small_programs["hello"])
    with pytest.raises(CamllvmError) as err:
        list(dis_lines(exe, "no_such_function"))
    assert str(err.value).startswith(exe.path + ": no function named 'no_such_function'")
    assert "\n" not in str(err.value)
    with pytest.raises(CamllvmError, match="no function contains pc 99999999"):
        list(dis_lines(exe, "99999999"))


def test_dis_of_ocamlc_is_fast_and_deterministic() -> None:
    exe = read_executable(big_program("/usr/bin/ocamlc.byte"))
    start = time.perf_counter()
    first = list(dis_lines(exe))
    elapsed = time.perf_counter() - start
    assert elapsed < 30.0, f"dis of ocamlc.byte took {elapsed:.1f}s"
    assert len(first) > 400_000
    assert sum(line.startswith("function ") for line in first) > 10_000
    assert list(dis_lines(read_executable(exe.path))) == first
