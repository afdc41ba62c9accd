"""Test-only assembler: turns (mnemonic, operands) lists into OCaml 4.13 bytecode executables.

It exists so tests can run instructions ``ocamlc`` never emits (ENVACC1, ATOM n,
ULTINT, ...) under real ``ocamlrun`` and under camllvm. The executable reuses the
sections of a tiny ocamlc-built template (DATA with the predefined exceptions,
PRIM with every builtin primitive, DLLS/DLPT, SYMB, CRCS) and replaces CODE;
DBUG is dropped. The encoding follows bytecomp/emitcode.ml (4.13): a LABEL
operand is relative to its own word; SWITCH and CLOSUREREC offsets are relative
to the first table word. It is deliberately independent of camllvm's decoder.
"""

from __future__ import annotations

import dataclasses
import functools
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path

import harness

from camllvm.opcodes import Kind, Op, operand_kinds

MAGIC = b"Caml1999X030"

#: The template program: anything ocamlc links is fine, we only keep its non-code sections.
TEMPLATE_SOURCE = 'let () = print_string ""\n'


class AsmError(ValueError):
    """A malformed assembly listing (unknown mnemonic, wrong operands, undefined label)."""


@dataclasses.dataclass(frozen=True)
class Label:
    """A code position; as an item it defines the label, as an operand it refers to it."""

    name: str


#: An instruction is ``(mnemonic, *operands)``; mnemonic is an Op name or an Op.
Instr = tuple
Item = Label | Instr


def opcode(mnemonic: str | Op) -> Op:
    """The Op for a mnemonic (case-insensitive name) or an Op itself."""
    if isinstance(mnemonic, Op):
        return mnemonic
    try:
        return Op[mnemonic.upper()]
    except KeyError:
        raise AsmError(f"unknown mnemonic {mnemonic!r}") from None


def _size(op: Op, operands: tuple) -> int:
    """Number of code words an instruction takes, opcode included."""
    kinds = operand_kinds(op)
    if kinds == (Kind.SWITCH,):
        consts, blocks = operands
        return 2 + len(consts) + len(blocks)
    if kinds == (Kind.CLOSUREREC,):
        _nvars, funcs = operands
        return 3 + len(funcs)
    if len(operands) != len(kinds):
        raise AsmError(f"{op.name} takes {len(kinds)} operands, got {len(operands)}")
    return 1 + len(kinds)


def assemble(items: Sequence[Item], prims: Sequence[str]) -> bytes:
    """Encode a listing into CODE bytes (32-bit little-endian words).

    Operands: INT and GLOBAL are ints; LABEL is a Label; PRIM is a primitive
    name (looked up in ``prims``) or an index; SWITCH is ``(const_labels,
    block_labels)``; CLOSUREREC is ``(nvars, func_labels)``.
    """
    labels: dict[str, int] = {}
    pos = 0
    for item in items:
        if isinstance(item, Label):
            if item.name in labels:
                raise AsmError(f"label {item.name} defined twice")
            labels[item.name] = pos
        else:
            pos += _size(opcode(item[0]), tuple(item[1:]))
    prim_index = {name: i for i, name in enumerate(prims)}
    words: list[int] = []
    for item in items:
        if not isinstance(item, Label):
            words.extend(_encode(opcode(item[0]), tuple(item[1:]), len(words), labels, prim_index))
    return struct.pack(f"<{len(words)}i", *words)


def _encode(op: Op, operands: tuple, at: int, labels: dict[str, int],
            prim_index: dict[str, int]) -> list[int]:
    """Words of one instruction placed at word index ``at``."""

    def rel(label: object, origin: int) -> int:
        if not isinstance(label, Label) or label.name not in labels:
            raise AsmError(f"{op.name}: undefined label {label!r}")
        return labels[label.name] - origin

    kinds = operand_kinds(op)
    if kinds == (Kind.SWITCH,):
        consts, blocks = operands
        table = [*consts, *blocks]
        org = at + 2
        return [op, len(consts) | (len(blocks) << 16), *(rel(lb, org) for lb in table)]
    if kinds == (Kind.CLOSUREREC,):
        nvars, funcs = operands
        org = at + 3
        return [op, len(funcs), nvars, *(rel(lb, org) for lb in funcs)]
    out = [int(op)]
    for i, (kind, value) in enumerate(zip(kinds, operands)):
        if kind is Kind.LABEL:
            out.append(rel(value, at + 1 + i))
        elif kind is Kind.PRIM and isinstance(value, str):
            if value not in prim_index:
                raise AsmError(f"{op.name}: primitive {value} is not in the PRIM table")
            out.append(prim_index[value])
        else:
            out.append(int(value))
    return out


def ops_of(items: Iterable[Item]) -> set[Op]:
    """The opcodes a listing uses."""
    return {opcode(item[0]) for item in items if not isinstance(item, Label)}


# --------------------------------------------------------------------------
# Executable files


@dataclasses.dataclass(frozen=True)
class Template:
    """The parts of an ocamlc-built executable that an assembled program reuses."""

    header: bytes  # everything before the first section (the #! line)
    sections: tuple[tuple[str, bytes], ...]  # in file order

    @property
    def prims(self) -> list[str]:
        """Primitive names, in PRIM order (the C_CALL operand is an index into it)."""
        blob = dict(self.sections).get("PRIM", b"")
        return [p.decode() for p in blob.split(b"\0") if p]


def split_executable(blob: bytes) -> Template:
    """Cut a bytecode executable into header and sections (trailer as in caml/exec.h)."""
    if blob[-12:] != MAGIC:
        raise AsmError("template is not a 4.13 bytecode executable")
    (count,) = struct.unpack(">I", blob[-16:-12])
    table_start = len(blob) - 16 - 8 * count
    entries = []
    for i in range(count):
        name, length = struct.unpack(">4sI", blob[table_start + 8 * i : table_start + 8 * i + 8])
        entries.append((name.decode("ascii"), length))
    pos = table_start - sum(length for _, length in entries)
    header = blob[:pos]
    sections = []
    for name, length in entries:
        sections.append((name, blob[pos : pos + length]))
        pos += length
    return Template(header, tuple(sections))


def join_executable(header: bytes, sections: Sequence[tuple[str, bytes]]) -> bytes:
    """Header, section bodies, section table, then the trailer (count + magic)."""
    body = b"".join(data for _, data in sections)
    table = b"".join(struct.pack(">4sI", name.encode("ascii"), len(data))
                     for name, data in sections)
    return header + body + table + struct.pack(">I", len(sections)) + MAGIC


@functools.cache
def template() -> Template:
    """The template executable, compiled once with ocamlc (cached like the test programs)."""
    built = harness.compile_source("asm_template", TEMPLATE_SOURCE)
    return split_executable(built.byte.read_bytes())


def build(items: Sequence[Item], path: Path) -> Path:
    """Assemble ``items`` and write a runnable bytecode executable to ``path``."""
    tpl = template()
    code = assemble(items, tpl.prims)
    sections = [("CODE", code)]
    sections += [(n, d) for n, d in tpl.sections if n not in ("CODE", "DBUG")]
    path.write_bytes(join_executable(tpl.header, sections))
    path.chmod(0o755)
    return path


# --------------------------------------------------------------------------
# Macros: small listings with a known stack effect


def load_int(value: int) -> list[Item]:
    """accu := value, for any 63-bit int (CONSTINT holds only 32 bits); stack unchanged."""
    if -(2**31) <= value < 2**31:
        return [("CONSTINT", value)]
    hi, lo = value >> 31, value & (2**31 - 1)
    # accu := (hi lsl 31) lor lo
    return [("CONSTINT", 31), ("PUSH",), *load_int(hi), ("LSLINT",),
            ("PUSH",), ("CONSTINT", lo), ("ORINT",)]


def print_int() -> list[Item]:
    """Print accu as a decimal int and a newline on stdout (flushed); stack unchanged.

    Uses only primitives: the "%d" format is built with caml_create_bytes and
    SETBYTESCHAR, formatted by caml_format_int, written with caml_ml_output.
    """
    return [
        ("PUSH",),                                            # [v]
        ("CONST2",), ("C_CALL1", "caml_create_bytes"),        # accu = fmt (2 bytes)
        ("PUSH",),                                            # [fmt, v]
        ("CONSTINT", ord("%")), ("PUSH",), ("CONST0",), ("PUSH",), ("ACC2",),
        ("SETBYTESCHAR",),                                    # fmt[0] = '%'
        ("CONSTINT", ord("d")), ("PUSH",), ("CONST1",), ("PUSH",), ("ACC2",),
        ("SETBYTESCHAR",),                                    # fmt[1] = 'd'
        ("ACC1",), ("PUSH",), ("ACC1",),                      # [v, fmt, v], accu = fmt
        ("C_CALL2", "caml_format_int"),                       # accu = string, [fmt, v]
        ("POP", 2),
        *print_string_accu(),
    ]


def print_string_accu() -> list[Item]:
    """Print the string in accu and a newline on stdout, flushed; stack unchanged."""
    return [
        ("PUSH",),                                            # [s]
        ("CONST1",), ("C_CALL1", "caml_ml_open_descriptor_out"),
        ("PUSH",),                                            # [chan, s]
        ("ACC1",), ("C_CALL1", "caml_ml_string_length"),
        ("PUSH",),                                            # [len, chan, s]
        ("CONST0",), ("PUSH",),                               # [0, len, chan, s]
        ("ACC3",), ("PUSH",),                                 # [s, 0, len, chan, s]
        ("ACC3",),                                            # accu = chan
        ("C_CALL4", "caml_ml_output"),                        # [chan, s]
        ("CONSTINT", 10), ("PUSH",), ("ACC1",),
        ("C_CALL2", "caml_ml_output_char"),                   # [chan, s]
        ("ACC0",), ("C_CALL1", "caml_ml_flush"),
        ("POP", 2),
    ]


def finish() -> list[Item]:
    """End the program normally (ocamlrun then exits with status 0)."""
    return [("CONST0",), ("STOP",)]
