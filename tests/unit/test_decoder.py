"""Decoder tests: exact round trip, and agreement with OCaml's own disassembler (ocamldumpobj)."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from camllvm.decoder import Instruction, decode, encode
from camllvm.errors import BytecodeFormatError
from camllvm.opcodes import Kind, Op, operand_kinds
from camllvm.reader import read_executable

BIG_PROGRAMS = ["/usr/bin/ocamlc.byte", "/usr/bin/ocamlopt.byte", "/usr/bin/ocaml"]

# Small programs that exercise every family of instructions ocamlc emits:
# recursion groups (CLOSUREREC, OFFSETCLOSURE3/M3), partial application
# (GRAB/RESTART), traps, SWITCH, float arrays, objects (GETPUBMET, GETMETHOD),
# C_CALLN (Unix.sendto has 6 arguments), lazy values, local exceptions.
SOURCES: dict[str, str] = {
    "hello": r"""
let rec fact n = if n <= 1 then 1 else n * fact (n - 1)
let () =
  let r = ref 0 in
  (try for i = 0 to 10 do r := !r + fact i; if i = 7 then raise Exit done with Exit -> ());
  Printf.printf "%d %s\n" !r (match Sys.argv with [||] -> "none" | _ -> "some");
  print_endline (String.concat "," (List.map string_of_int [1;2;3]))
""",
    "shapes": r"""
type shape = Circle of float | Rect of float * float | Tri of float * float * float
           | Empty | Point | Line of int
let rec even n = n = 0 || odd (n - 1)
and odd n = n <> 0 && even (n - 1)
and third n = if n > 0 then even n else odd (-n)
let area = function
  | Circle r -> 3.14 *. r *. r
  | Rect (w, h) -> w *. h
  | Tri (a, b, c) -> let s = (a +. b +. c) /. 2. in sqrt (s *. (s -. a) *. (s -. b) *. (s -. c))
  | Empty | Point -> 0.
  | Line n -> float_of_int n
let add3 a b c = a + b + c
let partial = add3 1
let classify c = match c with 'a'..'f' -> 1 | 'g' | 'h' -> 2 | 'z' -> 3 | _ -> 0
exception Found of int
let find p l = try List.iter (fun x -> if p x then raise (Found x)) l; None with Found x -> Some x
let () =
  let shapes = [Circle 1.; Rect (2., 3.); Tri (3., 4., 5.); Empty; Point; Line 4] in
  List.iter (fun s -> Printf.printf "%.2f\n" (area s)) shapes;
  Printf.printf "%b %b %b %d %d\n" (even 10) (odd 7) (third (-3)) (partial 2 3) (classify 'g');
  let l = lazy (print_endline "forced"; 42) in
  Printf.printf "%d %d\n" (Lazy.force l) (Lazy.force l);
  (match find (fun x -> x > 2) [1; 2; 3; 4] with Some x -> print_int x | None -> ());
  let a = Array.make 3 0.5 in
  a.(1) <- a.(0) +. 2.;
  let module M = struct exception Local end in
  (try raise M.Local with M.Local -> print_endline "local");
  Fun.protect ~finally:(fun () -> print_endline "finally") (fun () -> print_float a.(1));
  print_newline ()
""",
    "objects": r"""
class counter = object
  val mutable n = 0
  method incr = n <- n + 1
  method get = n
end
let () =
  let c = new counter in
  c#incr; c#incr;
  let a = [| 1.5; 2.5 |] in
  a.(0) <- a.(1) +. 1.0;
  let s = Unix.socket Unix.PF_INET Unix.SOCK_DGRAM 0 in
  (try ignore (Unix.sendto s (Bytes.of_string "x") 0 1 []
                 (Unix.ADDR_INET (Unix.inet_addr_loopback, 9))) with _ -> ());
  Unix.close s;
  Printf.printf "%d %f\n" c#get a.(0)
""",
}

# Extra ocamlc options per program (objects needs the unix library).
OPTIONS: dict[str, list[str]] = {"objects": ["-I", "+unix", "unix.cma"]}


def compile_ml(directory: Path, name: str, *, debug: bool = True) -> str:
    """Compile SOURCES[name] with ocamlc into ``directory``; return the executable's path."""
    src = directory / f"{name}.ml"
    src.write_text(SOURCES[name])
    exe = directory / (f"{name}.byte" if debug else f"{name}_nog.byte")
    # Relative names, so that debug events say "hello.ml" whatever the directory.
    cmd = ["ocamlc", *(["-g"] if debug else []), *OPTIONS.get(name, []), "-o", exe.name, src.name]
    subprocess.run(cmd, cwd=directory, check=True, capture_output=True)
    return str(exe)


@pytest.fixture(scope="session", name="small_programs")
def small_programs_fixture(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every SOURCES program compiled with -g (key name) and without (key name + '_nog')."""
    if shutil.which("ocamlc") is None:
        pytest.skip("ocamlc not installed")
    directory = tmp_path_factory.mktemp("ml")
    out = {}
    for name in SOURCES:
        out[name] = compile_ml(directory, name)
        out[name + "_nog"] = compile_ml(directory, name, debug=False)
    return out


def big_program(path: str) -> str:
    if not os.path.exists(path):
        pytest.skip(f"{path} not installed")
    return path


# ---------------------------------------------------------------- ocamldumpobj oracle


@dataclass
class DumpedInstr:
    """One instruction as ocamldumpobj printed it: word pc, mnemonic, operand text."""

    wpc: int
    name: str
    operands: str
    table: list[int]  # SWITCH targets (word pcs), ints then tags


_DUMP_LINE = re.compile(r"^\s*(\d+)  ([A-Z_0-9]+) ?(.*)$")
_DUMP_CASE = re.compile(r"^\s+(int|tag) \d+ -> (\d+)$")


def dumpobj(path: str) -> list[DumpedInstr]:
    """Run ocamldumpobj and parse its listing (tools/dumpobj.ml print_instr)."""
    text = subprocess.run(["ocamldumpobj", path], check=True, capture_output=True, text=True,
                          errors="replace").stdout
    out: list[DumpedInstr] = []
    for line in text.splitlines():
        if m := _DUMP_LINE.match(line):
            out.append(DumpedInstr(int(m[1]), m[2], m[3], []))
        elif m := _DUMP_CASE.match(line):
            out[-1].table.append(int(m[2]))
    return out


def _u32(x: int) -> int:
    return x & 0xFFFFFFFF


def normalize_ours(ins: Instruction, prims: list[str]) -> tuple[object, ...]:
    """Our instruction in the terms ocamldumpobj prints (see normalize_dump)."""
    kinds = operand_kinds(ins.op)
    if ins.op in (Op.SWITCH, Op.CLOSUREREC):
        head = (ins.args[0] + ins.args[1],) if ins.op is Op.SWITCH else (ins.args[1], ins.args[0])
        ops: tuple[object, ...] = head + tuple(t // 4 for t in ins.args[2:])
    elif ins.op is Op.GETPUBMET:
        ops = (_u32(ins.args[0]),)
    elif kinds and kinds[0] is Kind.GLOBAL:
        ops = ins.args[1:]
    else:
        ops = tuple(
            a // 4 if k is Kind.LABEL else prims[a] if k is Kind.PRIM else _u32(a)
            for k, a in zip(kinds, ins.args)
        )
    return (ins.pc // 4, ins.op.name, ops)


def normalize_dump(d: DumpedInstr) -> tuple[object, ...]:
    """What ocamldumpobj printed, in comparable form.

    Integers print unsigned or signed depending on the operand (dumpobj's
    op_shapes), so they are compared modulo 2^32; labels print as word pcs;
    SWITCH as its case lines, CLOSUREREC as nvars then targets; GETPUBMET
    without its cache word. Global operands print as names or constants:
    only the field index of GETGLOBALFIELD is compared here (names are
    checked in test_inspector).
    """
    op = Op[d.name]
    kinds = operand_kinds(op)
    if op is Op.SWITCH:
        ops: tuple[object, ...] = (len(d.table), *d.table)
    elif op is Op.CLOSUREREC:
        nvars, *targets = (int(x) for x in d.operands.split(", "))
        ops = (nvars, len(targets), *targets)
    elif op is Op.GETPUBMET:
        ops = (_u32(int(d.operands)),)
    elif kinds and kinds[0] is Kind.GLOBAL:
        ops = (int(d.operands.rsplit(", ", 1)[1]),) if len(kinds) == 2 else ()
    elif not kinds:
        ops = () if d.operands == "" else (d.operands,)
    else:
        fields = d.operands.split(", ")
        ops = tuple(
            int(f) if k is Kind.LABEL else f if k is Kind.PRIM else _u32(int(f))
            for k, f in zip(kinds, fields)
        ) + tuple(fields[len(kinds):])
    return (d.wpc, d.name, ops)


def compare_with_dumpobj(path: str) -> int:
    """Decode ``path`` and check every instruction against ocamldumpobj; return the count."""
    exe = read_executable(path)
    prims = exe.prims
    ours = [normalize_ours(i, prims) for i in decode(exe.code, path)]
    theirs = [normalize_dump(d) for d in dumpobj(path)]
    if ours != theirs:
        first = next(k for k, (a, b) in enumerate(zip(ours, theirs)) if a != b)
        assert ours[first] == theirs[first]
        assert len(ours) == len(theirs)
    return len(ours)


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_small_programs_match_ocamldumpobj(small_programs: dict[str, str], name: str) -> None:
    assert compare_with_dumpobj(small_programs[name]) > 1000


def test_ocamlc_matches_ocamldumpobj() -> None:
    assert compare_with_dumpobj(big_program("/usr/bin/ocamlc.byte")) > 300_000


def test_small_programs_cover_the_instruction_families(small_programs: dict[str, str]) -> None:
    seen: set[Op] = set()
    for path in small_programs.values():
        seen.update(i.op for i in decode(read_executable(path).code))
    wanted = {Op.SWITCH, Op.CLOSUREREC, Op.CLOSURE, Op.C_CALLN, Op.GETPUBMET, Op.GETMETHOD,
              Op.PUSHTRAP, Op.POPTRAP, Op.PUSH_RETADDR, Op.APPLY, Op.APPTERM, Op.GRAB,
              Op.RESTART, Op.PUSHOFFSETCLOSURE3, Op.PUSHOFFSETCLOSUREM3, Op.BUGEINT, Op.RERAISE,
              Op.MAKEFLOATBLOCK, Op.GETGLOBALFIELD, Op.SETGLOBAL, Op.STOP}
    assert wanted <= seen, sorted(op.name for op in wanted - seen)


# ---------------------------------------------------------------- round trip


@pytest.mark.parametrize("path", BIG_PROGRAMS)
def test_round_trip_big_programs(path: str) -> None:
    code = read_executable(big_program(path)).code
    start = time.perf_counter()
    instrs = decode(code, path)
    elapsed = time.perf_counter() - start
    assert encode(instrs) == code
    assert elapsed < 5.0, f"decoding {path} took {elapsed:.2f}s"


def test_round_trip_small_programs(small_programs: dict[str, str]) -> None:
    for path in small_programs.values():
        code = read_executable(path).code
        assert encode(decode(code, path)) == code


def words(*ws: int) -> bytes:
    return struct.pack(f"<{len(ws)}i", *ws)


def test_labels_are_relative_to_their_own_word() -> None:
    # BRANCH +2 at word 0: operand word is 1, target word 3 = byte pc 12.
    code = words(Op.BRANCH, 2, Op.CONST0, Op.STOP)
    br = decode(code)[0]
    assert br.args == (12,) and br.targets == (12,) and br.size == 2
    # BEQ value, label: the label word is word 2.
    code = words(Op.BEQ, -7, 2, Op.CONST0, Op.STOP)
    beq = decode(code)[0]
    assert beq.args == (-7, 16) and beq.targets == (16,)
    # CLOSURE nvars, label
    code = words(Op.CLOSURE, 0, 2, Op.STOP, Op.ACC0)
    assert decode(code)[0].args == (0, 16)
    assert encode(decode(code)) == code


def test_switch_and_closurerec_tables() -> None:
    # SWITCH with 2 constant cases and 1 block case; offsets from the first table word (word 2).
    code = words(Op.SWITCH, 2 | (1 << 16), 3, 4, 5, Op.CONST0, Op.CONST1, Op.CONST2, Op.STOP)
    sw = decode(code)[0]
    assert sw.args == (2, 1, 20, 24, 28) and sw.size == 5
    assert encode(decode(code)) == code
    # CLOSUREREC 2 functions, 1 var; offsets from word 3.
    code = words(Op.CLOSUREREC, 2, 1, 3, 4, Op.STOP, Op.ACC0, Op.ACC1)
    cr = decode(code)[0]
    assert cr.args == (2, 1, 24, 28) and cr.targets == (24, 28) and cr.size == 5
    assert encode(decode(code)) == code


def test_switch_sizes_word_with_many_tags_round_trips() -> None:
    # nblocks in the high half may reach bit 31: the sizes word is unsigned.
    nblocks = 0x8001
    sizes = -(1 << 32) + (nblocks << 16)
    code = words(Op.SWITCH, sizes) + words(*([-1] * nblocks)) + words(Op.STOP)
    sw = decode(code)[0]
    assert sw.args[:2] == (0, nblocks)
    assert encode(decode(code)) == code


def test_negative_integers_are_signed() -> None:
    code = words(Op.CONSTINT, -5, Op.OFFSETINT, -1, Op.STOP)
    assert [i.args for i in decode(code)] == [(-5,), (-1,), ()]
    assert encode(decode(code)) == code


@pytest.mark.parametrize(
    "code, message",
    [
        (words(Op.CONST0, 500), "pc 4: unknown opcode 500"),
        (words(Op.CONST0, -1), "pc 4: unknown opcode 4294967295"),
        (words(Op.CONST0, Op.CONSTINT), "pc 4: CONSTINT truncated"),
        (words(Op.SWITCH, 3, 0, 0), "pc 0: SWITCH table of 3 entries truncated"),
        (words(Op.CLOSUREREC, 2, 0, 1), "pc 0: CLOSUREREC table of 2 entries truncated"),
        (words(Op.CLOSUREREC, 0, 0), "pc 0: CLOSUREREC with 0 functions"),
        (words(Op.STOP) + b"\0", "length 5 is not a multiple of 4"),
    ],
)
def test_bad_code_raises_one_line_error(code: bytes, message: str) -> None:
    with pytest.raises(BytecodeFormatError) as err:
        decode(code, "prog.byte")
    text = str(err.value)
    assert text.startswith("prog.byte: ") and message in text and "\n" not in text
