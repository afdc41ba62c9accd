"""The OCaml 4.13 bytecode instruction set as data (order of ``caml/instruct.h``).

No opcode number appears anywhere else in camllvm: other modules refer to
``Op.NAME`` and ask this table for operand kinds.
"""

from __future__ import annotations

import enum


class Kind(enum.Enum):
    """How one operand word is read."""

    INT = "int"  # signed 32-bit immediate (sizes, counts, constants)
    LABEL = "label"  # signed offset, relative to the position of this word
    PRIM = "prim"  # index into the PRIM section
    GLOBAL = "global"  # index into the global data table
    # Variable-length operand lists; decoder.py knows their layout.
    SWITCH = "switch"  # sizes word, then (nconsts + nblocks) offsets from table start
    CLOSUREREC = "closurerec"  # nfuncs, nvars, then nfuncs offsets from first offset


Op = enum.IntEnum(
    "Op",
    """
    ACC0 ACC1 ACC2 ACC3 ACC4 ACC5 ACC6 ACC7
    ACC PUSH
    PUSHACC0 PUSHACC1 PUSHACC2 PUSHACC3
    PUSHACC4 PUSHACC5 PUSHACC6 PUSHACC7
    PUSHACC POP ASSIGN
    ENVACC1 ENVACC2 ENVACC3 ENVACC4 ENVACC
    PUSHENVACC1 PUSHENVACC2 PUSHENVACC3 PUSHENVACC4 PUSHENVACC
    PUSH_RETADDR APPLY APPLY1 APPLY2 APPLY3
    APPTERM APPTERM1 APPTERM2 APPTERM3
    RETURN RESTART GRAB
    CLOSURE CLOSUREREC
    OFFSETCLOSUREM3 OFFSETCLOSURE0 OFFSETCLOSURE3 OFFSETCLOSURE
    PUSHOFFSETCLOSUREM3 PUSHOFFSETCLOSURE0
    PUSHOFFSETCLOSURE3 PUSHOFFSETCLOSURE
    GETGLOBAL PUSHGETGLOBAL GETGLOBALFIELD PUSHGETGLOBALFIELD SETGLOBAL
    ATOM0 ATOM PUSHATOM0 PUSHATOM
    MAKEBLOCK MAKEBLOCK1 MAKEBLOCK2 MAKEBLOCK3 MAKEFLOATBLOCK
    GETFIELD0 GETFIELD1 GETFIELD2 GETFIELD3 GETFIELD GETFLOATFIELD
    SETFIELD0 SETFIELD1 SETFIELD2 SETFIELD3 SETFIELD SETFLOATFIELD
    VECTLENGTH GETVECTITEM SETVECTITEM
    GETBYTESCHAR SETBYTESCHAR
    BRANCH BRANCHIF BRANCHIFNOT SWITCH BOOLNOT
    PUSHTRAP POPTRAP RAISE
    CHECK_SIGNALS
    C_CALL1 C_CALL2 C_CALL3 C_CALL4 C_CALL5 C_CALLN
    CONST0 CONST1 CONST2 CONST3 CONSTINT
    PUSHCONST0 PUSHCONST1 PUSHCONST2 PUSHCONST3 PUSHCONSTINT
    NEGINT ADDINT SUBINT MULINT DIVINT MODINT
    ANDINT ORINT XORINT LSLINT LSRINT ASRINT
    EQ NEQ LTINT LEINT GTINT GEINT
    OFFSETINT OFFSETREF ISINT
    GETMETHOD
    BEQ BNEQ BLTINT BLEINT BGTINT BGEINT
    ULTINT UGEINT
    BULTINT BUGEINT
    GETPUBMET GETDYNMET
    STOP
    EVENT BREAK
    RERAISE RAISE_NOTRACE
    GETSTRINGCHAR
    """.split(),
    start=0,
)
Op.__doc__ = "Opcode numbers of OCaml 4.13 (caml/instruct.h)."

_I, _L, _P, _G = Kind.INT, Kind.LABEL, Kind.PRIM, Kind.GLOBAL

#: Operand kinds of every opcode that has operands; the others take none.
OPERANDS: dict[Op, tuple[Kind, ...]] = {
    Op.ACC: (_I,), Op.PUSHACC: (_I,), Op.POP: (_I,), Op.ASSIGN: (_I,),
    Op.ENVACC: (_I,), Op.PUSHENVACC: (_I,),
    Op.PUSH_RETADDR: (_L,), Op.APPLY: (_I,),
    Op.APPTERM: (_I, _I), Op.APPTERM1: (_I,), Op.APPTERM2: (_I,), Op.APPTERM3: (_I,),
    Op.RETURN: (_I,), Op.GRAB: (_I,),
    Op.CLOSURE: (_I, _L), Op.CLOSUREREC: (Kind.CLOSUREREC,),
    Op.OFFSETCLOSURE: (_I,), Op.PUSHOFFSETCLOSURE: (_I,),
    Op.GETGLOBAL: (_G,), Op.PUSHGETGLOBAL: (_G,),
    Op.GETGLOBALFIELD: (_G, _I), Op.PUSHGETGLOBALFIELD: (_G, _I), Op.SETGLOBAL: (_G,),
    Op.ATOM: (_I,), Op.PUSHATOM: (_I,),
    Op.MAKEBLOCK: (_I, _I), Op.MAKEBLOCK1: (_I,), Op.MAKEBLOCK2: (_I,), Op.MAKEBLOCK3: (_I,),
    Op.MAKEFLOATBLOCK: (_I,),
    Op.GETFIELD: (_I,), Op.GETFLOATFIELD: (_I,), Op.SETFIELD: (_I,), Op.SETFLOATFIELD: (_I,),
    Op.BRANCH: (_L,), Op.BRANCHIF: (_L,), Op.BRANCHIFNOT: (_L,), Op.SWITCH: (Kind.SWITCH,),
    Op.PUSHTRAP: (_L,),
    Op.C_CALL1: (_P,), Op.C_CALL2: (_P,), Op.C_CALL3: (_P,), Op.C_CALL4: (_P,),
    Op.C_CALL5: (_P,), Op.C_CALLN: (_I, _P),
    Op.CONSTINT: (_I,), Op.PUSHCONSTINT: (_I,),
    Op.OFFSETINT: (_I,), Op.OFFSETREF: (_I,),
    Op.BEQ: (_I, _L), Op.BNEQ: (_I, _L), Op.BLTINT: (_I, _L), Op.BLEINT: (_I, _L),
    Op.BGTINT: (_I, _L), Op.BGEINT: (_I, _L), Op.BULTINT: (_I, _L), Op.BUGEINT: (_I, _L),
    Op.GETPUBMET: (_I, _I),
}  # fmt: skip

#: Instructions after which control never falls through to the next one.
NO_FALLTHROUGH: frozenset[Op] = frozenset({
    Op.BRANCH, Op.SWITCH, Op.RETURN, Op.APPTERM, Op.APPTERM1, Op.APPTERM2,
    Op.APPTERM3, Op.RAISE, Op.RERAISE, Op.RAISE_NOTRACE, Op.STOP,
})  # fmt: skip


def operand_kinds(op: Op) -> tuple[Kind, ...]:
    """Operand kinds of ``op`` (empty for instructions without operands)."""
    return OPERANDS.get(op, ())


#: Conditional branches (their last operand is the target), and all branches.
CONDITIONAL_BRANCHES: frozenset[Op] = frozenset({
    Op.BRANCHIF, Op.BRANCHIFNOT, *(Op(op) for op in range(Op.BEQ, Op.BGEINT + 1)),
    Op.BULTINT, Op.BUGEINT,
})  # fmt: skip
BRANCHES: frozenset[Op] = CONDITIONAL_BRANCHES | {Op.BRANCH}
