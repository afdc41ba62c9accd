"""Hand-assembled programs for the opcodes ocamlc 4.13 never emits (test_coverage.NEVER_EMITTED).

Each case is a listing plus the stdout it must print, computed here from the
instruction semantics of runtime/interp.c; the test first checks that real
ocamlrun prints exactly that (so the listing does what it claims), then that
camllvm, in every mode and heap setting, behaves exactly like ocamlrun.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

import asm
import harness
from asm import Item, Label

from camllvm.opcodes import Op

WORD = 2**64
MIN_INT, MAX_INT = -(2**62), 2**62 - 1


@dataclasses.dataclass(frozen=True)
class AsmCase:
    """A listing and the integers it prints, one per line."""

    name: str
    items: tuple[Item, ...]
    expected: tuple[int, ...]

    @property
    def stdout(self) -> bytes:
        return "".join(f"{v}\n" for v in self.expected).encode()


def _call1(arg: list[Item], closure_depth: int) -> list[Item]:
    """accu := closure(arg), the closure being at stack slot ``closure_depth``; stack unchanged."""
    return [*arg, ("PUSH",), ("ACC", closure_depth + 1), ("APPLY1",)]


# --------------------------------------------------------------------------
# ENVACC1 / PUSHENVACC1: field 1 of a closure is its closinfo word (4.12+),
# Make_closinfo(arity, delta) = arity << 56 | delta << 1 | 1, i.e. as an OCaml int
# delta for the arity 0 that CLOSURE/CLOSUREREC store in bytecode; delta is the
# distance from the closure to its environment (2 for CLOSURE; 3*nfuncs-1-3*i
# for function i of a CLOSUREREC).


def case_envacc1() -> AsmCase:
    f0, f1, f2, single, main = (Label(n) for n in ("f0", "f1", "f2", "single", "main"))
    items: list[Item] = [
        ("BRANCH", main),
        f0, ("ENVACC1",), ("RETURN", 1),
        f1, ("ACC0",), ("PUSHENVACC1",), ("RETURN", 2),
        f2, ("ENVACC1",), ("RETURN", 1),
        single, ("ENVACC1",), ("PUSH",), ("ACC1",), ("ADDINT",), ("RETURN", 1),
        main,
        ("CONSTINT", 77),
        ("CLOSUREREC", 1, [f0, f1, f2]),       # stack: [f2, f1, f0, ...]
        *_call1([("CONST0",)], 2), *asm.print_int(),
        *_call1([("CONST0",)], 1), *asm.print_int(),
        *_call1([("CONST0",)], 0), *asm.print_int(),
        ("POP", 3),
        ("CLOSURE", 0, single), ("PUSH",),     # stack: [single]
        *_call1([("CONSTINT", 1000)], 0), *asm.print_int(),
        ("POP", 1),
        *asm.finish(),
    ]
    return AsmCase("envacc1", tuple(items), (8, 5, 2, 1002))


# --------------------------------------------------------------------------
# ENVACC2..4 and PUSHENVACC2..4 read the free variables of a CLOSURE with three
# of them: fields 2, 3, 4 = the values in accu, sp[0], sp[1] at CLOSURE time.


def case_envacc_n() -> AsmCase:
    g2, g3, g4, mix, main = (Label(n) for n in ("g2", "g3", "g4", "mix", "main"))
    a, b, c, x = 7, 100, 1000, 5

    def closure_over(lbl: Label) -> list[Item]:
        return [("CONSTINT", c), ("PUSH",), ("CONSTINT", b), ("PUSH",), ("CONSTINT", a),
                ("CLOSURE", 3, lbl), ("PUSH",)]

    items: list[Item] = [
        ("BRANCH", main),
        g2, ("ENVACC2",), ("RETURN", 1),
        g3, ("ENVACC3",), ("RETURN", 1),
        g4, ("ENVACC4",), ("RETURN", 1),
        # (c - b) * a + x with PUSHENVACC2..4
        mix, ("ACC0",), ("PUSHENVACC2",), ("PUSHENVACC3",), ("PUSHENVACC4",),
        ("SUBINT",), ("MULINT",), ("ADDINT",), ("RETURN", 1),
        main,
    ]
    for lbl in (g2, g3, g4, mix):
        items += [*closure_over(lbl), *_call1([("CONSTINT", x)], 0), *asm.print_int(), ("POP", 1)]
    items += asm.finish()
    return AsmCase("envacc_n", tuple(items), (a, b, c, (c - b) * a + x))


# --------------------------------------------------------------------------
# ULTINT / UGEINT: unsigned comparison of the tagged words accu and sp[0] (popped).

ULT_PAIRS = [(0, 1), (1, 0), (5, 5), (-1, 0), (0, -1), (-1, -2), (-2, -1), (MIN_INT, MAX_INT),
             (MAX_INT, MIN_INT), (3, -3), (MIN_INT, 0), (-(2**40), 2**40)]


def _unsigned(v: int) -> int:
    return (2 * v + 1) % WORD


def case_unsigned() -> AsmCase:
    items: list[Item] = []
    expected: list[int] = []
    for op in ("ULTINT", "UGEINT"):
        for x, y in ULT_PAIRS:
            items += [*asm.load_int(y), ("PUSH",), *asm.load_int(x), (op,), *asm.print_int()]
            less = _unsigned(x) < _unsigned(y)
            expected.append(int(less if op == "ULTINT" else not less))
    # also as a branch condition: the value feeds BRANCHIFNOT
    skip = Label("skip")
    items += [*asm.load_int(-1), ("PUSH",), ("CONST1",), ("ULTINT",), ("BRANCHIFNOT", skip),
              ("CONSTINT", 4242), *asm.print_int(), skip]
    expected.append(4242)
    items += asm.finish()
    return AsmCase("unsigned", tuple(items), tuple(expected))


# --------------------------------------------------------------------------
# ATOM n / PUSHATOM0 / PUSHATOM n: the preallocated zero-sized block of tag n
# (caml_atom_table): same pointer every time, size 0, tag n.


def case_atoms() -> AsmCase:
    items: list[Item] = [
        ("ATOM", 5), ("C_CALL1", "caml_obj_tag"), *asm.print_int(),                   # 5
        ("ATOM", 5), ("VECTLENGTH",), *asm.print_int(),                                # 0
        ("ATOM", 7), ("PUSHATOM", 7), ("EQ",), *asm.print_int(),                      # 1
        ("ATOM", 7), ("PUSHATOM", 8), ("EQ",), *asm.print_int(),                      # 0
        ("ATOM", 0), ("PUSHATOM0",), ("EQ",), *asm.print_int(),                       # 1
        ("ATOM0",), ("PUSHATOM", 0), ("EQ",), *asm.print_int(),                       # 1
        ("CONST3",), ("PUSHATOM0",), ("VECTLENGTH",), *asm.print_int(),               # 0
        ("ACC0",), *asm.print_int(), ("POP", 1),                                       # 3 (pushed)
        ("CONSTINT", 12), ("PUSHATOM", 200), ("C_CALL1", "caml_obj_tag"), *asm.print_int(),
        ("ACC0",), *asm.print_int(), ("POP", 1),                                       # 200, 12
        ("ATOM", 4), ("PUSH",), ("ATOM", 3), ("C_CALL2", "caml_compare"), *asm.print_int(),
        ("ATOM", 3), ("PUSH",), ("ATOM", 3), ("C_CALL2", "caml_equal"), *asm.print_int(),
        # caml_make_vect returns Atom(0) for a zero-length array
        ("CONST1",), ("PUSH",), ("CONST0",), ("C_CALL2", "caml_make_vect"),
        ("PUSHATOM0",), ("EQ",), *asm.print_int(),                                   # 1
        *asm.finish(),
    ]
    return AsmCase("atoms", tuple(items), (5, 0, 1, 0, 1, 1, 0, 3, 200, 12, -1, 1, 1))


# --------------------------------------------------------------------------
# GETDYNMET: binary search of the tag in accu in the method table of the object
# at sp[0] (interp.c): meths = [n; mask; clo_1; tag_1; ...; clo_n; tag_n] with
# ascending tags; returns Field(meths, li - 1). The object stays on the stack.

METHOD_TAGS = (3, 10, 17, 40, 41, 100, 1000)
LOOKUPS = (*METHOD_TAGS, 0, 5, 39, 99, 5000)


def _getdynmet_model(tags: tuple[int, ...], tag: int) -> int:
    """Index (0-based) of the method GETDYNMET selects, mirroring interp.c's search."""
    fields = [2 * len(tags) + 1, 0]
    for t in tags:
        fields += [None, 2 * t + 1]
    li, hi, acc = 3, fields[0], 2 * tag + 1
    while li < hi:
        mi = ((li + hi) >> 1) | 1
        if acc < fields[mi]:
            hi = mi - 2
        else:
            li = mi
    return (li - 1 - 2) // 2


def case_getdynmet() -> AsmCase:
    meth = [Label(f"m{i}") for i in range(len(METHOD_TAGS))]
    main = Label("main")
    items: list[Item] = [("BRANCH", main)]
    for i, lbl in enumerate(meth):
        # a method takes self; it returns 100 * (i + 1) + the object's second field
        items += [lbl, ("ACC0",), ("GETFIELD1",), ("OFFSETINT", 100 * (i + 1)), ("RETURN", 1)]
    items.append(main)
    for tag, lbl in reversed(list(zip(METHOD_TAGS, meth))):
        items += [("CONSTINT", tag), ("PUSH",), ("CLOSURE", 0, lbl), ("PUSH",)]
    items += [("CONST0",), ("PUSH",), ("CONSTINT", len(METHOD_TAGS)),
              ("MAKEBLOCK", 2 + 2 * len(METHOD_TAGS), 0)]             # accu = meths
    items += [("PUSH",), ("CONSTINT", 7), ("PUSH",), ("ACC1",),
              ("MAKEBLOCK2", 248), ("POP", 1), ("PUSH",)]              # stack: [obj]
    expected = []
    for tag in LOOKUPS:
        items += [("ACC0",), ("PUSH",), ("CONSTINT", tag), ("GETDYNMET",), ("APPLY1",),
                  *asm.print_int()]
        expected.append(100 * (_getdynmet_model(METHOD_TAGS, tag) + 1) + 7)
    items += [("POP", 1), *asm.finish()]
    return AsmCase("getdynmet", tuple(items), tuple(expected))


CASES: dict[str, Callable[[], AsmCase]] = {
    "envacc1": case_envacc1,
    "envacc_n": case_envacc_n,
    "unsigned": case_unsigned,
    "atoms": case_atoms,
    "getdynmet": case_getdynmet,
}


def covered_ops() -> dict[Op, list[str]]:
    """Opcode -> names of the assembled cases that use it (for test_coverage)."""
    out: dict[Op, list[str]] = {}
    for name, make in CASES.items():
        for op in asm.ops_of(make().items):
            out.setdefault(op, []).append(name)
    return out


def _build(case: AsmCase, tmp_path: Path) -> Path:
    return asm.build(case.items, tmp_path / f"{case.name}.byte")


@pytest.mark.parametrize("heap", list(harness.HEAP_SETTINGS))
@pytest.mark.parametrize("mode", harness.modes(), ids=harness.mode_id)
@pytest.mark.parametrize("name", list(CASES))
def test_asm_case(name: str, mode: str, heap: str, tmp_path: Path) -> None:
    """ocamlrun prints the expected values; camllvm behaves exactly like ocamlrun."""
    case = CASES[name]()
    byte = _build(case, tmp_path)
    env = harness.base_env()
    if harness.HEAP_SETTINGS[heap]:
        env["OCAMLRUNPARAM"] = harness.HEAP_SETTINGS[heap] or ""
    ref = harness.run_process([harness.ocamlrun(), str(byte)], env=env, cwd=tmp_path)
    assert (ref.returncode, ref.stdout, ref.stderr) == (0, case.stdout, b""), (
        f"the listing does not do what it claims under ocamlrun: {ref.describe()}\n"
        f"stdout {ref.stdout!r}\nwanted {case.stdout!r}\nstderr {ref.stderr!r}"
    )
    actual = harness.run_process(harness.camllvm_run_argv(mode, str(byte), []), env=env,
                                 cwd=tmp_path)
    harness.assert_same(ref, actual)


@pytest.mark.parametrize("name", list(CASES))
def test_asm_decodes(name: str) -> None:
    """camllvm's decoder reads back exactly the instructions assembled (an independent encoder)."""
    from camllvm.decoder import decode

    case = CASES[name]()
    code = asm.assemble(case.items, asm.template().prims)
    wanted = [asm.opcode(i[0]) for i in case.items if not isinstance(i, Label)]
    assert [ins.op for ins in decode(code)] == wanted


def test_asm_catches_mistakes() -> None:
    """The assembler refuses unknown mnemonics, wrong operand counts and undefined labels."""
    with pytest.raises(asm.AsmError):
        asm.assemble([("NOPE",)], [])
    with pytest.raises(asm.AsmError):
        asm.assemble([("ACC",)], [])
    with pytest.raises(asm.AsmError):
        asm.assemble([("BRANCH", Label("nowhere"))], [])
    with pytest.raises(asm.AsmError):
        asm.assemble([("C_CALL1", "no_such_primitive")], ["caml_foo"])
