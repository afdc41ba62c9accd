"""Read OCaml's Marshal format (runtime/intern.c, caml/intext.h) into Python values."""

from __future__ import annotations

import gc
import struct
from dataclasses import dataclass, field

from camllvm.errors import BytecodeFormatError

# Header magics (caml/intext.h).
MAGIC_SMALL = 0x8495A6BE
MAGIC_BIG = 0x8495A6BF
MAGIC_COMPRESSED = 0x8495A6BD  # OCaml >= 5.1 only
SMALL_HEADER_SIZE = 20
BIG_HEADER_SIZE = 32

# Codes of the compact format (caml/intext.h).
PREFIX_SMALL_BLOCK = 0x80
PREFIX_SMALL_INT = 0x40
PREFIX_SMALL_STRING = 0x20
CODE_INT8 = 0x0
CODE_INT16 = 0x1
CODE_INT32 = 0x2
CODE_INT64 = 0x3
CODE_SHARED8 = 0x4
CODE_SHARED16 = 0x5
CODE_SHARED32 = 0x6
CODE_SHARED64 = 0x14
CODE_BLOCK32 = 0x8
CODE_BLOCK64 = 0x13
CODE_STRING8 = 0x9
CODE_STRING32 = 0xA
CODE_STRING64 = 0x15
CODE_DOUBLE_BIG = 0xB
CODE_DOUBLE_LITTLE = 0xC
CODE_DOUBLE_ARRAY8_BIG = 0xD
CODE_DOUBLE_ARRAY8_LITTLE = 0xE
CODE_DOUBLE_ARRAY32_BIG = 0xF
CODE_DOUBLE_ARRAY32_LITTLE = 0x7
CODE_DOUBLE_ARRAY64_BIG = 0x16
CODE_DOUBLE_ARRAY64_LITTLE = 0x17
CODE_CODEPOINTER = 0x10
CODE_INFIXPOINTER = 0x11
CODE_CUSTOM = 0x12
CODE_CUSTOM_LEN = 0x18
CODE_CUSTOM_FIXED = 0x19

# Tag of the closures an infix pointer lands in (caml/mlvalues.h Closure_tag).
CLOSURE_TAG = 247


class MarshalError(BytecodeFormatError):
    """Malformed marshalled data; callers prefix the file and section."""


@dataclass(slots=True)
class Block:
    """A structured block: constructor tag and fields (records, tuples, lists...)."""

    tag: int
    fields: list[object]


@dataclass(slots=True)
class FloatArray:
    """A flat float array (Double_array_tag); also float-only records."""

    values: list[float]


@dataclass(slots=True)
class Custom:
    """A custom block; int32 (``_i``), int64 (``_j``) and nativeint (``_n``) are decoded."""

    identifier: str
    value: int


@dataclass(slots=True)
class CodePointer:
    """A pointer into the code of the marshalling program (Marshal.Closures)."""

    offset: int
    digest: bytes


@dataclass(slots=True)
class InfixPointer:
    """A pointer ``offset`` bytes inside a closure block (mutually recursive functions)."""

    offset: int
    box: list[object] = field(repr=False)  # [closure]; filled after the pointer is read

    @property
    def closure(self) -> object:
        """The closure block the pointer points into."""
        return self.box[0]


_U16 = struct.Struct(">H").unpack_from
_I16 = struct.Struct(">h").unpack_from
_U32 = struct.Struct(">I").unpack_from
_I32 = struct.Struct(">i").unpack_from
_U64 = struct.Struct(">Q").unpack_from
_I64 = struct.Struct(">q").unpack_from
_F64_BIG = struct.Struct(">d").unpack_from
_F64_LITTLE = struct.Struct("<d").unpack_from


def read_header(buf: bytes, offset: int = 0) -> tuple[int, int, int]:
    """(start of data, data length, number of shared objects) of the value at ``offset``."""
    if offset < 0 or offset + SMALL_HEADER_SIZE > len(buf):
        raise MarshalError(f"truncated marshal header at offset {offset}")
    (magic,) = _U32(buf, offset)
    if magic == MAGIC_SMALL:
        data_len, num_objects = struct.unpack_from(">II", buf, offset + 4)
        return offset + SMALL_HEADER_SIZE, data_len, num_objects
    if magic == MAGIC_BIG:
        if offset + BIG_HEADER_SIZE > len(buf):
            raise MarshalError(f"truncated marshal header at offset {offset}")
        data_len, num_objects = struct.unpack_from(">QQ", buf, offset + 8)
        return offset + BIG_HEADER_SIZE, data_len, num_objects
    if magic == MAGIC_COMPRESSED:
        raise MarshalError(f"compressed marshal data (OCaml >= 5.1) at offset {offset}")
    raise MarshalError(f"bad marshal magic number 0x{magic:08X} at offset {offset}")


def unmarshal(buf: bytes, offset: int = 0) -> tuple[object, int]:
    """Read one marshalled value (header included); return it and the offset after it."""
    start, data_len, num_objects = read_header(buf, offset)
    end = start + data_len
    if end > len(buf):
        raise MarshalError(
            f"marshalled value at offset {offset} claims {data_len} bytes,"
            f" only {len(buf) - start} remain"
        )
    data = bytes(buf[start:end])
    # Millions of fresh lists would trigger the cyclic GC over and over.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        # Marshal.No_sharing writes 0 objects and no shared references (extern.c).
        value, consumed, objs = _intern(data, num_objects > 0)
    except (IndexError, struct.error):
        raise MarshalError(f"truncated marshalled value at offset {offset}") from None
    except MarshalError as e:
        raise MarshalError(f"{e} (in the value at offset {offset})") from None
    finally:
        if gc_was_enabled:
            gc.enable()
    if consumed != data_len:
        raise MarshalError(
            f"marshalled value at offset {offset} has {consumed} bytes of data,"
            f" header says {data_len}"
        )
    if num_objects and objs != num_objects:
        raise MarshalError(
            f"marshalled value at offset {offset} has {objs} shared objects,"
            f" header says {num_objects}"
        )
    return value, end


def _intern(data: bytes, sharing: bool) -> tuple[object, int, int]:
    """Decode ``data`` (no header) like intern_rec, with an explicit stack.

    Returns the value, the number of bytes consumed and of objects numbered
    for sharing. Fields are filled left to right as in intern.c, so the
    numbering of shared objects is the same as the C runtime's.
    """
    objs: list[object] = []
    register = objs.append
    atoms: dict[int, Block] = {}
    stack: list[tuple[list[object], int, int]] = []
    push = stack.append
    pop = stack.pop
    root: list[object] = [None]
    dest, i, n = root, 0, 1
    pos = 0
    i16, u16, i32, u32 = _I16, _U16, _I32, _U32
    while True:
        if i == n:
            if not stack:
                break
            dest, i, n = pop()
            continue
        code = data[pos]
        pos += 1
        if code >= PREFIX_SMALL_BLOCK:
            size = (code >> 4) & 0x7
            if size == 0:  # Atom(tag): static, not numbered for sharing
                tag = code & 0xF
                v: object = atoms.get(tag) or atoms.setdefault(tag, Block(tag, []))
            else:
                fields: list[object] = [None] * size
                v = Block(code & 0xF, fields)
                register(v)
                dest[i] = v
                i += 1
                if i < n:
                    push((dest, i, n))
                dest, i, n = fields, 0, size
                continue
        elif code >= PREFIX_SMALL_INT:
            v = code & 0x3F
        elif code >= PREFIX_SMALL_STRING:
            end = pos + (code & 0x1F)
            v = data[pos:end]
            pos = end
            register(v)
        # The rest is ordered by frequency in DBUG sections.
        elif code == CODE_INT16:
            (v,) = i16(data, pos)
            pos += 2
        elif code == CODE_SHARED16 or code == CODE_SHARED8 or code == CODE_SHARED32:
            if code == CODE_SHARED16:
                (ofs,) = u16(data, pos)
                pos += 2
            elif code == CODE_SHARED8:
                ofs = data[pos]
                pos += 1
            else:
                (ofs,) = u32(data, pos)
                pos += 4
            if ofs == 0 or ofs > len(objs) or not sharing:
                raise MarshalError(f"shared reference {ofs} out of range at data offset {pos}")
            v = objs[-ofs]
        elif code == CODE_INT32:
            (v,) = i32(data, pos)
            pos += 4
        elif code == CODE_INT8:
            v = data[pos]
            if v >= 0x80:
                v -= 0x100
            pos += 1
        elif code == CODE_BLOCK32 or code == CODE_BLOCK64:
            if code == CODE_BLOCK32:
                (header,) = u32(data, pos)
                pos += 4
            else:
                (header,) = _U64(data, pos)
                pos += 8
            tag, size = header & 0xFF, header >> 10  # Tag_hd / Wosize_hd
            if size == 0:
                v = atoms.get(tag) or atoms.setdefault(tag, Block(tag, []))
            else:
                if size > len(data) - pos:
                    raise MarshalError(f"block of {size} fields is larger than the data")
                fields = [None] * size
                v = Block(tag, fields)
                register(v)
                dest[i] = v
                i += 1
                if i < n:
                    push((dest, i, n))
                dest, i, n = fields, 0, size
                continue
        else:
            v, pos = _intern_rare(data, pos, code, objs if sharing else [])
            if isinstance(v, _Infix):
                # The closure follows: read it in place of the infix pointer.
                infix = InfixPointer(v.offset, [None])
                dest[i] = infix
                i += 1
                if i < n:
                    push((dest, i, n))
                dest, i, n = infix.box, 0, 1
                continue
        dest[i] = v
        i += 1
    return root[0], pos, len(objs)


@dataclass(slots=True)
class _Infix:
    """Marker returned by _intern_rare: the closure of an infix pointer comes next."""

    offset: int


def _intern_rare(data: bytes, pos: int, code: int, objs: list[object]) -> tuple[object, int]:
    """The codes that are rare in compiler-written sections (intern.c intern_rec)."""
    v: object
    if code == CODE_INT64:
        (v,) = _I64(data, pos)
        return v, pos + 8
    if code == CODE_SHARED64:
        (ofs,) = _U64(data, pos)
        pos += 8
        if ofs == 0 or ofs > len(objs):
            raise MarshalError(f"shared reference {ofs} out of range at data offset {pos}")
        return objs[-ofs], pos
    if code in (CODE_STRING8, CODE_STRING32, CODE_STRING64):
        if code == CODE_STRING8:
            length = data[pos]
            pos += 1
        elif code == CODE_STRING32:
            (length,) = _U32(data, pos)
            pos += 4
        else:
            (length,) = _U64(data, pos)
            pos += 8
        if length > len(data) - pos:
            raise IndexError
        v = data[pos : pos + length]
        objs.append(v)
        return v, pos + length
    if code in (CODE_DOUBLE_BIG, CODE_DOUBLE_LITTLE):
        unpack = _F64_BIG if code == CODE_DOUBLE_BIG else _F64_LITTLE
        (v,) = unpack(data, pos)
        objs.append(v)
        return v, pos + 8
    if code in _DOUBLE_ARRAY_CODES:
        width, big = _DOUBLE_ARRAY_CODES[code]
        if width == 1:
            count = data[pos]
        elif width == 4:
            (count,) = _U32(data, pos)
        else:
            (count,) = _U64(data, pos)
        pos += width
        if 8 * count > len(data) - pos:
            raise IndexError
        fmt = f"{'>' if big else '<'}{count}d"
        v = FloatArray(list(struct.unpack_from(fmt, data, pos)))
        objs.append(v)
        return v, pos + 8 * count
    if code in (CODE_CUSTOM, CODE_CUSTOM_LEN, CODE_CUSTOM_FIXED):
        return _intern_custom(data, pos, code, objs)
    if code == CODE_CODEPOINTER:
        (ofs,) = _U32(data, pos)
        digest = data[pos + 4 : pos + 20]
        if len(digest) != 16:
            raise IndexError
        return CodePointer(ofs, digest), pos + 20
    if code == CODE_INFIXPOINTER:
        (ofs,) = _U32(data, pos)
        return _Infix(ofs), pos + 4
    raise MarshalError(f"unknown marshal code 0x{code:02X} at data offset {pos - 1}")


# code -> (width of the length field, big-endian doubles?)
_DOUBLE_ARRAY_CODES: dict[int, tuple[int, bool]] = {
    CODE_DOUBLE_ARRAY8_BIG: (1, True),
    CODE_DOUBLE_ARRAY8_LITTLE: (1, False),
    CODE_DOUBLE_ARRAY32_BIG: (4, True),
    CODE_DOUBLE_ARRAY32_LITTLE: (4, False),
    CODE_DOUBLE_ARRAY64_BIG: (8, True),
    CODE_DOUBLE_ARRAY64_LITTLE: (8, False),
}


def _intern_custom(data: bytes, pos: int, code: int, objs: list[object]) -> tuple[object, int]:
    """int32/int64/nativeint custom blocks (runtime/ints.c *_deserialize)."""
    nul = data.index(b"\0", pos)
    ident = data[pos:nul].decode("latin-1")
    pos = nul + 1
    if code == CODE_CUSTOM_LEN:
        pos += 4 + 8  # 32-bit and 64-bit in-memory sizes (extern.c extern_custom)
    value: int
    if ident == "_i":
        (value,) = _I32(data, pos)
        pos += 4
    elif ident == "_j":
        (value,) = _I64(data, pos)
        pos += 8
    elif ident == "_n":
        kind = data[pos]
        if kind == 1:
            (value,) = _I32(data, pos + 1)
            pos += 5
        elif kind == 2:
            (value,) = _I64(data, pos + 1)
            pos += 9
        else:
            raise MarshalError(f"bad nativeint size code {kind} at data offset {pos}")
    else:
        raise MarshalError(f"unsupported custom block {ident!r} at data offset {pos}")
    v = Custom(ident, value)
    objs.append(v)
    return v, pos
