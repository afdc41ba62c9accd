"""Names and calling convention of the native functions camllvm generates: irgen
defines them, the JIT looks them up in compiled or cached code and the glue calls
them (kept apart so that a run which only loads cached code need not import the IR
generator)."""

from __future__ import annotations

RET = "{ i64, ptr }"  # what a compiled function returns: accu, sp
#: Calling convention of compiled OCaml functions: no callee-saved registers
#: (values live across calls are in the VM stack anyway); C reaches them
#: through the glue module (camllvm/glue.py).
NATIVE_CC = "preserve_nonecc"


def function_name(entry: int) -> str:
    """The native function of the bytecode function (or RESTART entry) at ``entry``."""
    return f"caml_{entry}"


def inline_name(entry: int) -> str:
    """A module's own copy of a function that its call sites inline."""
    return f"caml_{entry}.inline"


def osr_name(header: int) -> str:
    """The function entered at a loop header by on-stack replacement."""
    return f"caml_osr_{header}"
