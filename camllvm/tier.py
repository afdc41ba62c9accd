"""Tiered mode: OCaml's interpreter runs cold code, hot functions and loops are compiled.

The counting is done by the runtime (runtime/tier.c): a stub per function entry
counts calls, a stub per backward branch counts loop iterations. This module
gives tier.c what it must know of the instruction set (a scan of the raw code
finds the sites) and the thresholds; the Jit compiles what tier.c reports hot.
"""

from __future__ import annotations

import ctypes

#: Calls of a function before it is compiled, and taken backward branches of a loop
#: before the loop is compiled and entered where it runs (on-stack replacement).
CALL_THRESHOLD = 20000
LOOP_THRESHOLD = 10000

F_MOVABLE, F_BRANCH, F_COND, F_LABEL = 1, 2, 4, 8
#: For tier.c's search of deep recursions (liveness.py's sets: one definition of each).
F_ALLOCATES, F_SELF_CLOSURE, F_CALL, F_ENDS = 16, 32, 64, 128


#: opcode_tables(), written out: a run that only counts needs neither the opcode enum
#: nor the decoder (~8 ms of start-up). tests/unit/test_tier.py checks they are the same.
OPERANDS = bytes.fromhex(
    "0000000000000000010000000000000000000101010000000001000000000101010000000201010101000102"
    "fe000000010000000101010202010001000102010101010000000001010000000001010000000000010101ff"
    "0001000000010101010102000000000100000000010000000000000000000000000000000000000101000002"
    "0202020202000002020200000000000000")  # fmt: skip
FLAGS = bytes.fromhex(
    "0101010101010101010101010101010101010101000101010101010101010109404040408080808081000010"
    "102121212121212121010101010001010101101010101001010101010000000000000001010000008b0f0f81"
    "010900800010101010101001010101010101010101010101010000010101010101010101010101010001000f"
    "0f0f0f0f0f01010f0f0000800000808000")  # fmt: skip


def calls_any(lib: ctypes.CDLL, code: bytes, prims: list[str], wanted: set[str]) -> bool:
    """Whether ``code`` calls one of the primitives named ``wanted`` (a C scan of every
    instruction: ~1 ms for ocamlc.byte's). Code that cannot be scanned: assume so."""
    fn = lib.camllvm_calls_prims
    fn.restype = ctypes.c_int
    fn.argtypes = [ctypes.c_char_p, ctypes.c_long, ctypes.c_char_p, ctypes.c_long,
                   ctypes.c_char_p, ctypes.c_long]  # fmt: skip
    flags = bytes(1 if name in wanted else 0 for name in prims)
    return fn(code, len(code) // 4, OPERANDS, len(OPERANDS), flags, len(flags)) != 0


def opcode_tables() -> tuple[bytes, bytes]:
    """Per opcode: fixed operand words (-1 SWITCH, -2 CLOSUREREC), and F_* flags."""
    from camllvm.decoder import _CLOSUREREC, _LAYOUTS, _SWITCH
    from camllvm.liveness import ALLOCATING, CALLS, RECURSIVE_CLOSURES
    from camllvm.opcodes import BRANCHES, CONDITIONAL_BRANCHES, NO_FALLTHROUGH, Op

    def names(*groups: str) -> set[Op]:
        return {Op[n] for g in groups for n in g.split()}

    # Instructions a call site's stub may run in place of the originals (tier.c moves
    # the first ones of a function there): none allocates, raises or leaves its own pc
    # where a backtrace or the GC could see it; their labels (branches, SWITCH tables,
    # PUSHTRAP's handler, PUSH_RETADDR's return address) are recomputed.
    movable = names(
        "ACC0 ACC1 ACC2 ACC3 ACC4 ACC5 ACC6 ACC7 ACC PUSH",
        "PUSHACC0 PUSHACC1 PUSHACC2 PUSHACC3 PUSHACC4 PUSHACC5 PUSHACC6 PUSHACC7 PUSHACC POP",
        "ENVACC1 ENVACC2 ENVACC3 ENVACC4 ENVACC",
        "PUSHENVACC1 PUSHENVACC2 PUSHENVACC3 PUSHENVACC4 PUSHENVACC",
        "OFFSETCLOSUREM3 OFFSETCLOSURE0 OFFSETCLOSURE3 OFFSETCLOSURE",
        "PUSHOFFSETCLOSUREM3 PUSHOFFSETCLOSURE0 PUSHOFFSETCLOSURE3 PUSHOFFSETCLOSURE",
        "GETGLOBAL PUSHGETGLOBAL GETGLOBALFIELD PUSHGETGLOBALFIELD",
        "ATOM0 ATOM PUSHATOM0 PUSHATOM",
        "GETFIELD0 GETFIELD1 GETFIELD2 GETFIELD3 GETFIELD VECTLENGTH GETVECTITEM",
        "CONST0 CONST1 CONST2 CONST3 CONSTINT",
        "PUSHCONST0 PUSHCONST1 PUSHCONST2 PUSHCONST3 PUSHCONSTINT",
        "NEGINT ADDINT SUBINT MULINT ANDINT ORINT XORINT LSLINT LSRINT ASRINT",
        "EQ NEQ LTINT LEINT GTINT GEINT ULTINT UGEINT OFFSETINT ISINT BOOLNOT",
        "SWITCH RETURN PUSHTRAP PUSH_RETADDR",
    ) | BRANCHES  # fmt: skip
    # Instructions whose last operand is a label relative to its own word.
    last_operand_label = BRANCHES | {Op.PUSHTRAP, Op.PUSH_RETADDR}
    operands, flags = bytearray(), bytearray()
    for op in Op:
        layout, nargs, _ = _LAYOUTS[op]
        n = {_SWITCH: -1, _CLOSUREREC: -2}.get(layout, nargs)
        operands.append(n & 0xFF)
        f = F_MOVABLE if op in movable else 0
        if op in BRANCHES:
            f |= F_BRANCH | (F_COND if op in CONDITIONAL_BRANCHES else 0)
        if op in last_operand_label:
            f |= F_LABEL
        for group, flag in ((ALLOCATING, F_ALLOCATES), (RECURSIVE_CLOSURES, F_SELF_CLOSURE),
                            (CALLS, F_CALL), (NO_FALLTHROUGH, F_ENDS)):
            f |= flag if op in group else 0
        flags.append(f)
    return bytes(operands), bytes(flags)


class TierPlan:
    """The counting sites tier.c found in ``code``; holds what tier.c reads while the
    program runs (the raw code and the opcode tables)."""

    def __init__(self, lib: ctypes.CDLL, code: bytes, calls: int, loops: int) -> None:
        self.code = code
        self.thresholds = calls, loops
        self.operands, self.flags = OPERANDS, FLAGS
        fn = lib.camllvm_tier_plan
        fn.restype = ctypes.c_long
        fn.argtypes = [ctypes.c_char_p, ctypes.c_long, ctypes.c_char_p, ctypes.c_char_p,
                       ctypes.c_long, ctypes.c_long, ctypes.c_long]  # fmt: skip
        self.sites = fn(code, len(code) // 4, self.operands, self.flags, len(OPERANDS),
                        calls, loops)  # fmt: skip
