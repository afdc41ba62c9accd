"""Names and source locations from the SYMB, DBUG and CRCS sections of an executable."""

from __future__ import annotations

import bisect
import gc
import os
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from camllvm.errors import BytecodeFormatError
from camllvm.marshal import Block, MarshalError, unmarshal
from camllvm.reader import Executable


class _Malformed(Exception):
    """A section's value does not have the shape the 4.13 compiler writes."""


def _fail(exe: Executable, section: str, problem: str) -> BytecodeFormatError:
    return BytecodeFormatError(f"{exe.path}: {section} section: {problem}")


def _text(value: object, what: str) -> str:
    """An OCaml string as Python text (bytes that are not UTF-8 kept as surrogates)."""
    if not isinstance(value, bytes):
        raise _Malformed(f"{what} is not a string")
    return os.fsdecode(value)


def _int(value: object, what: str) -> int:
    if not isinstance(value, int):
        raise _Malformed(f"{what} is not an integer")
    return value


def _block(value: object, what: str, tag: int | None = None, size: int | None = None) -> Block:
    if not isinstance(value, Block):
        raise _Malformed(f"{what} is not a block")
    if (tag is not None and value.tag != tag) or (size is not None and len(value.fields) != size):
        raise _Malformed(f"{what} has tag {value.tag} and {len(value.fields)} fields")
    return value


def _ocaml_list(value: object, what: str) -> Iterator[object]:
    """Elements of an OCaml list ([] is 0, x :: l is a tag-0 block of two fields)."""
    while not (type(value) is int and value == 0):
        cell = _block(value, what, tag=0, size=2)
        yield cell.fields[0]
        value = cell.fields[1]


def _unmarshal_section(exe: Executable, name: str) -> object | None:
    """The single marshalled value a section holds, or None if there is no such section."""
    raw = exe.raw.get(name)
    if raw is None:
        return None
    try:
        value, end = unmarshal(raw)
    except MarshalError as e:
        raise _fail(exe, name, str(e)) from None
    if end != len(raw):
        raise _fail(exe, name, f"{len(raw) - end} bytes after the marshalled value")
    return value


# --- SYMB -----------------------------------------------------------------


def global_names(exe: Executable) -> dict[int, str]:
    """Global data slot -> name of the unit or predefined exception stored there.

    SYMB holds ``Symtable.global_map`` (bytecomp/symtable.ml, 4.13): a record
    ``{cnt; tbl}`` whose ``tbl`` is an ``Ident.Map`` (a Stdlib ``Map`` AVL tree:
    ``Empty`` = 0, ``Node {l; v; d; r; h}``) from ``Ident.t`` to slot numbers.
    Every ``Ident.t`` constructor (typing/ident.ml) has the name as field 0.
    Slots with no name (structured constants) are absent. {} if no SYMB.
    """
    value = _unmarshal_section(exe, "SYMB")
    if value is None:
        return {}
    try:
        table = _block(value, "the global map", tag=0, size=2)
        names: dict[int, str] = {}
        todo = [table.fields[1]]
        while todo:
            node = todo.pop()
            if type(node) is int and node == 0:  # Empty
                continue
            l, ident, slot, r, _height = _block(node, "a map node", tag=0, size=5).fields
            ident_block = _block(ident, "an identifier")
            if not ident_block.fields:
                raise _Malformed("an identifier has no fields")
            index = _int(slot, "a global slot")
            if index in names:
                raise _Malformed(f"global slot {index} appears twice")
            names[index] = _text(ident_block.fields[0], "an identifier name")
            todo.append(r)
            todo.append(l)
    except _Malformed as e:
        raise _fail(exe, "SYMB", str(e)) from None
    return dict(sorted(names.items()))


# --- CRCS -----------------------------------------------------------------


def crcs(exe: Executable) -> list[tuple[str, str | None]]:
    """Units the program was linked from, with the hex MD5 of their interface if known.

    CRCS holds a ``(string * Digest.t option) list`` (bytecomp/bytelink.ml),
    in the order ``ocamlobjinfo`` prints as "Imported units". [] if absent.
    """
    value = _unmarshal_section(exe, "CRCS")
    if value is None:
        return []
    result: list[tuple[str, str | None]] = []
    try:
        for item in _ocaml_list(value, "the CRC list"):
            name, crc = _block(item, "a CRC entry", tag=0, size=2).fields
            digest: str | None = None
            if not (type(crc) is int and crc == 0):  # Some digest
                raw = _block(crc, "a Some digest", tag=0, size=1).fields[0]
                if not isinstance(raw, bytes) or len(raw) != 16:
                    raise _Malformed("a digest is not 16 bytes")
                digest = raw.hex()
            result.append((_text(name, "a unit name"), digest))
    except _Malformed as e:
        raise _fail(exe, "CRCS", str(e)) from None
    return result


# --- DBUG -----------------------------------------------------------------


@dataclass(frozen=True)
class DebugEvent:
    """One ``Instruct.debug_event``, reduced to what backtraces and disassembly show."""

    pc: int  # byte offset in CODE (ev_pos after relocation by the unit's origin)
    module: str
    filename: str
    line: int  # start line
    start_char: int  # column of start (pos_cnum - pos_bol)
    end_char: int  # end column counted from the start line's bol, like Printexc
    defname: str
    kind: str  # "before", "after" or "pseudo"


# Field numbers of Instruct.debug_event (bytecomp/instruct.mli), Location.t and
# Lexing.position, as runtime/backtrace_byt.c names them (EV_POS, LOC_START...).
_EV_POS, _EV_MODULE, _EV_LOC, _EV_KIND, _EV_DEFNAME = 0, 1, 2, 3, 4
_EV_FIELDS = 11
_LOC_START, _LOC_END = 0, 1
_POS_FNAME, _POS_LNUM, _POS_BOL, _POS_CNUM = 0, 1, 2, 3


def _event_kind(value: object) -> str:
    """Event_before (0) | Event_after of type_expr (block) | Event_pseudo (1)."""
    if type(value) is int and value in (0, 1):
        return "before" if value == 0 else "pseudo"
    if isinstance(value, Block) and value.tag == 0:
        return "after"
    raise _Malformed("an ev_kind is not Event_before, Event_after or Event_pseudo")


def _event(value: object, orig: int) -> DebugEvent:
    """Mirror of process_debug_events in runtime/backtrace_byt.c for one event."""
    ev = _block(value, "a debug event", tag=0, size=_EV_FIELDS).fields
    loc = _block(ev[_EV_LOC], "an ev_loc", tag=0, size=3).fields
    start = _block(loc[_LOC_START], "a loc_start", tag=0, size=4).fields
    end = _block(loc[_LOC_END], "a loc_end", tag=0, size=4).fields
    bol = _int(start[_POS_BOL], "a pos_bol")
    return DebugEvent(
        pc=orig + _int(ev[_EV_POS], "an ev_pos"),
        module=_text(ev[_EV_MODULE], "an ev_module"),
        filename=_text(start[_POS_FNAME], "a pos_fname"),
        line=_int(start[_POS_LNUM], "a pos_lnum"),
        start_char=_int(start[_POS_CNUM], "a pos_cnum") - bol,
        end_char=_int(end[_POS_CNUM], "a pos_cnum") - bol,
        defname=_text(ev[_EV_DEFNAME], "an ev_defname"),
        kind=_event_kind(ev[_EV_KIND]),
    )


def debug_events(exe: Executable) -> list[DebugEvent]:
    """Every debug event of the program, sorted by pc; [] without DBUG (no ``-g``).

    DBUG (bytecomp/bytelink.ml output_debug_info, read back by
    backtrace_byt.c read_main_debug_info) is a big-endian uint32 count of
    units, then per unit: uint32 origin of the unit's code, a marshalled
    ``debug_event list``, a marshalled ``string list`` of directories.
    Reading the DBUG of /usr/bin/ocamlc.byte takes about 2 seconds.
    """
    raw = exe.raw.get("DBUG")
    if raw is None:
        return []
    code_size = len(exe.code)
    events: list[DebugEvent] = []
    pos = 0
    gc_was_enabled = gc.isenabled()
    gc.disable()  # see marshal.unmarshal: the units' values are garbage right away
    try:
        if len(raw) < 4:
            raise _Malformed("too short for its unit count")
        (units,) = struct.unpack_from(">I", raw, 0)
        pos = 4
        for unit in range(units):
            if pos + 4 > len(raw):
                raise _Malformed(f"truncated before unit {unit} of {units}")
            (orig,) = struct.unpack_from(">I", raw, pos)
            evl, pos = unmarshal(raw, pos + 4)
            dirs, pos = unmarshal(raw, pos)
            for d in _ocaml_list(dirs, "a directory list"):
                _text(d, "a directory")
            for value in _ocaml_list(evl, "an event list"):
                ev = _event(value, orig)
                if ev.pc % 4 or not 0 <= ev.pc <= code_size:
                    raise _Malformed(f"event at pc {ev.pc} is outside CODE ({code_size} bytes)")
                events.append(ev)
        if pos != len(raw):
            raise _Malformed(f"{len(raw) - pos} bytes after the last unit")
    except (_Malformed, MarshalError) as e:
        raise _fail(exe, "DBUG", str(e)) from None
    finally:
        if gc_was_enabled:
            gc.enable()
    events.sort(key=lambda ev: ev.pc)  # qsort in process_debug_events; ours is stable
    return events


def event_for_location(events: Sequence[DebugEvent], pc: int) -> DebugEvent | None:
    """The event ocamlrun would report for ``pc`` (backtrace_byt.c event_for_location).

    ``events`` must be sorted by pc (as debug_events returns them). Like the
    runtime, accept an event one instruction word after ``pc`` (ocamlc may
    move an event past a PUSH). When several events share a pc the last one
    wins; the runtime's pick depends on its qsort.
    """
    low = bisect.bisect_right(events, pc, key=lambda ev: ev.pc) - 1
    if low >= 0 and events[low].pc == pc:
        return events[low]
    if low + 1 < len(events) and events[low + 1].pc == pc + 4:
        return events[low + 1]
    return None
