"""Decoded instructions -> functions, basic blocks, VM stack depth before every instruction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from camllvm.debuginfo import DebugEvent, debug_events
from camllvm.decoder import Instruction, decode
from camllvm.errors import AnalysisError
from camllvm.opcodes import Op
from camllvm.reader import Executable

# ---------------------------------------------------------------- stack effects
#
# Words pushed minus words popped by each instruction that falls through, read
# off runtime/interp.c (4.13). The depth counts the words of the current
# function's frame: its arguments and everything pushed since its entry.

_PUSH_ONE = (
    Op.PUSH, Op.PUSHACC0, Op.PUSHACC1, Op.PUSHACC2, Op.PUSHACC3, Op.PUSHACC4,
    Op.PUSHACC5, Op.PUSHACC6, Op.PUSHACC7, Op.PUSHACC,
    Op.PUSHENVACC1, Op.PUSHENVACC2, Op.PUSHENVACC3, Op.PUSHENVACC4, Op.PUSHENVACC,
    Op.PUSHOFFSETCLOSUREM3, Op.PUSHOFFSETCLOSURE0, Op.PUSHOFFSETCLOSURE3,
    Op.PUSHOFFSETCLOSURE, Op.PUSHGETGLOBAL, Op.PUSHGETGLOBALFIELD,
    Op.PUSHATOM0, Op.PUSHATOM,
    Op.PUSHCONST0, Op.PUSHCONST1, Op.PUSHCONST2, Op.PUSHCONST3, Op.PUSHCONSTINT,
    Op.GETPUBMET,  # *--sp = accu; accu = Val_int(tag) (the object stays pushed)
)  # fmt: skip
_POP_ONE = (
    Op.MAKEBLOCK2, Op.SETFIELD0, Op.SETFIELD1, Op.SETFIELD2, Op.SETFIELD3,
    Op.SETFIELD, Op.SETFLOATFIELD, Op.GETVECTITEM, Op.GETBYTESCHAR,
    Op.GETSTRINGCHAR, Op.C_CALL2,
    Op.ADDINT, Op.SUBINT, Op.MULINT, Op.DIVINT, Op.MODINT, Op.ANDINT, Op.ORINT,
    Op.XORINT, Op.LSLINT, Op.LSRINT, Op.ASRINT,
    Op.EQ, Op.NEQ, Op.LTINT, Op.LEINT, Op.GTINT, Op.GEINT, Op.ULTINT, Op.UGEINT,
    Op.APPLY1,  # the callee's RETURN pops the argument and the frame APPLY1 pushed
)  # fmt: skip

#: Fixed stack effect of the instructions whose effect does not depend on operands.
FIXED_EFFECT: dict[Op, int] = {op: 0 for op in Op}
FIXED_EFFECT.update({op: 1 for op in _PUSH_ONE})
FIXED_EFFECT.update({op: -1 for op in _POP_ONE})
FIXED_EFFECT.update({
    Op.MAKEBLOCK3: -2, Op.SETVECTITEM: -2, Op.SETBYTESCHAR: -2, Op.C_CALL3: -2,
    Op.C_CALL4: -3, Op.C_CALL5: -4, Op.APPLY2: -2, Op.APPLY3: -3,
    Op.PUSH_RETADDR: 3,  # return pc, env, extra_args
    Op.PUSHTRAP: 4,  # handler pc, trap link, env, extra_args (at the fall-through)
    Op.POPTRAP: -4,
})  # fmt: skip


def stack_effect(ins: Instruction) -> int:
    """Depth after ``ins`` minus depth before it, on the fall-through path (interp.c)."""
    op, args = ins.op, ins.args
    if op is Op.POP:
        return -args[0]
    if op is Op.APPLY:  # n arguments, then the 3-word frame of PUSH_RETADDR, popped by RETURN
        return -args[0] - 3
    if op is Op.CLOSURE:  # if (nvars > 0) *--sp = accu; ... sp += nvars
        return 1 - args[0] if args[0] > 0 else 0
    if op is Op.CLOSUREREC:  # as CLOSURE for the variables, then one push per function
        nfuncs, nvars = args[0], args[1]
        return nfuncs + (1 - nvars if nvars > 0 else 0)
    if op is Op.MAKEBLOCK or op is Op.MAKEFLOATBLOCK:  # field 0 is accu, the rest popped
        return 1 - args[0]
    if op is Op.C_CALLN:  # *--sp = accu; ... sp += nargs
        return 1 - args[0]
    return FIXED_EFFECT[op]


# Control-flow classes.
_COND = frozenset({
    Op.BRANCHIF, Op.BRANCHIFNOT, Op.BEQ, Op.BNEQ, Op.BLTINT, Op.BLEINT, Op.BGTINT,
    Op.BGEINT, Op.BULTINT, Op.BUGEINT,
})  # fmt: skip
_APPLIES = frozenset({Op.APPLY, Op.APPLY1, Op.APPLY2, Op.APPLY3})
_TAILCALLS = frozenset({Op.APPTERM, Op.APPTERM1, Op.APPTERM2, Op.APPTERM3})
_RAISES = frozenset({Op.RAISE, Op.RERAISE, Op.RAISE_NOTRACE})
#: Instructions after which a new basic block starts: jumps, terminators, and
#: calls (the next instruction is a return point, the target of a return pc).
BLOCK_ENDS: frozenset[Op] = (
    _COND | _APPLIES | _TAILCALLS | _RAISES
    | {Op.BRANCH, Op.SWITCH, Op.PUSHTRAP, Op.RETURN, Op.STOP}
)  # fmt: skip
_TERMINATORS = _TAILCALLS | _RAISES | {Op.RETURN, Op.STOP}
# Reads of a stack slot: the index must stay inside the frame.
_ACC_SLOT = {Op.ACC0: 0, Op.ACC1: 1, Op.ACC2: 2, Op.ACC3: 3, Op.ACC4: 4, Op.ACC5: 5,
             Op.ACC6: 6, Op.ACC7: 7}  # fmt: skip
_PUSHACC_SLOT = {Op.PUSHACC1: 1, Op.PUSHACC2: 2, Op.PUSHACC3: 3, Op.PUSHACC4: 4,
                 Op.PUSHACC5: 5, Op.PUSHACC6: 6, Op.PUSHACC7: 7}  # fmt: skip
# Closure offsets in words (interp.c: OFFSETCLOSUREM3 is env - 3 words, ...).
_OFFSET_WORDS = {
    Op.OFFSETCLOSUREM3: -3, Op.PUSHOFFSETCLOSUREM3: -3,
    Op.OFFSETCLOSURE0: 0, Op.PUSHOFFSETCLOSURE0: 0,
    Op.OFFSETCLOSURE3: 3, Op.PUSHOFFSETCLOSURE3: 3,
}  # fmt: skip
#: Words per function in a CLOSUREREC block (infix header, code pointer, closinfo).
CLOSUREREC_STRIDE = 3


# ---------------------------------------------------------------- results


@dataclass
class Block:
    """A basic block: straight-line instructions entered only at ``start``.

    Leaders are function entries, jump/SWITCH targets, trap handlers, return
    points (the instruction after every APPLY*, = PUSH_RETADDR targets) and
    the instruction after any jump, PUSHTRAP or terminator.
    """

    start: int
    instrs: list[Instruction]
    succs: tuple[int, ...]  # fall-through first; a PUSHTRAP's handler last
    depth_in: int

    @property
    def end(self) -> int:
        """Byte pc just after the last instruction."""
        return self.instrs[-1].next_pc


@dataclass
class Function:
    """The code of one closure (or the toplevel, entry 0), with what is known statically."""

    entry: int
    name: str | None
    arity: int | None  # arguments taken (GRAB n -> n + 1, else 1); None for the toplevel
    entry_depth: int  # arguments on the stack at entry (0 for the toplevel)
    blocks: list[Block] = field(default_factory=list)
    restart: int | None = None  # pc of the RESTART before the GRAB entry (partial applications)
    group: tuple[int, ...] = ()  # entries of the functions sharing its closure block, in order
    closure_refs: dict[int, int] = field(default_factory=dict)  # OFFSETCLOSURE pc -> entry loaded
    direct_calls: dict[int, int] = field(default_factory=dict)  # APPLY*/APPTERM* pc -> callee entry

    @property
    def is_toplevel(self) -> bool:
        return self.entry == 0

    @property
    def instructions(self) -> Iterator[Instruction]:
        """Reachable instructions in pc order."""
        for block in self.blocks:
            yield from block.instrs

    @property
    def calls(self) -> tuple[int, ...]:
        """Entries of the functions this one calls directly, sorted."""
        return tuple(sorted(set(self.direct_calls.values())))


@dataclass
class Program:
    """Everything analyse() found; functions are keyed (and ordered) by entry pc."""

    path: str
    instrs: list[Instruction]
    instr_at: dict[int, Instruction]
    functions: dict[int, Function]
    depth: dict[int, int]  # pc -> stack depth before the instruction (reachable code only)
    owner: dict[int, int]  # pc -> entry of the function the instruction belongs to

    def function_at(self, pc: int) -> Function | None:
        """The function that contains the instruction at ``pc``, if any."""
        entry = self.owner.get(pc)
        return None if entry is None else self.functions[entry]

    @property
    def unreachable(self) -> list[int]:
        """pcs of instructions no function reaches (dead code after a raise, ...)."""
        return [i.pc for i in self.instrs if i.pc not in self.owner]


# ---------------------------------------------------------------- analysis


class _Walker:
    """Depth propagation over one function at a time, sharing the program-wide maps."""

    def __init__(self, where: str, instrs: Sequence[Instruction]) -> None:
        self.where = where
        self.instrs = instrs
        self.instr_at = {i.pc: i for i in instrs}
        self.code_end = instrs[-1].next_pc if instrs else 0
        self.depth: dict[int, int] = {}
        self.owner: dict[int, int] = {}
        self.entries: set[int] = {0}
        for ins in instrs:
            if ins.op is Op.CLOSURE or ins.op is Op.CLOSUREREC:
                self.entries.update(ins.targets)

    def error(self, pc: int, entry: int, problem: str) -> AnalysisError:
        return AnalysisError(f"{self.where}: pc {pc} in function {entry}: {problem}")

    def reach(self, pc: int, d: int, entry: int, stack: list[int], src: int) -> None:
        """Record that control arrives at ``pc`` with depth ``d`` (from ``src``)."""
        known = self.depth.get(pc)
        if known is not None and self.owner[pc] == entry:
            if known != d:
                raise self.error(pc, entry, f"stack depth expected {known}, found {d}")
            return
        if pc not in self.instr_at:
            what = "the end of the code" if pc >= self.code_end else "the middle of an instruction"
            raise self.error(src, entry, f"control goes to pc {pc}, {what}")
        if known is not None or (pc in self.entries and pc != entry):
            other = self.owner.get(pc, pc)
            raise self.error(src, entry, f"control goes to pc {pc} in function {other}")
        if d < 0:
            raise self.error(src, entry, f"stack depth becomes {d}")
        self.depth[pc] = d
        self.owner[pc] = entry
        stack.append(pc)

    def walk(self, entry: int, d0: int) -> tuple[list[int], set[int]]:
        """Reachable pcs of the function at ``entry`` and its block leaders."""
        instr_at, depth = self.instr_at, self.depth
        leaders = {entry}
        stack: list[int] = []
        self.reach(entry, d0, entry, stack, entry)
        reached: list[int] = []
        while stack:
            pc = stack.pop()
            reached.append(pc)
            ins = instr_at[pc]
            op = ins.op
            d = depth[pc]
            self.check(ins, d, entry)
            if op in BLOCK_ENDS:
                leaders.add(ins.next_pc)
            if op in _TERMINATORS:
                continue
            if op is Op.BRANCH or op is Op.SWITCH:
                for t in ins.targets:
                    leaders.add(t)
                    self.reach(t, d, entry, stack, pc)
                continue
            if op in _COND or op is Op.PUSHTRAP or op is Op.PUSH_RETADDR:
                # Taken branch, trap handler (runs after the trap frame is popped)
                # and return point (reached when the callee pops the frame) all
                # start at the depth before the instruction.
                t = ins.targets[0]
                leaders.add(t)
                self.reach(t, d, entry, stack, pc)
            elif op is Op.RESTART:
                raise self.error(pc, entry, "RESTART is reachable: its stack depth is not static")
            self.reach(ins.next_pc, d + stack_effect(ins), entry, stack, pc)
        reached.sort()
        return reached, leaders

    def check(self, ins: Instruction, d: int, entry: int) -> None:
        """The frame invariants ocamlc keeps, checked before ``ins`` runs at depth ``d``."""
        op, args = ins.op, ins.args
        expected: int | None = None
        if op is Op.RETURN:
            expected = args[0]
        elif op is Op.APPTERM:
            expected = args[1]
        elif op in _TAILCALLS:
            expected = args[0]
        if expected is not None and d != expected:
            raise self.error(ins.pc, entry, f"stack depth expected {expected}, found {d}")
        slot = _ACC_SLOT.get(op)
        if slot is None:
            slot = _PUSHACC_SLOT.get(op)
            if slot is not None:
                slot -= 1  # PUSHACCn reads sp[n] after its push
            elif op is Op.ACC or op is Op.ASSIGN or op is Op.POP:
                slot = args[0] - (op is Op.POP)
            elif op is Op.PUSHACC:
                slot = args[0] - 1
        if slot is not None and slot >= d:
            problem = f"{op.name} reaches slot {slot} of a frame of {d} words"
            raise self.error(ins.pc, entry, problem)


def _blocks(walker: _Walker, reached: list[int], leaders: set[int]) -> list[Block]:
    """Cut the reachable pcs of a function into basic blocks."""
    instr_at, depth = walker.instr_at, walker.depth
    blocks: list[Block] = []
    current: list[Instruction] = []
    for pc in reached:
        if current and (pc in leaders or current[-1].next_pc != pc):
            blocks.append(_close(current, depth))
            current = []
        current.append(instr_at[pc])
    if current:
        blocks.append(_close(current, depth))
    return blocks


def _close(instrs: list[Instruction], depth: dict[int, int]) -> Block:
    last = instrs[-1]
    op = last.op
    succs: tuple[int, ...]
    if op in _TERMINATORS:
        succs = ()
    elif op is Op.BRANCH or op is Op.SWITCH:
        succs = tuple(dict.fromkeys(last.targets))
    elif op in _COND or op is Op.PUSHTRAP:
        succs = (last.next_pc, last.targets[0])
    else:
        succs = (last.next_pc,)
    return Block(instrs[0].pc, instrs, succs, depth[instrs[0].pc])


def _groups(instrs: Sequence[Instruction]) -> dict[int, tuple[int, ...]]:
    """Function entry -> entries of its closure block (CLOSUREREC order)."""
    groups: dict[int, tuple[int, ...]] = {}
    for ins in instrs:
        if ins.op is Op.CLOSURE or ins.op is Op.CLOSUREREC:
            group = ins.targets
            for t in group:
                if groups.setdefault(t, group) != group:
                    groups[t] = ()  # made by two different closure blocks: offsets unknown
    return groups


def _link_closures(fn: Function, where: str) -> None:
    """Resolve OFFSETCLOSURE* to functions of the same block; note direct calls."""
    if not fn.group:
        return
    index = fn.group.index(fn.entry)
    prev: Instruction | None = None
    for block in fn.blocks:
        prev = None
        for ins in block.instrs:
            offset = _OFFSET_WORDS.get(ins.op)
            if offset is None and ins.op in (Op.OFFSETCLOSURE, Op.PUSHOFFSETCLOSURE):
                offset = ins.args[0]
            if offset is not None:
                k, rem = divmod(offset, CLOSUREREC_STRIDE)
                if rem or not 0 <= index + k < len(fn.group):
                    raise AnalysisError(
                        f"{where}: pc {ins.pc} in function {fn.entry}: "
                        f"closure offset {offset} is outside its block of {len(fn.group)} functions"
                    )
                fn.closure_refs[ins.pc] = fn.group[index + k]
            elif prev is not None and (ins.op in _APPLIES or ins.op in _TAILCALLS):
                callee = fn.closure_refs.get(prev.pc)
                if callee is not None:
                    fn.direct_calls[ins.pc] = callee
            prev = ins


def analyse_code(instrs: Sequence[Instruction], where: str = "CODE") -> Program:
    """Functions, blocks and depths of decoded code (no names); ``where`` prefixes errors."""
    walker = _Walker(where, instrs)
    groups = _groups(instrs)
    functions: dict[int, Function] = {}
    for entry in sorted(walker.entries):
        first = walker.instr_at.get(entry)
        if first is None:
            raise AnalysisError(f"{where}: a closure points to pc {entry}, not an instruction")
        grab = first.args[0] if first.op is Op.GRAB else None
        if entry == 0:
            arity, d0 = None, 0
        else:
            arity = 1 if grab is None else grab + 1
            d0 = arity
        reached, leaders = walker.walk(entry, d0)
        fn = Function(entry, None, arity, d0, _blocks(walker, reached, leaders),
                      group=groups.get(entry, ()))
        before = walker.instr_at.get(entry - 4)
        if grab is not None and before is not None and before.op is Op.RESTART:
            fn.restart = before.pc
            walker.owner.setdefault(before.pc, entry)
        _link_closures(fn, where)
        functions[entry] = fn
    return Program(where, list(instrs), walker.instr_at, functions, walker.depth, walker.owner)


def name_functions(program: Program, events: Iterable[DebugEvent]) -> None:
    """Name each function after the ev_defname of its first debug event (DBUG, -g).

    The toplevel stays unnamed: it is the initialisation code of every unit.
    """
    defname_at: dict[int, str] = {}
    for ev in events:
        defname_at.setdefault(ev.pc, ev.defname)
    if not defname_at:
        return
    for fn in program.functions.values():
        if fn.is_toplevel:
            continue
        for ins in fn.instructions:
            name = defname_at.get(ins.pc)
            if name is not None:
                fn.name = name
                break


def analyse(exe: Executable, *, names: bool = True) -> Program:
    """Decode and analyse ``exe``; raise AnalysisError on code ocamlc would not produce.

    ``names=False`` skips reading DBUG (about 2 s on ocamlc.byte).
    """
    program = analyse_code(decode(exe.code, exe.path), exe.path)
    if names:
        name_functions(program, debug_events(exe))
    return program
