"""The glue module: the few LLVM functions that join C (jitglue.c) and native OCaml code.

Compiled OCaml functions use LLVM's preserve_none calling convention, which C
cannot call or be called with. This module, compiled once at start-up before
any OCaml function, provides what crosses that line: the trampoline C uses to
call native code, and the table entries that are not compiled OCaml functions
(see the comment at the top of jitglue.c).
"""

from __future__ import annotations

from camllvm.symbols import NATIVE_CC, RET

GLUE_FUNCTIONS = ("camllvm_call_native", "camllvm_lazy_entry", "camllvm_defer_entry",
                  "camllvm_apply_generic")  # fmt: skip

GLUE_IR = f"""\
; camllvm glue: C <-> preserve_none
declare ptr @camllvm_lazy_target(i64)
declare ptr @camllvm_code_of_closure(i64)

; C calls native code through this.
define {RET} @camllvm_call_native(ptr %fn, ptr %sp, i64 %env, i64 %extra) {{
  %r = call {NATIVE_CC} {RET} %fn(ptr %sp, i64 %env, i64 %extra)
  ret {RET} %r
}}

; Table entry before a function's first call: compile it (camllvm_lazy_target
; installs the result in the table), then enter it.
define {NATIVE_CC} {RET} @camllvm_lazy_entry(ptr %sp, i64 %env, i64 %extra) {{
  %fn = call ptr @camllvm_lazy_target(i64 %env)
  %r = musttail call {NATIVE_CC} {RET} %fn(ptr %sp, i64 %env, i64 %extra)
  ret {RET} %r
}}

; Table entry of an interpreted function: store the closure below the arguments
; and return the deferred-application marker (sp | 1, accu = extra_args) to the
; nearest non-tail caller, which runs it (camllvm_resolve, the enter stub).
define {NATIVE_CC} {RET} @camllvm_defer_entry(ptr %sp, i64 %clos, i64 %extra) {{
  %at = getelementptr i64, ptr %sp, i64 -1
  store i64 %clos, ptr %at
  %tagged = getelementptr i8, ptr %at, i64 1
  %r1 = insertvalue {RET} undef, i64 %extra, 0
  %r2 = insertvalue {RET} %r1, ptr %tagged, 1
  ret {RET} %r2
}}

; Generic application of any closure (the C side finds its code): the table's
; entry for code outside the main code area, and RETURN's over-application.
define {NATIVE_CC} {RET} @camllvm_apply_generic(ptr %sp, i64 %clos, i64 %extra) {{
  %fn = call ptr @camllvm_code_of_closure(i64 %clos)
  %r = musttail call {NATIVE_CC} {RET} %fn(ptr %sp, i64 %clos, i64 %extra)
  ret {RET} %r
}}
"""
