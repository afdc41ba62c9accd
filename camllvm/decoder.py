"""CODE bytes <-> Instruction records (layouts of bytecomp/emitcode.ml, runtime/fix_code.c)."""

from __future__ import annotations

import struct
from collections.abc import Iterator, Mapping, Sequence
from typing import NamedTuple

from camllvm.errors import BytecodeFormatError
from camllvm.opcodes import Kind, Op, operand_kinds

# Layout codes of one opcode, precomputed once so that decode() is one table
# lookup per instruction.
_FIXED = 0  # a fixed number of operand words (maybe none)
_SWITCH = 1  # sizes word, then nconsts + nblocks offsets
_CLOSUREREC = 2  # nfuncs, nvars, then nfuncs offsets

_OPS: tuple[Op, ...] = tuple(Op)
_NOPS = len(_OPS)


def _layout(op: Op) -> tuple[int, int, tuple[int, ...]]:
    """(layout code, number of fixed operands, positions of LABEL operands)."""
    kinds = operand_kinds(op)
    if kinds == (Kind.SWITCH,):
        return _SWITCH, 0, ()
    if kinds == (Kind.CLOSUREREC,):
        return _CLOSUREREC, 0, ()
    labels = tuple(i for i, k in enumerate(kinds) if k is Kind.LABEL)
    return _FIXED, len(kinds), labels


_LAYOUTS: tuple[tuple[int, int, tuple[int, ...]], ...] = tuple(_layout(op) for op in _OPS)


class Instruction(NamedTuple):
    """One decoded instruction; every LABEL operand is an absolute byte pc.

    SWITCH: ``args = (nconsts, nblocks, *targets)``;
    CLOSUREREC: ``args = (nfuncs, nvars, *targets)``.
    """

    pc: int  # byte offset in CODE (4 * word index)
    op: Op
    args: tuple[int, ...]
    size: int  # words, opcode included

    @property
    def next_pc(self) -> int:
        """Byte pc of the instruction that follows in the code."""
        return self.pc + 4 * self.size

    @property
    def targets(self) -> tuple[int, ...]:
        """Absolute pcs this instruction may jump to, return to, or make closures of."""
        code, _, labels = _LAYOUTS[self.op]
        if code != _FIXED:
            return self.args[2:]
        return tuple(self.args[i] for i in labels)


def _fail(where: str, pc: int, problem: str) -> BytecodeFormatError:
    return BytecodeFormatError(f"{where}: pc {pc}: {problem}")


def _words(code: bytes, where: str) -> tuple[int, ...]:
    if len(code) % 4:
        raise BytecodeFormatError(f"{where}: length {len(code)} is not a multiple of 4")
    return struct.unpack(f"<{len(code) // 4}i", code)


def decode_at(words: Sequence[int], i: int, where: str = "CODE") -> Instruction:
    """The instruction at word ``i`` (which must be an instruction boundary)."""
    n = len(words)
    opnum = words[i]
    if not 0 <= opnum < _NOPS:
        raise _fail(where, 4 * i, f"unknown opcode {opnum & 0xFFFFFFFF}")
    layout, nargs, labels = _LAYOUTS[opnum]
    if layout != _FIXED:
        args, end = _decode_table(words, i, layout, where)
        return Instruction(4 * i, _OPS[opnum], args, end - i)
    end = i + 1 + nargs
    if end > n:
        raise _fail(where, 4 * i, f"{_OPS[opnum].name} truncated by the end of the code")
    args = words[i + 1 : end]
    if labels:  # a LABEL is relative to the position of its own word (emitcode.ml out_label)
        lst = list(args)
        for k in labels:
            lst[k] = 4 * (i + 1 + k + lst[k])
        args = tuple(lst)
    return Instruction(4 * i, _OPS[opnum], args, end - i)


class LazyCode(Mapping[int, Instruction]):
    """pc -> Instruction, decoding each instruction when first asked for: compiling a few
    functions of a big program (ocamlopt.byte: 0.8 s to decode whole) reads only those.

    A pc is taken to be an instruction boundary; callers reach pcs by following the code."""

    def __init__(self, code: bytes, where: str = "CODE") -> None:
        self.words = _words(code, where)
        self.where = where
        self._cache: dict[int, Instruction] = {}

    def __getitem__(self, pc: int) -> Instruction:
        ins = self._cache.get(pc)
        if ins is not None:
            return ins
        if pc % 4 or not 0 <= pc < 4 * len(self.words):
            raise KeyError(pc)
        try:
            ins = self._cache[pc] = decode_at(self.words, pc // 4, self.where)
        except BytecodeFormatError:
            raise KeyError(pc) from None
        return ins

    def __iter__(self) -> Iterator[int]:
        return (ins.pc for ins in self.all())

    def __len__(self) -> int:
        return len(self.all())

    def all(self) -> list[Instruction]:
        """Every instruction, in order (decodes the whole code)."""
        out, i, n = [], 0, len(self.words)
        while i < n:
            ins = self._cache.get(4 * i) or decode_at(self.words, i, self.where)
            out.append(ins)
            i += ins.size
        return out


def decode(code: bytes, where: str = "CODE") -> list[Instruction]:
    """Decode a whole CODE section; ``where`` names it in errors (e.g. the file path).

    Raises BytecodeFormatError naming the pc on an unknown opcode or an
    instruction cut short by the end of the code.
    """
    words = _words(code, where)
    out: list[Instruction] = []
    i, n = 0, len(words)
    while i < n:
        ins = decode_at(words, i, where)
        out.append(ins)
        i += ins.size
    return out


def _decode_table(
    words: tuple[int, ...], i: int, layout: int, where: str
) -> tuple[tuple[int, ...], int]:
    """Operands of SWITCH / CLOSUREREC: offsets relative to the first table word."""
    n = len(words)
    if layout == _SWITCH:
        # interp.c SWITCH: uint32 sizes = nconsts | nblocks << 16; pc += pc[index].
        if i + 2 > n:
            raise _fail(where, 4 * i, "SWITCH truncated by the end of the code")
        sizes = words[i + 1] & 0xFFFFFFFF
        head = (sizes & 0xFFFF, sizes >> 16)
        table = i + 2
        count = head[0] + head[1]
        name = "SWITCH"
    else:
        # interp.c CLOSUREREC: nfuncs, nvars, then code pointers pc + pc[i].
        if i + 3 > n:
            raise _fail(where, 4 * i, "CLOSUREREC truncated by the end of the code")
        head = (words[i + 1], words[i + 2])
        if head[0] < 1 or head[1] < 0:
            problem = f"CLOSUREREC with {head[0]} functions and {head[1]} variables"
            raise _fail(where, 4 * i, problem)
        table = i + 3
        count = head[0]
        name = "CLOSUREREC"
    end = table + count
    if end > n:
        problem = f"{name} table of {count} entries truncated by the end of the code"
        raise _fail(where, 4 * i, problem)
    return head + tuple(4 * (table + words[table + k]) for k in range(count)), end


def encode(instrs: Sequence[Instruction]) -> bytes:
    """The exact inverse of decode(): instructions back to CODE bytes."""
    words: list[int] = []
    extend = words.extend
    for ins in instrs:
        if 4 * len(words) != ins.pc:
            raise ValueError(f"instruction at pc {ins.pc} should be at pc {4 * len(words)}")
        layout, _, labels = _LAYOUTS[ins.op]
        words.append(int(ins.op))
        base = len(words)
        if layout == _FIXED:
            if labels:
                args = list(ins.args)
                for k in labels:
                    args[k] = args[k] // 4 - (base + k)
                extend(args)
            else:
                extend(ins.args)
        else:
            first, second, *targets = ins.args
            if layout == _SWITCH:
                sizes = first | (second << 16)
                words.append(sizes - (1 << 32) if sizes >= 1 << 31 else sizes)
                table = base + 1
            else:
                words.extend((first, second))
                table = base + 2
            extend(t // 4 - table for t in targets)
        if len(words) - base + 1 != ins.size:
            raise ValueError(f"instruction at pc {ins.pc}: size {ins.size} does not fit")
    return struct.pack(f"<{len(words)}i", *words)
