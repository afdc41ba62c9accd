"""Small pure helpers: the native thread's C stack size (CAMLLVM_C_STACK, else OCAMLRUNPARAM's l) and where a call finds its closure."""

from __future__ import annotations

import os

from camllvm.cli import C_PER_VM_BYTE, MAX_STACK_DEF, NATIVE_C_STACK, native_c_stack_bytes, parse_size


def test_parse_size_follows_ocamlrun_multipliers() -> None:
    assert parse_size("123") == 123
    assert parse_size("4k") == 4 << 10
    assert parse_size("8M") == 8 << 20
    assert parse_size("1G") == 1 << 30
    assert parse_size("0x10") == 16
    assert parse_size("") is None
    assert parse_size("12x") is None


def test_default_is_at_least_the_floor_and_covers_the_default_limit() -> None:
    size = native_c_stack_bytes({})
    assert size == max(NATIVE_C_STACK, MAX_STACK_DEF * 8 * C_PER_VM_BYTE)


def test_vm_limit_scales_the_c_stack_up_to_half_the_memory() -> None:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert native_c_stack_bytes({"OCAMLRUNPARAM": "l=1k"}) == NATIVE_C_STACK  # the floor
    words = 8 << 20  # 64 MiB of VM stack: 8 GiB of C stack, if the machine has 16 GiB
    expected = max(NATIVE_C_STACK, min(words * 8 * C_PER_VM_BYTE, memory // 2))
    assert native_c_stack_bytes({"OCAMLRUNPARAM": "s=4k,l=8M,b"}) == expected
    assert native_c_stack_bytes({"OCAMLRUNPARAM": "l=4G"}) == max(NATIVE_C_STACK, memory // 2)


def test_ocamlrunparam_wins_over_camlrunparam() -> None:
    only_caml = native_c_stack_bytes({"CAMLRUNPARAM": "l=16M"})
    both = native_c_stack_bytes({"CAMLRUNPARAM": "l=16M", "OCAMLRUNPARAM": "l=1k"})
    assert only_caml > NATIVE_C_STACK
    assert both == NATIVE_C_STACK


def test_explicit_size_overrides() -> None:
    assert native_c_stack_bytes({"CAMLLVM_C_STACK": "3M", "OCAMLRUNPARAM": "l=16M"}) == 3 << 20
    assert native_c_stack_bytes({"CAMLLVM_C_STACK": "1k"}) == 1 << 20  # 1 MiB at least


def test_callee_sources_name_where_a_call_finds_its_closure() -> None:
    from camllvm.decoder import Instruction
    from camllvm.irgen import callee_source
    from camllvm.opcodes import Op

    def ins(op: Op, *args: int) -> Instruction:
        return Instruction(0, op, args, 1 + len(args))

    assert callee_source(ins(Op.PUSHGETGLOBALFIELD, 5, 17)) == ("global", 5, 17)
    assert callee_source(ins(Op.ENVACC3)) == ("env", 3, 0)
    assert callee_source(ins(Op.PUSHENVACC, 9)) == ("env", 9, 0)
    assert callee_source(ins(Op.OFFSETCLOSURE3)) == ("offset", 3, 0)
    assert callee_source(ins(Op.PUSHOFFSETCLOSUREM3)) == ("offset", -3, 0)
    assert callee_source(ins(Op.OFFSETCLOSURE, 6)) == ("offset", 6, 0)
    assert callee_source(ins(Op.OFFSETCLOSURE0)) is None  # the function itself: a self call
    assert callee_source(ins(Op.ACC1)) is None
    assert callee_source(ins(Op.GETFIELD0), ins(Op.PUSHENVACC2)) == ("envfield", 2, 0)
    assert callee_source(ins(Op.GETFIELD, 7), ins(Op.ENVACC, 5)) == ("envfield", 5, 7)
    assert callee_source(ins(Op.GETFIELD1), ins(Op.ACC2)) is None  # a local: unknown
    assert callee_source(ins(Op.GETFIELD1)) is None
