"""Inline versions of common C primitives (floats, arrays, strings, int comparisons).

Each lowering reproduces the OCaml 4.13 C function it replaces (runtime/floats.c,
array.c, str.c, compare.c, ints.c) exactly, including its exceptions: a failed
bounds check calls the same ``caml_array_bound_error`` after the same
``Setup_for_c_call`` as the real call would have made, so backtraces are
unchanged. Results that the C code boxes with ``caml_copy_double`` are boxed
inline, with ``caml_copy_double`` itself as the slow path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from camllvm.opcodes import Op
from camllvm.symbols import TBAA_HEAP

if TYPE_CHECKING:
    from camllvm.irgen import Emitter

DOUBLE_TAG, DOUBLE_ARRAY_TAG = 253, 254

Lowering = Callable[["Emitter", list[str], int], str]


class InlinePrim(NamedTuple):
    arity: int
    lower: Lowering  # (emitter, argument values, return pc) -> result value
    values: int = 0  # leading arguments that are never floats (boxed before the call if lazy)


INLINE: dict[str, InlinePrim] = {}


def inline(name: str, arity: int, values: int = 0) -> Callable[[Lowering], Lowering]:
    def register(fn: Lowering) -> Lowering:
        INLINE[name] = InlinePrim(arity, fn, values)
        return fn

    return register


# ---- helpers ----


def unbox(em: Emitter, v: str) -> str:
    if v in em.lazy:
        return em.lazy[v]
    return em.val(f"load double, ptr {em.field_ptr(v, 0)}", "d")


def box(em: Emitter, d: str, ret_pc: int) -> str:
    """caml_copy_double(d): inline minor allocation, the C function as slow path.
    Inside a run of float instructions the box is only promised (Emitter.make_lazy)."""
    if em.lazy_ok:
        return em.make_lazy(d)

    def fill(blk: str) -> None:
        em.e(f"store double {d}, ptr {blk}{TBAA_HEAP}")

    def slow() -> str | None:
        return em.call("i64", "caml_copy_double", f"double {d}")

    return small_box(em, 1, DOUBLE_TAG, fill, slow, ret_pc)


def small_box(em: Emitter, wosize: int, tag: int, fill: Callable[[str], None],
              slow: Callable[[], str | None], ret_pc: int) -> str:
    """A block the C primitive allocates with caml_alloc_small and fills at once:
    inline minor allocation (no GC can see it before ``fill(first field's address)``),
    and the C function that makes it (``slow()``, after Setup_for_c_call) when the
    minor heap is full, so the GC runs exactly where the primitive would run it."""
    lay = em.gen.layout
    yp = em.load_state(lay.young_ptr)
    new = em.val(f"getelementptr i64, ptr {yp}, i64 {-(wosize + 1)}", "yp")
    lim = em.load_state(lay.young_limit)
    full = em.val(f"icmp ult ptr {new}, {lim}", "c")
    l_slow, l_fast, l_join = em.new_label("box.slow"), em.new_label("box"), em.new_label("boxed")
    top = em.top()
    em.e(f"br i1 {full}, label %{l_slow}, label %{l_fast}, !prof !0")
    saved, shadows = (em.spb, em.spo, em.env), em.shadow_state()
    em.label(l_slow)
    em.dominated(shadows)
    em.setup_for_c_call(ret_pc)
    made = slow()
    em.restore_after_c_call()
    kept = em.refresh(top, shadows[0].keys())
    slow_sp, slow_env, slow_label = em.sp_ptr(0), em.env, em.cur
    em.e(f"br label %{l_join}")
    em.label(l_fast)
    em.spb, em.spo, em.env = saved
    em.dominated(shadows)
    em.store_state(lay.young_ptr, new)
    em.e(f"store i64 {(wosize << 10) | tag}, ptr {new}{TBAA_HEAP}")
    blk = em.val(f"getelementptr i64, ptr {new}, i64 1", "blk")
    fill(blk)
    fast = em.val(f"ptrtoint ptr {blk} to i64", "blk")
    fast_sp = em.sp_ptr(0)
    em.e(f"br label %{l_join}")
    em.label(l_join)
    em.rebase(em.val(f"phi ptr [ {fast_sp}, %{l_fast} ], [ {slow_sp}, %{slow_label} ]", "sp"))
    em.joined(top, kept)
    em.env = em.val(f"phi i64 [ {em.env}, %{l_fast} ], [ {slow_env}, %{slow_label} ]", "env")
    return em.val(f"phi i64 [ {fast}, %{l_fast} ], [ {made}, %{slow_label} ]", "box")


def check_or_raise(em: Emitter, ok: str, ret_pc: int, raiser: str = "caml_array_bound_error") -> None:
    """Continue if ok, else raise as the C primitive would (after Setup_for_c_call)."""
    l_bad, l_ok = em.new_label("bound"), em.new_label("inbound")
    em.e(f"br i1 {ok}, label %{l_ok}, label %{l_bad}, !prof !1")
    saved = (em.spb, em.spo, em.env, em.accu, dict(em.lazy), dict(em.lazy_slots), em.shadow_state())
    em.label(l_bad)
    # Raising may run the GC: floats still pending in a float run get their boxes
    # (and their stack slots) on this path only.
    em.materialise()
    em.setup_for_c_call(ret_pc)
    em.call("void", raiser, "")
    em.e("unreachable")
    em.label(l_ok)  # (only the check leads here: the shadows valid before it still are)
    em.spb, em.spo, em.env, em.accu, em.lazy, em.lazy_slots, shadows = saved
    em.dominated(shadows)


def wosize(em: Emitter, v: str) -> str:
    hd = em.val(f"load i64, ptr {em.field_ptr(v, -1)}", "hd")
    return em.val(f"lshr i64 {hd}, 10", "wosz")


def tag_is(em: Emitter, v: str, tag: int) -> str:
    t = em.val(f"load i8, ptr {em.field_ptr(v, -1)}", "tag")
    return em.val(f"icmp eq i8 {t}, {tag - 256 if tag > 127 else tag}", "c")


def index_ok(em: Emitter, idx: str, size: str) -> str:
    """0 <= idx < size, as one unsigned comparison (C: idx < 0 || idx >= size)."""
    return em.val(f"icmp ult i64 {idx}, {size}", "c")


def bool_val(em: Emitter, cond: str) -> str:
    return em.val(f"select i1 {cond}, i64 3, i64 1", "b")


# ---- floats (runtime/floats.c) ----

_FLOAT_BINARY = {"caml_add_float": "fadd", "caml_sub_float": "fsub",
                 "caml_mul_float": "fmul", "caml_div_float": "fdiv"}  # fmt: skip


def _float_binary(op: str) -> Lowering:
    def lower(em: Emitter, args: list[str], ret_pc: int) -> str:
        d = em.val(f"{op} double {unbox(em, args[0])}, {unbox(em, args[1])}", "d")
        return box(em, d, ret_pc)

    return lower


for _name, _op in _FLOAT_BINARY.items():
    inline(_name, 2)(_float_binary(_op))

_FLOAT_COMPARE = {"caml_eq_float": "oeq", "caml_neq_float": "une", "caml_lt_float": "olt",
                  "caml_le_float": "ole", "caml_gt_float": "ogt", "caml_ge_float": "oge"}  # fmt: skip


def _float_compare(pred: str) -> Lowering:
    def lower(em: Emitter, args: list[str], ret_pc: int) -> str:
        c = em.val(f"fcmp {pred} double {unbox(em, args[0])}, {unbox(em, args[1])}", "c")
        return bool_val(em, c)

    return lower


for _name, _pred in _FLOAT_COMPARE.items():
    inline(_name, 2)(_float_compare(_pred))

#: Unary float primitives that are one libm/LLVM function of the unboxed argument.
_FLOAT_UNARY = {"caml_neg_float": None, "caml_abs_float": "llvm.fabs.f64",
                "caml_sqrt_float": "llvm.sqrt.f64", "caml_exp_float": "exp", "caml_log_float": "log",
                "caml_sin_float": "sin", "caml_cos_float": "cos", "caml_tan_float": "tan",
                "caml_atan_float": "atan", "caml_floor_float": "floor", "caml_ceil_float": "ceil"}  # fmt: skip


def _float_unary(fn: str | None) -> Lowering:
    def lower(em: Emitter, args: list[str], ret_pc: int) -> str:
        x = unbox(em, args[0])
        if fn is None:
            d = em.val(f"fneg double {x}", "d")
        else:
            em.gen.declare_extern(fn, f"declare double @{fn}(double)")
            d = em.val(f"call double @{fn}(double {x})", "d")
        return box(em, d, ret_pc)

    return lower


for _name, _fn in _FLOAT_UNARY.items():
    inline(_name, 1)(_float_unary(_fn))


@inline("caml_float_of_int", 1, values=1)
def _float_of_int(em: Emitter, args: list[str], ret_pc: int) -> str:
    return box(em, em.val(f"sitofp i64 {em.long_val(args[0])} to double", "d"), ret_pc)


@inline("caml_int_of_float", 1)
def _int_of_float(em: Emitter, args: list[str], ret_pc: int) -> str:
    # C's (intnat) cast compiles to cvttsd2si: out of range and NaN give INT64_MIN;
    # LLVM's fptosi would be poison there.
    em.gen.declare_extern("llvm.x86.sse2.cvttsd2si64",
                          "declare i64 @llvm.x86.sse2.cvttsd2si64(<2 x double>)")  # fmt: skip
    vec = em.val(f"insertelement <2 x double> undef, double {unbox(em, args[0])}, i32 0", "v")
    n = em.val(f"call i64 @llvm.x86.sse2.cvttsd2si64(<2 x double> {vec})", "n")
    return em.val_long(n)


# ---- arrays (runtime/array.c, FLAT_FLOAT_ARRAY) ----


def _addr_get(em: Emitter, arr: str, idx: str, ret_pc: int, checked: bool) -> str:
    if checked:
        check_or_raise(em, index_ok(em, idx, wosize(em, arr)), ret_pc)
    return em.field(arr, idx)


def _float_get(em: Emitter, arr: str, idx: str, ret_pc: int, checked: bool) -> str:
    if checked:
        check_or_raise(em, index_ok(em, idx, wosize(em, arr)), ret_pc)
    d = em.val(f"load double, ptr {em.field_ptr(arr, idx)}", "d")
    return box(em, d, ret_pc)


@inline("caml_array_get_addr", 2)
def _array_get_addr(em: Emitter, args: list[str], ret_pc: int) -> str:
    return _addr_get(em, args[0], em.long_val(args[1]), ret_pc, True)


@inline("caml_floatarray_get", 2, values=2)
def _floatarray_get(em: Emitter, args: list[str], ret_pc: int) -> str:
    return _float_get(em, args[0], em.long_val(args[1]), ret_pc, True)


@inline("caml_floatarray_unsafe_get", 2, values=2)
def _floatarray_unsafe_get(em: Emitter, args: list[str], ret_pc: int) -> str:
    return _float_get(em, args[0], em.long_val(args[1]), ret_pc, False)


def _generic_get(checked: bool) -> Lowering:
    """caml_array_get / caml_array_unsafe_get: float arrays box, others read the field."""

    def lower(em: Emitter, args: list[str], ret_pc: int) -> str:
        arr, idx = args[0], em.long_val(args[1])
        if checked:
            check_or_raise(em, index_ok(em, idx, wosize(em, arr)), ret_pc)
        is_float = tag_is(em, arr, DOUBLE_ARRAY_TAG)
        l_f, l_a, l_j = em.new_label("fget"), em.new_label("aget"), em.new_label("get")
        em.e(f"br i1 {is_float}, label %{l_f}, label %{l_a}")
        saved = (em.spb, em.spo, em.env)
        em.label(l_a)
        addr_val, addr_sp, addr_env = em.field(arr, idx), em.sp_ptr(0), em.env
        em.e(f"br label %{l_j}")
        em.label(l_f)
        boxed = _float_get(em, arr, idx, ret_pc, False)
        f_sp, f_env, f_label = em.sp_ptr(0), em.env, em.cur
        em.e(f"br label %{l_j}")
        em.label(l_j)
        em.spb, em.spo, em.env = saved
        em.rebase(em.val(f"phi ptr [ {addr_sp}, %{l_a} ], [ {f_sp}, %{f_label} ]", "sp"))
        em.env = em.val(f"phi i64 [ {addr_env}, %{l_a} ], [ {f_env}, %{f_label} ]", "env")
        return em.val(f"phi i64 [ {addr_val}, %{l_a} ], [ {boxed}, %{f_label} ]", "get")

    return lower


inline("caml_array_get", 2)(_generic_get(True))
inline("caml_array_unsafe_get", 2)(_generic_get(False))


@inline("caml_array_set_addr", 3)
def _array_set_addr(em: Emitter, args: list[str], ret_pc: int) -> str:
    arr, idx = args[0], em.long_val(args[1])
    check_or_raise(em, index_ok(em, idx, wosize(em, arr)), ret_pc)
    em.modify(em.field_ptr(arr, idx), args[2])
    return "1"


def _float_set(checked: bool) -> Lowering:
    def lower(em: Emitter, args: list[str], ret_pc: int) -> str:
        arr, idx = args[0], em.long_val(args[1])
        if checked:
            check_or_raise(em, index_ok(em, idx, wosize(em, arr)), ret_pc)
        em.e(f"store double {unbox(em, args[2])}, ptr {em.field_ptr(arr, idx)}{TBAA_HEAP}")
        return "1"

    return lower


inline("caml_floatarray_set", 3, values=2)(_float_set(True))
inline("caml_floatarray_unsafe_set", 3, values=2)(_float_set(False))


def _generic_set(checked: bool) -> Lowering:
    """caml_array_set / caml_array_unsafe_set: float arrays store unboxed, others caml_modify."""

    def lower(em: Emitter, args: list[str], ret_pc: int) -> str:
        arr, idx, v = args[0], em.long_val(args[1]), args[2]
        if checked:
            check_or_raise(em, index_ok(em, idx, wosize(em, arr)), ret_pc)
        is_float = tag_is(em, arr, DOUBLE_ARRAY_TAG)
        l_f, l_a, l_j = em.new_label("fset"), em.new_label("aset"), em.new_label("set")
        em.e(f"br i1 {is_float}, label %{l_f}, label %{l_a}")
        em.label(l_f)
        em.e(f"store double {unbox(em, v)}, ptr {em.field_ptr(arr, idx)}{TBAA_HEAP}")
        em.e(f"br label %{l_j}")
        em.label(l_a)
        em.modify(em.field_ptr(arr, idx), v)
        em.e(f"br label %{l_j}")
        em.label(l_j)
        return "1"

    return lower


inline("caml_array_set", 3)(_generic_set(True))
inline("caml_array_unsafe_set", 3)(_generic_set(False))


# ---- strings and bytes (runtime/str.c) ----


def string_length(em: Emitter, s: str) -> str:
    """caml_string_length: Bosize_val(s) - 1 - last byte."""
    last = em.val(f"sub i64 {em.val(f'shl i64 {wosize(em, s)}, 3', 'bsz')}, 1", "last")
    pad = em.val(f"load i8, ptr {em.val(f'getelementptr i8, ptr {em.field_ptr(s, 0)}, i64 {last}', 'bp')}", "pad")
    return em.val(f"sub i64 {last}, {em.val(f'zext i8 {pad} to i64', 'pad')}", "len")


def _byte_ptr(em: Emitter, s: str, idx: str) -> str:
    return em.val(f"getelementptr i8, ptr {em.field_ptr(s, 0)}, i64 {idx}", "bp")


def _string_get(em: Emitter, args: list[str], ret_pc: int) -> str:
    s, idx = args[0], em.long_val(args[1])
    check_or_raise(em, index_ok(em, idx, string_length(em, s)), ret_pc)
    b = em.val(f"load i8, ptr {_byte_ptr(em, s, idx)}", "byte")
    return em.val_long(em.val(f"zext i8 {b} to i64", "c"))


inline("caml_string_get", 2)(_string_get)
inline("caml_bytes_get", 2)(_string_get)


@inline("caml_bytes_set", 3)
def _bytes_set(em: Emitter, args: list[str], ret_pc: int) -> str:
    s, idx = args[0], em.long_val(args[1])
    check_or_raise(em, index_ok(em, idx, string_length(em, s)), ret_pc)
    b = em.val(f"trunc i64 {em.long_val(args[2])} to i8", "byte")
    em.e(f"store i8 {b}, ptr {_byte_ptr(em, s, idx)}{TBAA_HEAP}")
    return "1"


def _length(em: Emitter, args: list[str], ret_pc: int) -> str:
    return em.val_long(string_length(em, args[0]))


inline("caml_ml_string_length", 1)(_length)
inline("caml_ml_bytes_length", 1)(_length)


# ---- comparisons: int fast paths (runtime/ints.c, compare.c) ----


def three_way(em: Emitter, ty: str, x: str, y: str) -> str:
    """Val_int((x > y) - (x < y)): ints.c's compare of two integers of type ``ty``."""
    gt = em.val(f"zext i1 {em.val(f'icmp sgt {ty} {x}, {y}', 'c')} to i64", "gt")
    lt = em.val(f"zext i1 {em.val(f'icmp slt {ty} {x}, {y}', 'c')} to i64", "lt")
    return em.val_long(em.val(f"sub i64 {gt}, {lt}", "cmp"))


@inline("caml_int_compare", 2)
def _int_compare(em: Emitter, args: list[str], ret_pc: int) -> str:
    return three_way(em, "i64", args[0], args[1])


# ---- boxed integers (runtime/ints.c): Int64, Nativeint, Int32 ----


class BoxedInt(NamedTuple):
    ops: str  # its custom operations: the block's first field (custom.c)
    ty: str  # the payload's LLVM type
    copy: str  # the C function that boxes one


BOXED_INTS = {"int64": BoxedInt("caml_int64_ops", "i64", "caml_copy_int64"),
              "nativeint": BoxedInt("caml_nativeint_ops", "i64", "caml_copy_nativeint"),
              "int32": BoxedInt("caml_int32_ops", "i32", "caml_copy_int32")}  # fmt: skip
CUSTOM_TAG = 255


def bint_unbox(em: Emitter, v: str, b: BoxedInt) -> str:
    raw = em.raw_bints.pop(v, None)
    if raw is not None:
        return raw
    return em.val(f"load {b.ty}, ptr {em.field_ptr(v, 1)}", "n")


def _takes_raw_accu(em: Emitter, b: BoxedInt) -> bool:
    """Whether the next instruction is an inline primitive on the same kind of boxed
    integer that reads accu first (and nothing can reach it but this instruction),
    so that the result now being made need not be boxed: ``(n * p) % d`` boxes once.
    Changes allocation counts, so only where floats are unboxed too."""
    if not em.gen.unbox_floats or em.lazy or em.lazy_slots or em.next_pc in em.region.leaders:
        return False
    ins = em.gen.code.get(em.next_pc)
    if ins is None or ins.op not in (Op.C_CALL1, Op.C_CALL2):
        return False
    prim = em.gen.prim_name(ins.args[0])  # (and lower_c_call will lower it inline:)
    nargs = 1 if ins.op == Op.C_CALL1 else 2
    return prim in _RAW_CONSUMERS.get(b.ops, ()) and INLINE[prim].arity == nargs


def bint_box(em: Emitter, x: str, b: BoxedInt, ret_pc: int, fuse: bool = True) -> str:
    """caml_copy_int64 and kin: caml_alloc_custom of a block with no finaliser and no
    out-of-heap memory is caml_alloc_small(2, Custom_tag) and the ops in field 0.
    Not boxed at all when the next instruction takes it unboxed (_takes_raw_accu):
    a placeholder, which no IR ever defines, stands for it in accu."""
    if fuse and _takes_raw_accu(em, b):
        em.n += 1
        name = f"%rawbint{em.n}"
        em.raw_bints[name] = x
        return name
    em.gen.declare_extern(b.ops, f"@{b.ops} = external global [0 x i8]")
    em.gen.declare_extern(b.copy, f"declare i64 @{b.copy}({b.ty})")

    def fill(blk: str) -> None:
        em.e(f"store ptr @{b.ops}, ptr {blk}{TBAA_HEAP}")
        em.e(f"store {b.ty} {x}, ptr {em.val(f'getelementptr i64, ptr {blk}, i64 1', 'p')}{TBAA_HEAP}")

    def slow() -> str:
        return em.val(f"call i64 @{b.copy}({b.ty} {x})", "box")

    return small_box(em, 2, CUSTOM_TAG, fill, slow, ret_pc)


_BINT_BINARY = {"add": "add", "sub": "sub", "mul": "mul", "and": "and", "or": "or", "xor": "xor"}
_BINT_SHIFT = {"shift_left": "shl", "shift_right": "ashr", "shift_right_unsigned": "lshr"}


def _bint_binary(b: BoxedInt, op: str) -> Lowering:
    def lower(em: Emitter, args: list[str], ret_pc: int) -> str:
        x = em.val(f"{op} {b.ty} {bint_unbox(em, args[0], b)}, {bint_unbox(em, args[1], b)}", "n")
        return bint_box(em, x, b, ret_pc)

    return lower


def _bint_shift(b: BoxedInt, op: str) -> Lowering:
    """x op Int_val(count): C's shift, which x86 does modulo the width (sal, sar, shr)."""
    bits = 64 if b.ty == "i64" else 32

    def lower(em: Emitter, args: list[str], ret_pc: int) -> str:
        count = em.val(f"and i64 {em.long_val(args[1])}, {bits - 1}", "n")
        if bits == 32:
            count = em.val(f"trunc i64 {count} to i32", "n")
        x = em.val(f"{op} {b.ty} {bint_unbox(em, args[0], b)}, {count}", "n")
        return bint_box(em, x, b, ret_pc)

    return lower


def _bint_division(b: BoxedInt, prim: str, op: str) -> Lowering:
    """The C function itself for a divisor of 0 (it raises) or -1 (its overflow rule)."""

    def lower(em: Emitter, args: list[str], ret_pc: int) -> str:
        raw = args[0] in em.raw_bints
        dividend, divisor = bint_unbox(em, args[0], b), bint_unbox(em, args[1], b)
        plain = em.val(f"icmp ugt {b.ty} {em.val(f'add {b.ty} {divisor}, 1', 'n')}, 1", "c")

        def fast() -> str:  # (boxed: it meets the C function's boxed result in a phi)
            quotient = em.val(f"{op} {b.ty} {dividend}, {divisor}", "n")
            return bint_box(em, quotient, b, ret_pc, fuse=False)

        def boxed_args() -> list[str]:
            """The C function wants the dividend boxed: box it (which may run the GC),
            then read the divisor again from its stack slot (a root)."""
            return [bint_box(em, dividend, b, ret_pc, fuse=False), em.stack(0)]

        return with_fast_path(em, plain, fast, prim, boxed_args if raw else args, ret_pc)

    return lower


def _bint_neg(b: BoxedInt) -> Lowering:
    def lower(em: Emitter, args: list[str], ret_pc: int) -> str:
        return bint_box(em, em.val(f"sub {b.ty} 0, {bint_unbox(em, args[0], b)}", "n"), b, ret_pc)

    return lower


def _bint_of_int(b: BoxedInt) -> Lowering:
    def lower(em: Emitter, args: list[str], ret_pc: int) -> str:
        x = em.long_val(args[0])
        if b.ty == "i32":
            x = em.val(f"trunc i64 {x} to i32", "n")
        return bint_box(em, x, b, ret_pc)

    return lower


def _bint_to_int(b: BoxedInt) -> Lowering:
    def lower(em: Emitter, args: list[str], ret_pc: int) -> str:
        x = bint_unbox(em, args[0], b)
        if b.ty == "i32":
            x = em.val(f"sext i32 {x} to i64", "n")
        return em.val_long(x)

    return lower


def _bint_compare(b: BoxedInt) -> Lowering:
    def lower(em: Emitter, args: list[str], ret_pc: int) -> str:
        return three_way(em, b.ty, bint_unbox(em, args[0], b), bint_unbox(em, args[1], b))

    return lower


#: Inline primitives whose first argument is a boxed integer of the kind (by its ops):
#: all of a kind's but of_int (filled in below, as they are registered).
_RAW_CONSUMERS: dict[str, frozenset[str]] = {}

for _kind, _b in BOXED_INTS.items():
    _lowerings: dict[str, tuple[int, Lowering]] = {
        **{name: (2, _bint_binary(_b, op)) for name, op in _BINT_BINARY.items()},
        **{name: (2, _bint_shift(_b, op)) for name, op in _BINT_SHIFT.items()},
        "div": (2, _bint_division(_b, f"caml_{_kind}_div", "sdiv")),
        "mod": (2, _bint_division(_b, f"caml_{_kind}_mod", "srem")),
        "neg": (1, _bint_neg(_b)), "to_int": (1, _bint_to_int(_b)),
        "compare": (2, _bint_compare(_b)), "of_int": (1, _bint_of_int(_b)),
    }  # fmt: skip
    for _name, (_arity, _lower) in _lowerings.items():
        inline(f"caml_{_kind}_{_name}", _arity, _arity)(_lower)
    _RAW_CONSUMERS[_b.ops] = frozenset(f"caml_{_kind}_{n}" for n in _lowerings if n != "of_int")


def c_call(em: Emitter, prim: str, args: list[str], ret_pc: int) -> str:
    """The C primitive itself, called as lower_c_call calls it (Setup_for_c_call first).
    ``args`` are still on the VM stack, where the GC sees them."""
    em.setup_for_c_call(ret_pc)
    em.gen.declare_prim(prim, len(args))
    result = em.val(f"call i64 @{prim}({', '.join('i64 ' + a for a in args)})", "prim")
    em.restore_after_c_call()
    return result


def with_fast_path(em: Emitter, cond: str, fast: Callable[[], str], prim: str,
                   args: list[str] | Callable[[], list[str]], ret_pc: int) -> str:
    """``cond ? fast() : prim(args...)``; fast() may allocate or process actions (the
    arguments stay on the VM stack), as long as it leaves sp at the same place.
    ``args`` may be a function that emits them on the slow path."""
    l_fast, l_slow, l_join = em.new_label("fast"), em.new_label("slow"), em.new_label("fast.join")
    em.e(f"br i1 {cond}, label %{l_fast}, label %{l_slow}")
    saved = (em.spb, em.spo, em.env, em.extra)
    em.label(l_fast)
    quick = fast()
    fast_state = (em.sp_ptr(0), em.env, em.extra, em.cur)
    em.e(f"br label %{l_join}")
    em.label(l_slow)
    em.spb, em.spo, em.env, em.extra = saved
    slow = c_call(em, prim, args() if callable(args) else args, ret_pc)
    slow_state = (em.sp_ptr(0), em.env, em.extra, em.cur)
    em.e(f"br label %{l_join}")
    em.label(l_join)
    (fsp, fenv, fextra, fl), (ssp, senv, sextra, sl) = fast_state, slow_state
    em.rebase(em.val(f"phi ptr [ {fsp}, %{fl} ], [ {ssp}, %{sl} ]", "sp"))
    em.env = em.val(f"phi i64 [ {fenv}, %{fl} ], [ {senv}, %{sl} ]", "env")
    em.extra = em.val(f"phi i64 [ {fextra}, %{fl} ], [ {sextra}, %{sl} ]", "extra")
    return em.val(f"phi i64 [ {quick}, %{fl} ], [ {slow}, %{sl} ]", "r")


@inline("caml_make_vect", 2)
def _make_vect(em: Emitter, args: list[str], ret_pc: int) -> str:
    """Array.make (array.c): inline when 1 <= len <= Max_young_wosize and the initial
    value is immediate (so neither a float array nor a GC root); the C function
    otherwise. Both end by processing pending actions, as caml_make_vect does."""
    length, init = em.long_val(args[0]), args[1]
    small = em.val(f"icmp ult i64 {em.val(f'sub i64 {length}, 1', 'n')}, 256", "c")
    imm = em.val(f"icmp ne i64 {em.val(f'and i64 {init}, 1', 'imm')}, 0", "c")
    cond = em.val(f"and i1 {small}, {imm}", "c")

    def fast() -> str:
        block = em.alloc(length, 0, ret_pc)
        pre, l_loop, l_done = em.cur, em.new_label("fill"), em.new_label("filled")
        em.e(f"br label %{l_loop}")
        em.label(l_loop)
        i, i1 = em.tmp("i"), em.tmp("i")
        em.e(f"{i} = phi i64 [ 0, %{pre} ], [ {i1}, %{l_loop} ]")
        em.e(f"store i64 {init}, ptr {em.field_ptr(block, i)}{TBAA_HEAP}")
        em.e(f"{i1} = add i64 {i}, 1")
        em.e(f"br i1 {em.val(f'icmp ult i64 {i1}, {length}', 'c')}, label %{l_loop}, label %{l_done}")
        em.label(l_done)
        accu, em.accu = em.accu, block
        em.check_signals(ret_pc)  # caml_process_pending_actions() before returning
        block, em.accu = em.accu, accu
        return block

    return with_fast_path(em, cond, fast, "caml_make_vect", args, ret_pc)


#: Polymorphic comparisons (compare.c): when both arguments are immediate
#: integers, do_compare_val returns Long_val(v1) - Long_val(v2) at once, so the
#: result is a plain integer comparison; anything else calls the C primitive.
_POLY_COMPARE = {"caml_equal": "eq", "caml_notequal": "ne", "caml_lessthan": "slt",
                 "caml_lessequal": "sle", "caml_greaterthan": "sgt",
                 "caml_greaterequal": "sge", "caml_compare": None}  # fmt: skip


def _poly_compare(prim: str, pred: str | None) -> Lowering:
    def lower(em: Emitter, args: list[str], ret_pc: int) -> str:
        both = em.val(f"and i64 {args[0]}, {args[1]}", "both")
        ints = em.val(f"icmp ne i64 {em.val(f'and i64 {both}, 1', 'both')}, 0", "c")

        def fast() -> str:
            if pred is None:
                return _int_compare(em, args, ret_pc)
            return bool_val(em, em.val(f"icmp {pred} i64 {args[0]}, {args[1]}", "c"))

        return with_fast_path(em, ints, fast, prim, args, ret_pc)

    return lower


for _name, _pred in _POLY_COMPARE.items():
    inline(_name, 2)(_poly_compare(_name, _pred))


#: Primitives whose arguments and results are floats or plain ints only: the
#: instructions calling them may take part in a lazily boxed float run.
FLOAT_PRIMS: frozenset[str] = frozenset({
    *_FLOAT_BINARY, *_FLOAT_COMPARE, *_FLOAT_UNARY, "caml_float_of_int", "caml_int_of_float",
    "caml_floatarray_get", "caml_floatarray_unsafe_get", "caml_floatarray_set",
    "caml_floatarray_unsafe_set",
})
