"""Human-readable views of an executable: ``camllvm info`` and ``camllvm dis``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from camllvm.analysis import Function, Program, analyse, name_functions
from camllvm.debuginfo import DebugEvent, crcs, debug_events, global_names
from camllvm.decoder import Instruction
from camllvm.errors import AnalysisError, BytecodeFormatError, CamllvmError
from camllvm.marshal import Block, Custom, FloatArray, unmarshal
from camllvm.opcodes import Kind, Op, operand_kinds
from camllvm.reader import Executable

#: OCaml release of each executable magic (utils/config.mlp, exec_magic_number).
OCAML_RELEASE = {"Caml1999X030": "4.13"}

_OFFSETCLOSURES = frozenset({
    Op.OFFSETCLOSUREM3, Op.OFFSETCLOSURE0, Op.OFFSETCLOSURE3, Op.OFFSETCLOSURE,
    Op.PUSHOFFSETCLOSUREM3, Op.PUSHOFFSETCLOSURE0, Op.PUSHOFFSETCLOSURE3, Op.PUSHOFFSETCLOSURE,
})  # fmt: skip


def _list_or_none(items: Sequence[str]) -> str:
    return ", ".join(items) if items else "none"


def info_text(exe: Executable) -> str:
    """Version, sections, primitives, libraries and code statistics, as text."""
    release = OCAML_RELEASE.get(exe.magic, "unknown release")
    prims = exe.prims
    lines = [
        f"file: {exe.path}",
        f"format: OCaml {release} bytecode executable (magic {exe.magic})",
        "sections:",
        *(f"  {s.name:<4} {s.length:>10} bytes" for s in exe.sections),
        f"shared libraries (DLLS): {_list_or_none(exe.dlls)}",
        f"library search path (DLPT): {_list_or_none(exe.dll_paths)}",
        f"units (CRCS): {len(crcs(exe))}",
        f"named globals (SYMB): {len(global_names(exe))}",
    ]
    try:
        program = analyse(exe, names=False)
        reached = len(program.depth)
        lines.append(
            f"code: {len(program.instrs)} instructions, {len(program.functions)} functions"
            f" (toplevel included), {reached} instructions reachable"
        )
    except AnalysisError as e:
        lines.append(f"code: analysis failed: {e}")
    lines.append(f"primitives (PRIM): {len(prims)}")
    lines.extend(f"  {i:>4} {name}" for i, name in enumerate(prims))
    return "\n".join(lines) + "\n"


#: Longest text shown for a constant of the global table; longer ones end in "...".
CONSTANT_WIDTH = 60
_ESCAPES = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\t"): "\\t",
            ord("\r"): "\\r", ord("\b"): "\\b"}  # fmt: skip
_CUSTOM_SUFFIX = {"_i": "l", "_j": "L", "_n": "n"}


def _escaped(raw: bytes) -> str:
    """OCaml's String.escaped: C-like escapes, other non-printable bytes as \\ddd."""
    return "".join(
        _ESCAPES.get(b) or (chr(b) if 32 <= b < 127 else f"\\{b:03d}") for b in raw
    )


def _constant_pieces(value: object, out: list[str], width: int) -> None:
    """Append ``value`` as tools/dumpobj.ml print_obj shows it, until ``width`` is passed."""
    if sum(map(len, out)) > width:
        return
    if isinstance(value, Block):
        out.append(f"<{value.tag}>")
        if value.fields:
            out.append("(")
            for i, f in enumerate(value.fields):
                if i:
                    out.append(", ")
                _constant_pieces(f, out, width)
            out.append(")")
    elif isinstance(value, bytes):
        out.append(f'"{_escaped(value)}"')
    elif isinstance(value, float):
        out.append(f"{value:.12g}")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, FloatArray):
        out.append("[|" + ", ".join(f"{v:.12g}" for v in value.values) + "|]")
    elif isinstance(value, Custom):
        out.append(f"{value.value}{_CUSTOM_SUFFIX.get(value.identifier, '')}")
    else:
        out.append("<?>")


def constant_text(value: object, width: int = CONSTANT_WIDTH) -> str:
    """A constant of the global table (DATA) as ocamldumpobj prints it, cut at ``width``."""
    out: list[str] = []
    _constant_pieces(value, out, width)
    text = "".join(out)
    return text if len(text) <= width else text[:width] + "..."


class _Formatter:
    """Turns instructions into text, with names of primitives, globals and functions."""

    def __init__(self, exe: Executable, program: Program, events: list[DebugEvent]) -> None:
        self.program = program
        self.prims = exe.prims
        self.globals = global_names(exe)
        self.constants = _constants(exe)
        self.locations: dict[int, str] = {}
        for ev in events:
            text = f"{ev.filename}:{ev.line}:{ev.start_char}-{ev.end_char}"
            old = self.locations.get(ev.pc)
            if old is None:
                self.locations[ev.pc] = text
            elif text not in old.split(" "):
                self.locations[ev.pc] = f"{old} {text}"

    def global_text(self, index: int) -> str:
        """A global's name (SYMB), else its initial constant (DATA), else its index."""
        name = self.globals.get(index)
        if name is not None:
            return name
        if 0 <= index < len(self.constants):
            return constant_text(self.constants[index])
        return f"global#{index}"

    def function_label(self, entry: int) -> str:
        fn = self.program.functions.get(entry)
        name = fn.name if fn is not None else None
        return f"{entry} ({name})" if name else str(entry)

    def operands(self, ins: Instruction) -> str:
        args = ins.args
        if ins.op is Op.SWITCH:
            nconsts = args[0]
            ints = " ".join(map(str, args[2 : 2 + nconsts]))
            tags = " ".join(map(str, args[2 + nconsts :]))
            return f"ints [{ints}] tags [{tags}]"
        if ins.op is Op.CLOSUREREC:
            funcs = ", ".join(self.function_label(t) for t in args[2:])
            return f"{args[0]} functions, {args[1]} variables: {funcs}"
        if ins.op is Op.CLOSURE:
            return f"{args[0]} variables: {self.function_label(args[1])}"
        parts = []
        for kind, value in zip(operand_kinds(ins.op), args):
            if kind is Kind.PRIM:
                parts.append(self.prims[value] if 0 <= value < len(self.prims) else f"prim#{value}")
            elif kind is Kind.GLOBAL:
                parts.append(self.global_text(value))
            else:
                parts.append(str(value))
        return ", ".join(parts)

    def line(self, ins: Instruction, fn: Function | None) -> str:
        depth = self.program.depth.get(ins.pc)
        text = f"{ins.pc:>9} {'-' if depth is None else depth:>4}  {ins.op.name}"
        operands = self.operands(ins)
        if operands:
            text = f"{text} {operands}"
        notes = []
        if fn is not None:
            if ins.op in _OFFSETCLOSURES and ins.pc in fn.closure_refs:
                notes.append(f"closure {self.function_label(fn.closure_refs[ins.pc])}")
            if ins.pc in fn.direct_calls:
                notes.append(f"calls {self.function_label(fn.direct_calls[ins.pc])}")
        loc = self.locations.get(ins.pc)
        if loc:
            notes.append(loc)
        return f"{text:<56} ; {'; '.join(notes)}" if notes else text


def _constants(exe: Executable) -> list[object]:
    """The initial global table (DATA), or [] if it cannot be read."""
    try:
        table, _ = unmarshal(exe.data)
    except BytecodeFormatError:
        return []
    return table.fields if isinstance(table, Block) else []


def _function_lines(fmt: _Formatter, fn: Function) -> Iterator[str]:
    name = fn.name or ("<toplevel>" if fn.is_toplevel else "?")
    arity = "-" if fn.arity is None else fn.arity
    yield f"function {fn.entry} {name} arity {arity}"
    if fn.restart is not None:
        yield "  partial application entry (no static depth)"
        yield "  " + fmt.line(fmt.program.instr_at[fn.restart], fn)
    for block in fn.blocks:
        succs = f" -> {' '.join(map(str, block.succs))}" if block.succs else ""
        yield f"  block {block.start} depth {block.depth_in}{succs}"
        for ins in block.instrs:
            yield "  " + fmt.line(ins, fn)


def _select(exe: Executable, program: Program, function: str) -> list[Function]:
    """Functions named by an entry pc (or any pc inside one), or by name."""
    if function.isdigit():
        fn = program.function_at(int(function))
        if fn is None:
            raise CamllvmError(f"{exe.path}: no function contains pc {function}")
        return [fn]
    found = [f for f in program.functions.values() if f.name == function]
    if not found:  # an unqualified name: "fact" for "Hello.fact"
        suffix = "." + function
        found = [f for f in program.functions.values() if f.name and f.name.endswith(suffix)]
    if not found:
        raise CamllvmError(
            f"{exe.path}: no function named {function!r} (give an entry pc or a name)"
        )
    return found


def dis_lines(exe: Executable, function: str | None = None) -> Iterator[str]:
    """Disassembly by function and basic block, with stack depths; pcs are byte offsets.

    ``function`` selects one function by entry pc or name; None lists all,
    followed by the code no function reaches.
    """
    program = analyse(exe, names=False)
    events = debug_events(exe)
    name_functions(program, events)
    fmt = _Formatter(exe, program, events)
    if function is None:
        chosen = list(program.functions.values())
    else:
        chosen = _select(exe, program, function)
    for fn in chosen:
        yield from _function_lines(fmt, fn)
    if function is None:
        dead = program.unreachable
        if dead:
            yield f"unreachable code ({len(dead)} instructions)"
            for pc in dead:
                yield "  " + fmt.line(program.instr_at[pc], None)
