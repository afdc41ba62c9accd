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
#: Type-based alias classes LLVM may rely on (suffixes of loads and stores): the VM
#: stack, the OCaml heap and the domain state are disjoint memory (no OCaml value
#: points into the VM stack or the domain state). Untagged accesses may alias anything.
TBAA_STACK, TBAA_HEAP, TBAA_STATE = ", !tbaa !5", ", !tbaa !6", ", !tbaa !7"
TBAA_META = ['!3 = !{!"camllvm"}', '!4 = !{!"vmstack", !3, i64 0}', '!8 = !{!"heap", !3, i64 0}',
             '!9 = !{!"state", !3, i64 0}', '!5 = !{!4, !4, i64 0}', '!6 = !{!8, !8, i64 0}',
             '!7 = !{!9, !9, i64 0}']


def function_name(entry: int) -> str:
    """The native function of the bytecode function (or RESTART entry) at ``entry``."""
    return f"caml_{entry}"


def inline_name(entry: int) -> str:
    """A module's own copy of a function that its call sites inline."""
    return f"caml_{entry}.inline"


def osr_name(header: int) -> str:
    """The function entered at a loop header by on-stack replacement."""
    return f"caml_osr_{header}"
