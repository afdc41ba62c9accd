"""camllvm.marshal against values marshalled by OCaml itself (Marshal.to_channel)."""

from __future__ import annotations

import math
import os
import re
import struct
import time

import pytest

from camllvm import marshal as m
from camllvm.errors import BytecodeFormatError
from camllvm.marshal import Block, Custom, FloatArray, InfixPointer, MarshalError, unmarshal
from camllvm.reader import read_executable

from .ocamltools import (
    build_dir,
    compile_program,
    needs_ocaml,
    render,
    run,
    section_dumps,
    tool,
)

pytestmark = needs_ocaml


def _read_all(blob: bytes) -> list[tuple[object, int]]:
    """Every value of a file of consecutive marshalled values, with its offset."""
    values = []
    pos = 0
    while pos < len(blob):
        value, end = unmarshal(blob, pos)
        values.append((value, pos))
        pos = end
    assert pos == len(blob)
    return values


@pytest.fixture(scope="module")
def ocaml_values(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[object, str, bytes]]:
    """name -> (our value, OCaml's dump of the original value, the marshalled bytes)."""
    out = tmp_path_factory.mktemp("mkvals") / "vals.bin"
    dumps = run([tool("mkvals"), out]).splitlines()
    blob = out.read_bytes()
    values = _read_all(blob)
    assert len(values) == len(dumps)
    result = {}
    bounds = [pos for _, pos in values] + [len(blob)]
    for k, ((value, _), line) in enumerate(zip(values, dumps)):
        name, dump = line.split("\t")
        result[name] = (value, dump, blob[bounds[k] : bounds[k + 1]])
    return result


@pytest.fixture(scope="module")
def custom_values(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[object, bytes]]:
    """The values of mkcustom.ml (custom blocks, closures, a 2^22-field array)."""
    out = tmp_path_factory.mktemp("mkcustom") / "custom.bin"
    run([tool("mkcustom"), out])
    blob = out.read_bytes()
    values = _read_all(blob)
    bounds = [pos for _, pos in values] + [len(blob)]
    return [(v, blob[bounds[k] : bounds[k + 1]]) for k, (v, _) in enumerate(values)]


def test_every_value_has_ocamls_shape_and_sharing(ocaml_values: dict) -> None:
    mismatches = [name for name, (value, dump, _) in ocaml_values.items() if render(value) != dump]
    assert mismatches == []
    assert len(ocaml_values) > 60


def test_ints(ocaml_values: dict) -> None:
    ints = {n: v for n, (v, _, _) in ocaml_values.items() if re.fullmatch(r"int -?\d+", n)}
    assert len(ints) == 24
    for name, value in ints.items():
        assert value == int(name[4:]), name


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("int 63", m.PREFIX_SMALL_INT | 63),
        ("int 64", m.CODE_INT8),
        ("int -128", m.CODE_INT8),
        ("int -129", m.CODE_INT16),
        ("int 65536", m.CODE_INT32),
        ("int 2147483648", m.CODE_INT64),
        ("string 31", m.PREFIX_SMALL_STRING | 31),
        ("string 32", m.CODE_STRING8),
        ("string 256", m.CODE_STRING32),
        ("float 1.5", m.CODE_DOUBLE_LITTLE),
        ("float array 255", m.CODE_DOUBLE_ARRAY8_LITTLE),
        ("float array 256", m.CODE_DOUBLE_ARRAY32_LITTLE),
        ("big record", m.CODE_BLOCK32),
        ("constructors", m.PREFIX_SMALL_BLOCK | (2 << 4)),
    ],
)
def test_ocaml_uses_the_code_we_meant_to_cover(ocaml_values: dict, name: str, code: int) -> None:
    """The first data byte after the 20-byte header shows which encoding OCaml chose."""
    _, _, raw = ocaml_values[name]
    assert struct.unpack_from(">I", raw)[0] == m.MAGIC_SMALL
    assert raw[m.SMALL_HEADER_SIZE] == code


def test_strings(ocaml_values: dict) -> None:
    for n in (0, 1, 2, 31, 32, 33, 255, 256, 65535, 65536, 70001):
        value = ocaml_values[f"string {n}"][0]
        assert value == bytes((i * 7 + n) & 255 for i in range(n))
    assert ocaml_values["string nul"][0] == b"a\0b\xff"


def test_floats(ocaml_values: dict) -> None:
    expected = {"0": 0.0, "1.5": 1.5, "inf": math.inf, "-inf": -math.inf,
                "max": 1.7976931348623157e308, "min_sub": 5e-324, "pi": math.pi}  # fmt: skip
    for name, f in expected.items():
        assert ocaml_values[f"float {name}"][0] == f
    assert math.copysign(1.0, ocaml_values["float -0"][0]) == -1.0
    assert math.isnan(ocaml_values["float nan"][0])


def test_float_arrays_and_records(ocaml_values: dict) -> None:
    for n in (1, 2, 255, 256, 1000):
        value = ocaml_values[f"float array {n}"][0]
        assert value == FloatArray([i / 3.0 for i in range(n)])
    assert ocaml_values["float array 0"][0] == Block(0, [])  # [||] is Atom(0)
    assert ocaml_values["float record"][0] == FloatArray([1.25, -2.5])
    assert ocaml_values["float in tuple"][0] == Block(0, [1.0, 2.0, b"x"])


def test_blocks(ocaml_values: dict) -> None:
    v = lambda name: ocaml_values[name][0]  # noqa: E731
    assert v("tuple") == Block(0, [1, b"two", 3])
    assert v("list") == Block(0, [1, Block(0, [2, Block(0, [3, 0])])])
    assert v("option") == Block(0, [Block(0, [0])])
    assert v("unit list") == Block(0, [0, Block(0, [0, 0])])
    assert v("big record") == Block(0, [0, 1, 2, 3, 4, 5, 6, 7, b"eight"])
    # C0 | K0 of int ... K17 of int * string: tags follow the non-constant constructors
    assert v("constructors").fields[0] == 0
    assert v("constructors").fields[1].fields[0] == Block(0, [0])
    assert v("constructors").fields[1].fields[1].fields[0] == Block(15, [15])
    k16, rest = v("constructors").fields[1].fields[1].fields[1].fields
    assert k16 == Block(16, [16])
    assert rest.fields[0] == Block(17, [17, b"seventeen"])
    assert v("int array 1000") == Block(0, [i * i - 500 for i in range(1000)])
    assert v("empty array") == Block(0, [])


def _ocaml_list(value: object) -> list[object]:
    out = []
    while value != 0:
        assert isinstance(value, Block)
        out.append(value.fields[0])
        value = value.fields[1]
    return out


def test_sharing_is_kept(ocaml_values: dict) -> None:
    v = lambda name: ocaml_values[name][0]  # noqa: E731
    a, b, lst = v("shared string").fields
    assert a is b and all(x is a for x in _ocaml_list(lst))
    a, b = v("no sharing").fields
    assert a == b and a is not b
    a, b = v("shared ref").fields
    assert a is b and a == Block(0, [0])
    a, b = v("shared float").fields
    assert a is b and a == 3.5
    for name, length in (("shared16", 302), ("shared32", 70002)):
        items = _ocaml_list(v(name))
        assert len(items) == length and items[0] is items[-1] == b"first"
    # the last cell: small block header, the shared reference, [] (0x40)
    assert ocaml_values["shared16"][2][-4] == m.CODE_SHARED16
    assert ocaml_values["shared32"][2][-6] == m.CODE_SHARED32


def test_cycles_and_deep_values(ocaml_values: dict) -> None:
    cyc = ocaml_values["cycle"][0]
    assert cyc.fields[0] == 1 and cyc.fields[1].fields[0] == 2
    assert cyc.fields[1].fields[1] is cyc
    assert _ocaml_list(ocaml_values["long list"][0]) == list(range(100000))
    value = ocaml_values["deep left"][0]
    for i in reversed(range(100000)):
        assert value.fields[1] == i
        value = value.fields[0]
    assert value == 0


def test_custom_blocks(custom_values: list) -> None:
    int32s, int64s, nativeints, shared, _, _ = (v for v, _ in custom_values)
    assert _ocaml_list(int32s) == [Custom("_i", x) for x in (0, -1, 2**31 - 1, -(2**31))]
    assert _ocaml_list(int64s) == [Custom("_j", x) for x in (0, -1, 2**63 - 1, -(2**63))]
    assert _ocaml_list(nativeints) == [
        Custom("_n", x) for x in (3, -3, 2**31 - 1, -(2**31), 2**31, 2**63 - 1, -(2**63))
    ]
    a, b = shared.fields
    assert a is b and a == Custom("_i", 42)
    for k in range(3):  # after the first cons cell's header
        assert custom_values[k][1][m.SMALL_HEADER_SIZE + 1] == m.CODE_CUSTOM_FIXED


def test_closures(custom_values: list) -> None:
    """(f, g) of ``let rec f .. and g ..``: a closure block and an infix pointer into it."""
    pair, raw = custom_values[4]
    f, g = pair.fields
    assert isinstance(f, Block) and f.tag == m.CLOSURE_TAG
    assert isinstance(f.fields[0], m.CodePointer) and len(f.fields[0].digest) == 16
    assert isinstance(g, InfixPointer) and g.closure is f
    assert g.offset > 0 and g.offset % 8 == 0
    assert m.CODE_CODEPOINTER in raw and m.CODE_INFIXPOINTER in raw


def test_block64(custom_values: list) -> None:
    value, raw = custom_values[5]
    assert raw[m.SMALL_HEADER_SIZE] == m.CODE_BLOCK64
    assert value.tag == 0 and len(value.fields) == 1 << 22 and set(value.fields) == {7}


@pytest.mark.parametrize("section", ["DATA", "SYMB", "CRCS", "DBUG"])
def test_sections_of_a_real_program(section: str) -> None:
    """Whole sections of a -g program linked with unix.cma, against OCaml's input_value."""
    directory = build_dir() / "marshal_sections"
    directory.mkdir(exist_ok=True)
    exe = directory / "prog"
    if not exe.exists():
        source = "let () = print_float (Unix.time ())\n"
        compile_program(directory, "prog", source, "-g", "unix.cma")
    raw = read_executable(str(exe)).raw[section]
    if section == "DBUG":  # count, then per unit: orig, events, dirs
        values, pos = [], 4
        for _ in range(struct.unpack_from(">I", raw)[0]):
            events, pos = unmarshal(raw, pos + 4)
            dirs, pos = unmarshal(raw, pos)
            values += [events, dirs]
        assert pos == len(raw)
    else:
        values = [v for v, _ in _read_all(raw)]
    assert [render(v) for v in values] == section_dumps(str(exe), section)


@pytest.mark.skipif(not os.path.exists("/usr/bin/ocamlc.byte"), reason="no ocamlc.byte")
def test_data_of_ocamlc_byte() -> None:
    exe = read_executable("/usr/bin/ocamlc.byte")
    value, end = unmarshal(exe.data)
    assert end == len(exe.data)
    assert [render(value)] == section_dumps("/usr/bin/ocamlc.byte", "DATA")


@pytest.mark.skipif(not os.path.exists("/usr/bin/ocamlc.byte"), reason="no ocamlc.byte")
def test_dbug_of_ocamlc_byte_is_fast() -> None:
    """About 2 s here; debuginfo's tests check the same data against OCaml."""
    path = "/usr/bin/ocamlc.byte"
    raw = read_executable(path).raw["DBUG"]
    start = time.perf_counter()
    pos = 4
    for _ in range(struct.unpack_from(">I", raw)[0]):
        _, pos = unmarshal(raw, pos + 4)
        _, pos = unmarshal(raw, pos)
    elapsed = time.perf_counter() - start
    assert pos == len(raw)
    assert elapsed < 10.0, f"{path}: {elapsed:.1f}s"


# --- Formats OCaml only writes for values of 4 GB and more: built by hand from intext.h


def _small(data: bytes, objects: int) -> bytes:
    return struct.pack(">IIIII", m.MAGIC_SMALL, len(data), objects, 0, 0) + data


def _big(data: bytes, objects: int) -> bytes:
    return struct.pack(">IIQQQ", m.MAGIC_BIG, 0, len(data), objects, 0) + data


def test_big_header(ocaml_values: dict) -> None:
    raw = ocaml_values["shared string"][2]
    _, length, objects, _, _ = struct.unpack_from(">IIIII", raw)
    big = b"junk" + _big(raw[m.SMALL_HEADER_SIZE :], objects)
    value, end = unmarshal(big, 4)
    assert end == len(big)
    assert render(value) == ocaml_values["shared string"][1]


def test_64_bit_codes() -> None:
    data = (
        bytes([m.PREFIX_SMALL_BLOCK | (5 << 4)])  # (s, shared s, big int, f, [|f; f|])
        + bytes([m.CODE_STRING64]) + struct.pack(">Q", 3) + b"abc"
        + bytes([m.CODE_SHARED64]) + struct.pack(">Q", 1)
        + bytes([m.CODE_INT64]) + struct.pack(">q", -(2**40))
        + bytes([m.CODE_DOUBLE_BIG]) + struct.pack(">d", 2.5)
        + bytes([m.CODE_DOUBLE_ARRAY64_BIG]) + struct.pack(">Qdd", 2, 1.0, -1.0)
    )  # fmt: skip
    value, _ = unmarshal(_small(data, 4))
    s, s2, n, f, arr = value.fields
    assert s == b"abc" and s2 is s and n == -(2**40) and f == 2.5
    assert arr == FloatArray([1.0, -1.0])


def test_other_double_array_codes() -> None:
    data = (
        bytes([m.PREFIX_SMALL_BLOCK | (2 << 4)])
        + bytes([m.CODE_DOUBLE_ARRAY8_BIG, 1]) + struct.pack(">d", 0.5)
        + bytes([m.CODE_DOUBLE_ARRAY64_LITTLE]) + struct.pack(">Q", 1) + struct.pack("<d", 0.25)
    )  # fmt: skip
    value, _ = unmarshal(_small(data, 3))
    assert value.fields == [FloatArray([0.5]), FloatArray([0.25])]


def test_other_custom_codes() -> None:
    data = bytes([m.CODE_CUSTOM]) + b"_j\0" + struct.pack(">q", -5)
    assert unmarshal(_small(data, 1))[0] == Custom("_j", -5)
    # CODE_CUSTOM_LEN: identifier, 32-bit and 64-bit sizes, then the payload
    data = bytes([m.CODE_CUSTOM_LEN]) + b"_n\0" + struct.pack(">IQ", 4, 8)
    data += b"\x02" + struct.pack(">q", -7)
    assert unmarshal(_small(data, 1))[0] == Custom("_n", -7)


# --- Bad input: one MarshalError (a BytecodeFormatError) with one line


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"", "truncated marshal header"),
        (b"\x84\x95\xa6\xbe\0\0", "truncated marshal header"),
        (struct.pack(">IIIII", 0x12345678, 0, 0, 0, 0), "bad marshal magic number 0x12345678"),
        (struct.pack(">IIIII", m.MAGIC_COMPRESSED, 0, 0, 0, 0), "compressed"),
        (_small(b"\x41", 0)[:-1], "claims 1 bytes"),
        (_small(bytes([m.CODE_STRING8, 10]) + b"abc", 1), "truncated marshalled value"),
        (_small(bytes([m.PREFIX_SMALL_BLOCK | (2 << 4), 0x41]), 1), "truncated marshalled value"),
        (_small(b"\x41\x41", 0), "has 1 bytes of data, header says 2"),
        (_small(b"\x1f", 0), "unknown marshal code 0x1F"),
        (_small(bytes([m.CODE_SHARED8, 1]), 0), "shared reference 1 out of range"),
        (_small(bytes([m.PREFIX_SMALL_BLOCK | (1 << 4), m.CODE_SHARED8, 2]), 1), "out of range"),
        (_small(b"\x21a", 2), "has 1 shared objects, header says 2"),
        (_small(bytes([m.CODE_CUSTOM_LEN]) + b"_bigarr02\0" + bytes(12), 1),
         "unsupported custom block '_bigarr02'"),
        (_small(bytes([m.CODE_BLOCK32]) + struct.pack(">I", 1000 << 10), 1),
         "larger than the data"),
    ],
)
def test_bad_input(blob: bytes, message: str) -> None:
    with pytest.raises(MarshalError) as info:
        unmarshal(blob)
    assert isinstance(info.value, BytecodeFormatError)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_offset_past_the_end() -> None:
    with pytest.raises(MarshalError, match="truncated marshal header at offset 7"):
        unmarshal(b"abc", 7)


def test_no_recursion_limit_problem() -> None:
    """Blocks nested far deeper than Python's recursion limit, not in tail position."""
    depth = 200_000
    data = bytes([m.PREFIX_SMALL_BLOCK | (2 << 4)]) * depth + b"\x40" + b"\x42" * depth
    value, _ = unmarshal(_small(data, depth))
    for _ in range(depth):
        assert value.fields[1] == 2
        value = value.fields[0]
    assert value == 0
