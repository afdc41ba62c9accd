"""Instruction coverage: every opcode ocamlc 4.13 emits occurs in the code of some test program,
and every opcode it never emits is exercised by a hand-assembled test (test_asm_opcodes).

Only the code of each program's own compilation unit counts (not the stdlib code
linked with it): the unit's range in CODE is found from the sizes of its .cmo
and of std_exit.cmo (bytelink.ml lays out CODE as the units in link order, then
Std_exit, then one STOP), and checked by comparing opcode sequences with the .cmo.

Run ``python tests/test_coverage.py`` for a table of which programs use each opcode.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Sequence
from pathlib import Path

import pytest

import harness
import test_asm_opcodes

from camllvm.decoder import Instruction, decode
from camllvm.marshal import Block, unmarshal
from camllvm.opcodes import Op
from camllvm.reader import read_executable

#: Opcodes that ocamlc 4.13 never emits from OCaml source, and why. Read from
#: bytecomp/emitcode.ml (the lines quoted are the same in a pre-4.12 and a 5.x
#: copy, so in 4.13 too), confirmed on 4.13 output with ``ocamlc -dinstr`` and by
#: scanning ocamlc.byte & co. (2.5 MB of code: e.g. ENVACC4 265 times,
#: PUSHENVACC4 never), and kept true by test_never_emitted_is_true below, which
#: scans all linked code (stdlib, unix, str, threads). test_asm_opcodes covers each.
NEVER_EMITTED: dict[Op, str] = {
    Op.ENVACC1: (
        "emit_instr maps Kenvacc 1 to ENVACC1, but bytegen never asks for env field 1: "
        "since 4.12 field 1 of every closure is the closinfo word, free variables start at 2"
    ),
    Op.PUSHENVACC1: "same as ENVACC1 (the peephole 'Kpush :: Kenvacc n' never sees n = 1)",
    Op.PUSHENVACC4: (
        "the peephole 'Kpush :: Kenvacc n' uses PUSHENVACC1..3 only when 1 <= n < 4 "
        "(note '<', unlike ENVACC's '<= 4'): Kpush; Kenvacc 4 becomes PUSHENVACC 4"
    ),
    Op.ATOM: (
        "emitted for Kconst (Const_block (t, [])) or Kmakeblock (0, t) with t > 0; OCaml "
        "source has no empty block with a non-zero tag (constant constructors are ints, "
        "[||] is tag 0 -> ATOM0)"
    ),
    Op.PUSHATOM0: (
        "only from 'Kpush :: Kconst (Const_block (0, []))'; bytegen compiles empty "
        "arrays/records as Kmakeblock (0, 0) (-> ATOM0, no push peephole), never as a "
        "structured constant"
    ),
    Op.PUSHATOM: "'Kpush :: Kconst (Const_block (t, []))' with t > 0: see ATOM and PUSHATOM0",
    Op.ULTINT: (
        "emitted for Kisout when not fused by the peephole 'Kpush :: Kconst k :: Kisout :: "
        "Kbranchif(not)' into BULTINT/BUGEINT; Kisout comes only from Pisout, which the "
        "matching compiler (switch.ml) builds as an if-condition against a small constant, "
        "so it is always fused"
    ),
    Op.UGEINT: "emit_instr has no case producing opUGEINT at all (only the BUGEINT branch form)",
}

#: Debugger-only instructions: never in ocamlc output (Kevent records a debug event,
#: it emits no code); ocamldebug patches them in at run time. Not tested.
DEBUGGER_ONLY: dict[Op, str] = {
    Op.EVENT: "debug events are recorded in DBUG, EVENT is written only by the debugger",
    Op.BREAK: "breakpoints are written only by the debugger",
}

#: Emitted by the linker, not by the code generator of a unit.
LINKER_ONLY: dict[Op, str] = {
    Op.STOP: "bytelink.ml appends one STOP after the last unit (Std_exit)",
}

EMITTED: frozenset[Op] = frozenset(Op) - set(NEVER_EMITTED) - set(DEBUGGER_ONLY)


def cmo_code(path: Path) -> bytes:
    """The code of a .cmo: it starts after the 16-byte header; its size is cu_codesize.

    Layout from emitcode.ml to_file: magic, 4-byte pos of the compunit record,
    code, (debug info), then the marshalled compilation_unit record, whose
    third field is cu_codesize.
    """
    blob = path.read_bytes()
    (pos,) = struct.unpack(">I", blob[12:16])
    record, _ = unmarshal(blob, pos)
    assert isinstance(record, Block)
    size = record.fields[2]
    assert isinstance(size, int)
    return blob[16 : 16 + size]


@functools.cache
def std_exit_size() -> int:
    """Code size of std_exit.cmo, linked after every program's own unit."""
    return len(cmo_code(Path(harness.ocamlc_where()) / "std_exit.cmo"))


def unit_instructions(built: harness.Built) -> tuple[list[Instruction], list[Instruction]]:
    """(all instructions of the executable, those of the program's own unit)."""
    exe = read_executable(str(built.byte))
    code = exe.code
    instrs = decode(code, str(built.byte))
    assert instrs and instrs[-1].op is Op.STOP and instrs[-1].pc == len(code) - 4
    unit = cmo_code(built.cmo)
    end = len(code) - 4 - std_exit_size()
    start = end - len(unit)
    own = [i for i in instrs if start <= i.pc < end]
    assert own and own[0].pc == start, f"{built.byte}: unit range does not start an instruction"
    assert [i.op for i in own] == [i.op for i in decode(unit, str(built.cmo))], (
        f"{built.byte}: the code at [{start}, {end}) is not the program's unit"
    )
    return instrs, own


@functools.cache
def program_ops() -> dict[str, tuple[frozenset[Op], frozenset[Op]]]:
    """Program name -> (opcodes anywhere in its executable, opcodes in its own unit)."""
    out = {}
    for spec in harness.all_programs():
        allins, own = unit_instructions(harness.build(spec))
        out[spec.name] = (frozenset(i.op for i in allins), frozenset(i.op for i in own))
    return out


def users(op: Op, own: bool = True) -> list[str]:
    """Programs whose own code (or whole executable) contains ``op``."""
    return [name for name, (every, mine) in program_ops().items() if op in (mine if own else every)]


def test_lists_are_disjoint_and_valid() -> None:
    """The documented lists do not overlap and name real opcodes only."""
    lists: Sequence[dict[Op, str]] = (NEVER_EMITTED, DEBUGGER_ONLY, LINKER_ONLY)
    seen: set[Op] = set()
    for lst in lists:
        assert not (seen & set(lst))
        seen |= set(lst)
    assert all(isinstance(op, Op) for op in seen)


def test_emitted_opcodes_are_covered() -> None:
    """Every opcode ocamlc emits appears in the own code of at least one test program."""
    covered: set[Op] = set()
    for every, mine in program_ops().values():
        covered |= mine
        covered |= every & set(LINKER_ONLY)
    missing = sorted(EMITTED - covered)
    assert not missing, "opcodes no test program uses: " + ", ".join(op.name for op in missing)


def test_never_emitted_is_true() -> None:
    """No test executable (stdlib and libraries included) contains a never-emitted opcode."""
    found = {op.name: users(op, own=False) for op in [*NEVER_EMITTED, *DEBUGGER_ONLY]}
    found = {name: progs for name, progs in found.items() if progs}
    assert not found, f"ocamlc does emit these after all (fix NEVER_EMITTED): {found}"


def test_never_emitted_are_assembled() -> None:
    """Each never-emitted opcode is exercised by a hand-assembled program under ocamlrun."""
    covered = test_asm_opcodes.covered_ops()
    missing = sorted(op.name for op in NEVER_EMITTED if op not in covered)
    assert not missing, f"no assembled test uses: {missing}"


@pytest.mark.parametrize("spec", harness.all_programs(), ids=lambda s: s.name)
def test_unit_range(spec: harness.ProgramSpec) -> None:
    """The program's own unit is found in its executable (checked by opcode sequence)."""
    _, own = unit_instructions(harness.build(spec))
    assert own


def coverage_table() -> str:
    """Opcode -> programs (own code) or assembled cases that use it, one line each."""
    asm_users = test_asm_opcodes.covered_ops()
    lines = []
    for op in Op:
        progs = users(op)
        if op in LINKER_ONLY:
            where = "linker: " + LINKER_ONLY[op]
        elif op in DEBUGGER_ONLY:
            where = "debugger only, not tested"
        elif progs:
            more = " ..." if len(progs) > 6 else ""
            where = f"{len(progs):2d} programs: " + " ".join(progs[:6]) + more
        elif op in asm_users:
            where = "assembled: " + " ".join(asm_users[op])
        else:
            where = "-- not covered --"
        lines.append(f"{op.name:20s} {where}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(coverage_table())
