"""Analysis tests: consistency on real programs, depths against ocamlrund's trace, broken code."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import time

import pytest

from camllvm.analysis import Program, analyse, analyse_code, stack_effect
from camllvm.decoder import Instruction, decode
from camllvm.errors import AnalysisError
from camllvm.opcodes import Op
from camllvm.reader import read_executable

from .test_decoder import BIG_PROGRAMS, big_program
from .test_decoder import small_programs_fixture  # noqa: F401 (registers the fixture)


def _check_structure(program: Program) -> None:
    """Invariants every analysis result keeps, whatever the program."""
    makers = (Op.CLOSURE, Op.CLOSUREREC)
    closure_targets = {t for i in program.instrs if i.op in makers for t in i.targets}
    assert set(program.functions) == closure_targets | {0}
    seen: set[int] = set()
    for fn in program.functions.values():
        assert fn.blocks[0].start == fn.entry
        assert fn.blocks[0].depth_in == fn.entry_depth
        starts = {b.start for b in fn.blocks}
        for block in fn.blocks:
            assert block.depth_in == program.depth[block.start]
            for a, b in zip(block.instrs, block.instrs[1:]):
                assert a.next_pc == b.pc
                assert program.depth[b.pc] == program.depth[a.pc] + stack_effect(a)
            for s in block.succs:
                assert s in starts, f"successor {s} of {block.start} is not in {fn.entry}"
            for ins in block.instrs:
                assert program.owner[ins.pc] == fn.entry
                assert ins.pc not in seen
                seen.add(ins.pc)
    assert seen == set(program.depth)


@pytest.mark.parametrize("path", BIG_PROGRAMS)
def test_big_programs_are_consistent(path: str) -> None:
    exe = read_executable(big_program(path))
    start = time.perf_counter()
    program = analyse(exe, names=False)
    elapsed = time.perf_counter() - start
    _check_structure(program)
    # Only dead code (after a raise, or RESTARTs' neighbours) may stay unreached.
    assert len(program.unreachable) < 0.01 * len(program.instrs)
    assert elapsed < 15.0, f"analysis of {path} took {elapsed:.1f}s"


def test_small_programs_are_consistent(small_programs: dict[str, str]) -> None:
    for path in small_programs.values():
        _check_structure(analyse(read_executable(path)))


def _by_name(program: Program, name: str):
    found = [f for f in program.functions.values() if f.name == name]
    assert len(found) == 1, (name, len(found))
    return found[0]


def test_names_arity_groups_and_direct_calls(small_programs: dict[str, str]) -> None:
    program = analyse(read_executable(small_programs["shapes"]))
    even, odd, third = (_by_name(program, f"Shapes.{n}") for n in ("even", "odd", "third"))
    # let rec even .. and odd .. and third: one CLOSUREREC block of three functions.
    assert even.group == odd.group == third.group == (even.entry, odd.entry, third.entry)
    assert even.arity == 1 and even.entry_depth == 1
    assert odd.entry in even.calls and even.entry in odd.calls
    assert set(third.calls) == {even.entry, odd.entry}
    add3 = _by_name(program, "Shapes.add3")
    assert add3.arity == 3 and add3.entry_depth == 3
    assert add3.restart is not None and program.instr_at[add3.restart].op is Op.RESTART
    assert program.instr_at[add3.entry].op is Op.GRAB
    toplevel = program.functions[0]
    assert toplevel.arity is None and toplevel.entry_depth == 0 and toplevel.name is None
    fact = _by_name(analyse(read_executable(small_programs["hello"])), "Hello.fact")
    assert fact.calls == (fact.entry,)


def test_without_debug_info_functions_have_no_names(small_programs: dict[str, str]) -> None:
    program = analyse(read_executable(small_programs["hello_nog"]))
    assert all(f.name is None for f in program.functions.values())
    _check_structure(program)


# ---------------------------------------------------------------- dynamic oracle: ocamlrund


_STEP = re.compile(r"^\s*(\d+)  [A-Z_0-9]+")
_SP = re.compile(r"^ sp=0x[0-9a-f]+ @(\d+):")


def trace(*argv: str) -> list[tuple[int, int]]:
    """(byte pc, stack depth in words) of every executed instruction, from ocamlrund -t.

    The debug runtime prints, before each instruction, its pc (in words) and
    ``@N`` = Caml_state->stack_high - sp (runtime/instrtrace.c). Its output
    is large (370 MB for ``ocamlc.byte -version``), so it is streamed.
    """
    env = dict(os.environ, OCAMLRUNPARAM="t=2")
    steps: list[tuple[int, int]] = []
    pc = None
    with subprocess.Popen(["ocamlrund", *argv], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL) as proc:
        assert proc.stdout is not None
        for raw in proc.stdout:
            if raw[:1] != b" ":
                continue
            line = raw.decode("latin-1")
            if m := _STEP.match(line):
                pc = 4 * int(m[1])
            elif pc is not None and (m := _SP.match(line)):
                steps.append((pc, int(m[1])))
                pc = None
    return steps


_SUCC_BY_TARGET = frozenset({Op.BRANCH, Op.BRANCHIF, Op.BRANCHIFNOT, Op.SWITCH, Op.BEQ, Op.BNEQ,
                             Op.BLTINT, Op.BLEINT, Op.BGTINT, Op.BGEINT, Op.BULTINT, Op.BUGEINT})
_CALLS = frozenset({Op.APPLY, Op.APPLY1, Op.APPLY2, Op.APPLY3})
_RETURNS = frozenset({Op.RETURN, Op.GRAB})  # GRAB returns a partial application


def check_trace(program: Program, steps: list[tuple[int, int]]) -> int:
    """Check static depths against executed ones; return the number of checks made.

    Within a function, dynamic depth minus static depth (the frame base) must
    not change from an instruction to its static successor; a call's return
    point must find the base the call left; a trap handler the base its
    PUSHTRAP had.
    """
    depth, owner, instr_at = program.depth, program.owner, program.instr_at
    pending: dict[int, list[int]] = {}  # return pc -> frame bases of calls not returned yet
    traps: list[tuple[int, int]] = []  # (handler pc, frame base) of the active trap frames
    checks = 0
    for (pc1, d1), (pc2, d2) in zip(steps, steps[1:]):
        if pc1 not in depth:
            continue  # code outside CODE (callbacks) or not statically reachable (RESTART)
        ins = instr_at[pc1]
        base1 = d1 - depth[pc1]
        if ins.op in _CALLS:  # the callee may start with a RESTART, which has no static depth
            pending.setdefault(ins.next_pc, []).append(base1)
        elif ins.op is Op.PUSHTRAP:
            traps.append((ins.targets[0], base1))
        elif ins.op is Op.POPTRAP:
            traps.pop()
        if pc2 not in depth:
            continue
        base2 = d2 - depth[pc2]
        if traps and pc2 == traps[-1][0] and ins.op is not Op.PUSHTRAP and pc2 != ins.next_pc:
            assert base2 == traps.pop()[1], f"raise from pc {pc1} to handler {pc2}"
            checks += 1
        elif ins.op in _CALLS:
            pass
        elif ins.op in _RETURNS and pending.get(pc2):
            assert base2 == pending[pc2].pop(), f"return to pc {pc2} from pc {pc1}"
            checks += 1
        elif owner[pc1] == owner[pc2] and (
            pc2 == ins.next_pc or (ins.op in _SUCC_BY_TARGET and pc2 in ins.targets)
        ):
            assert base1 == base2, f"pc {pc1} -> pc {pc2}: depth {d1} -> {d2}"
            checks += 1
    return checks


@pytest.mark.parametrize("name", ["hello", "shapes", "objects"])
def test_depths_match_the_debug_runtime(small_programs: dict[str, str], name: str) -> None:
    if shutil.which("ocamlrund") is None:
        pytest.skip("ocamlrund (OCaml's debug runtime) not installed")
    path = small_programs[name + "_nog"]
    steps = trace(path)
    assert len(steps) > 1000
    assert check_trace(analyse(read_executable(path), names=False), steps) > 0.8 * len(steps)


def test_ocamlc_depths_match_the_debug_runtime() -> None:
    """The initialisation of every unit of ocamlc (300k instructions) as an oracle."""
    if shutil.which("ocamlrund") is None:
        pytest.skip("ocamlrund (OCaml's debug runtime) not installed")
    path = big_program("/usr/bin/ocamlc.byte")
    steps = trace(path, "-version")
    assert len(steps) > 100_000
    assert check_trace(analyse(read_executable(path), names=False), steps) > 0.8 * len(steps)


# ---------------------------------------------------------------- hand-made code


def words(*ws: int) -> bytes:
    return struct.pack(f"<{len(ws)}i", *ws)


def code_of(*ws: int) -> list[Instruction]:
    return decode(words(*ws))


def test_inconsistent_join_raises_with_pc() -> None:
    # 0 CONST0; 4 BRANCHIFNOT (-> 24); 12 PUSHCONST1; 16 BRANCH (-> 24); 24 STOP
    # The join at 24 is reached at depth 0 by the branch and at depth 1 by the fall-through.
    instrs = code_of(Op.CONST0, Op.BRANCHIFNOT, 4, Op.PUSHCONST1, Op.BRANCH, 1, Op.STOP)
    with pytest.raises(AnalysisError) as err:
        analyse_code(instrs, "broken.byte")
    assert str(err.value) == "broken.byte: pc 24 in function 0: stack depth expected 0, found 1"


def test_return_with_wrong_depth_raises() -> None:
    # 0 CLOSURE 0, -> 16; 12 STOP; 16 ACC0; 20 PUSHACC0; 24 RETURN 1 (depth 2 there)
    instrs = code_of(Op.CLOSURE, 0, 2, Op.STOP, Op.ACC0, Op.PUSHACC0, Op.RETURN, 1)
    with pytest.raises(AnalysisError) as err:
        analyse_code(instrs, "broken.byte")
    assert str(err.value) == "broken.byte: pc 24 in function 16: stack depth expected 1, found 2"


def test_appterm_checks_slot_size() -> None:
    # function at 16 of arity 2 (GRAB 1): 16 GRAB 1; 24 ACC1; 28 PUSHACC1; 32 APPTERM 1, s
    def program(slots: int) -> Program:
        return analyse_code(code_of(Op.CLOSURE, 0, 2, Op.STOP, Op.GRAB, 1, Op.ACC1, Op.PUSHACC1,
                                    Op.APPTERM, 1, slots), "t.byte")

    assert program(3).depth[32] == 3 and program(3).functions[16].arity == 2
    message = r"^t.byte: pc 32 in function 16: stack depth expected 2, found 3$"
    with pytest.raises(AnalysisError, match=message):
        program(2)


def test_falling_into_another_function_raises() -> None:
    # 0 CLOSURE 0, -> 12; 12 CONST0 (entry of the closure) is also the toplevel's fall-through.
    instrs = code_of(Op.CLOSURE, 0, 1, Op.CONST0, Op.RETURN, 1)
    message = r"^x: pc 0 in function 0: control goes to pc 12 in function 12$"
    with pytest.raises(AnalysisError, match=message):
        analyse_code(instrs, "x")


def test_falling_off_the_code_raises() -> None:
    message = "pc 0 in function 0: control goes to pc 4, the end of the code"
    with pytest.raises(AnalysisError, match=message):
        analyse_code(code_of(Op.CONST0), "x")


def test_pushtrap_handler_and_return_point_depths() -> None:
    # 0 PUSHTRAP -> 28 ; 8 CONST0 ; 12 POPTRAP ; 16 BRANCH -> 32 ; 24 STOP (dead) ;
    # 28 CONST1 (handler) ; 32 STOP
    instrs = code_of(Op.PUSHTRAP, 6, Op.CONST0, Op.POPTRAP, Op.BRANCH, 3, Op.STOP,
                     Op.CONST1, Op.STOP)
    program = analyse_code(instrs)
    assert [program.depth[pc] for pc in (0, 8, 12, 16, 28, 32)] == [0, 4, 4, 0, 0, 0]
    top = program.functions[0]
    assert [b.start for b in top.blocks] == [0, 8, 28, 32]
    assert top.blocks[0].succs == (8, 28)
    assert top.blocks[2].succs == (32,)
    assert program.unreachable == [24]
    # PUSH_RETADDR +3, then APPLY 1 pops the argument and the frame: back to 0 at the return point.
    instrs = code_of(Op.PUSH_RETADDR, 5, Op.CONST0, Op.PUSH, Op.APPLY, 1, Op.STOP)
    program = analyse_code(instrs)
    assert [program.depth[pc] for pc in (0, 8, 12, 16, 24)] == [0, 3, 3, 4, 0]


def test_closurerec_and_c_calln_effects() -> None:
    # CLOSUREREC 2 funcs 1 var: push accu, pop 1, push 2 closures -> +2 ; C_CALLN 3 -> -2.
    cr = code_of(Op.CLOSUREREC, 2, 1, 0, 0)[0]
    assert stack_effect(cr) == 2
    assert stack_effect(code_of(Op.CLOSUREREC, 3, 0, 0, 0, 0)[0]) == 3
    assert stack_effect(code_of(Op.C_CALLN, 3, 0)[0]) == -2
    assert stack_effect(code_of(Op.CLOSURE, 0, 0)[0]) == 0
    assert stack_effect(code_of(Op.CLOSURE, 4, 0)[0]) == -3
    assert stack_effect(code_of(Op.MAKEBLOCK, 3, 0)[0]) == -2
    assert stack_effect(code_of(Op.APPLY, 2)[0]) == -5
