"""LLVM IR generation: one OCaml bytecode function (with its try regions) to LLVM IR text.

The semantics of every instruction are those of OCaml 4.13's runtime/interp.c;
the frame and stack layout are the interpreter's (see docs/ARCHITECTURE.md).
IR is emitted as text: building llvmlite.ir objects costs ~20 us per
instruction in Python, string templates a fraction of that.

Within a basic block the VM stack pointer is tracked as (base SSA pointer,
static word offset), so pushes and pops cost nothing until memory is touched;
accu/env/extra_args are SSA names. At block boundaries the state goes through
allocas that mem2reg turns into phis.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping, Set
from typing import NamedTuple

from camllvm.decoder import Instruction
from camllvm.errors import CamllvmError
from camllvm.liveness import Liveness, RegionFlow, analyse_region
from camllvm.opcodes import BRANCHES, CONDITIONAL_BRANCHES, NO_FALLTHROUGH, Op
from camllvm.runtime.bridge import StateLayout
from camllvm.runtime.build import OBSERVED_PRIMITIVES
from camllvm import symbols
from camllvm.symbols import NATIVE_CC, RET, TBAA_HEAP, TBAA_META, TBAA_STACK, TBAA_STATE
from camllvm.primitives import FLOAT_PRIMS, INLINE, box, c_call, unbox

PROLOGUE = "prologue"  # label of a closure's entry checks (self tail calls jump there)
PROLOGUE_EDGE = -1  # the prologue's key among join leaders (shadow_in, shadow_edges)
EXN_BLOCK = "exn.common"  # label of the block that passes on callees' exceptions
VAL_UNIT = 1
VAL_TRUE = 3
CLOSURE_TAG, INFIX_TAG, DOUBLE_ARRAY_TAG = 247, 249, 254
MAX_YOUNG_WOSIZE = 256
ALLOC_FLAGS = 3  # CAML_DO_TRACK | CAML_FROM_CAML (caml/memory.h)
STACK_THRESHOLD_WORDS = 256  # Stack_threshold / sizeof(value) (caml/config.h)


class CompileError(CamllvmError):
    """Bytecode the JIT cannot compile; the message names the pc and the function."""


#: Shadow slots: every store to a VM stack slot also goes to an alloca for its frame
#: position, and reads come from the alloca while nothing else can have written the
#: slot since (no call: C code, the GC or a callee; no untagged store). The VM stack
#: stays the truth for the GC; SROA turns the allocas into SSA values, so a loop's
#: variables stay in registers from one iteration to the next, across a poll or an
#: allocation whose slow path reads them again (Emitter.refresh).
#: CAMLLVM_SHADOW_SLOTS=0 turns them off (to compare).
SHADOW_SLOTS = os.environ.get("CAMLLVM_SHADOW_SLOTS", "1") != "0"
TERMINATORS = ("br ", "switch ", "ret ", "unreachable")
_ALLOCA_STORE = re.compile(r"ptr %(sh\.|lf|sp\.slot|accu\.slot|env\.slot|extra\.slot|rout)")


def _may_write_vm_stack(line: str) -> bool:
    """Whether an emitted line may change a VM stack word behind the shadows' back."""
    if "call " in line:
        return True
    return (line.startswith("store ") and not line.endswith((TBAA_HEAP, TBAA_STATE))
            and _ALLOCA_STORE.search(line) is None)


def make_closinfo(arity: int, delta: int) -> int:
    return (arity << 56) + (delta << 1) + 1


def val_int(n: int) -> int:
    return (n << 1) + 1


class Region:
    """Code run at one static trap depth: a function body, or the body of one try."""

    def __init__(self, start: int, is_function: bool, osr: bool = False,
                 leaders: list[int] | None = None) -> None:  # fmt: skip
        self.start = start
        self.is_function = is_function
        #: An on-stack-replacement entry: a loop, run under the interpreter's trap
        #: frames, so its POPTRAPs pop those (no region exit).
        self.osr = osr
        #: OSR: loop headers whose code is already another OSR function (tail-called there).
        self.handoffs: set[int] = set()
        #: OSR: where control leaves the loop and goes back to the interpreter.
        self.interp_exits: set[int] = set()
        self.leaders: list[int] = leaders if leaders is not None else []
        self.exits: list[int] = []  # POPTRAP pcs that leave the region
        self.children: dict[int, Region] = {}  # PUSHTRAP pc -> body region


def discover_region(code: Mapping[int, Instruction], start: int, is_function: bool,
                    osr: bool = False) -> Region:
    """Find the blocks of a region: follow control flow, outlining try bodies as child regions."""
    region = Region(start, is_function, osr)
    leaders = {start}
    seen: set[int] = set()
    todo = [start]
    while todo:
        pc = todo.pop()
        while pc not in seen:
            seen.add(pc)
            ins = code.get(pc)
            if ins is None:
                raise CompileError(f"pc {pc}: control reaches a pc that is not an instruction")
            nxt = pc + 4 * ins.size
            succ = _successors(code, ins, nxt, region)
            if succ is None:  # falls through
                pc = nxt
                continue
            for target in succ:
                leaders.add(target)
                todo.append(target)
            break
    region.leaders = sorted(leaders)
    return region


def _successors(code: Mapping[int, Instruction], ins: Instruction, nxt: int,
                region: Region) -> list[int] | None:
    """Where control goes after ins within its region (None: plain fall-through)."""
    op = ins.op
    if op == Op.PUSHTRAP:
        child = discover_region(code, nxt, False)
        region.children[ins.pc] = child
        after = [e + 4 for e in child.exits]  # POPTRAP is one word
        return [ins.args[0], *after]
    if op == Op.POPTRAP:
        if region.osr:
            return [nxt]  # pops the interpreter's trap, then goes on (a block of its own)
        if region.is_function:
            raise CompileError(f"pc {ins.pc}: POPTRAP outside a try body")
        region.exits.append(ins.pc)
        return []
    targets = jump_targets(ins, nxt)
    return None if targets is None else list(dict.fromkeys(targets))


#: Instructions that jump to their last operand or fall through.
def jump_targets(ins: Instruction, nxt: int) -> list[int] | None:
    """Where an instruction that ends a block goes (with repeats; [] if it leaves the
    region), None for one that falls through. Try bodies (PUSHTRAP/POPTRAP) aside."""
    op = ins.op
    if op in CONDITIONAL_BRANCHES:
        return [ins.args[-1], nxt]
    if op == Op.BRANCH:
        return [ins.args[0]]
    if op == Op.SWITCH:
        return list(ins.args[2:])
    if op == Op.GRAB:
        return [nxt]  # the enough-arguments path continues in a new block
    if op == Op.RESTART or op in NO_FALLTHROUGH:
        return []  # (a RESTART entry ends by entering the function proper)
    return None


def block_successors(code: Mapping[int, Instruction], region: Region, leader: int) -> list[int]:
    """The leaders control can reach from the block at ``leader`` (with repeats)."""
    if leader in region.handoffs or leader in region.interp_exits:
        return []
    ins = code[block_end(code, region, leader)]
    nxt = ins.pc + 4 * ins.size
    if ins.op == Op.PUSHTRAP:
        return [ins.args[0], *(e + 4 for e in region.children[ins.pc].exits)]
    if ins.op == Op.POPTRAP:
        return [nxt] if region.osr else []
    targets = jump_targets(ins, nxt)
    return [nxt] if targets is None else targets  # (falls into the next block)


def loop_region(code: Mapping[int, Instruction], header: int, compiled: Set[int]) -> Region:
    """The OSR region of the loop at ``header``: the blocks from which control can come
    back to it. Where control leaves them, it goes on in the OSR function of a loop
    header ``compiled`` before (a hand-off), or in the interpreter."""
    full = discover_region(code, header, True, osr=True)
    succs = {b: block_successors(code, full, b) for b in full.leaders}
    preds: dict[int, set[int]] = {}
    for b, targets in succs.items():
        for t in targets:
            preds.setdefault(t, set()).add(b)
    loop, todo = {header}, [header]
    while todo:
        for p in preds.get(todo.pop(), ()):
            if p not in loop:
                loop.add(p)
                todo.append(p)
    exits = {t for b in loop for t in succs[b] if t not in loop}
    region = Region(header, True, osr=True, leaders=sorted(loop | exits))
    region.handoffs = exits & set(compiled)
    region.interp_exits = exits - region.handoffs
    ends = {block_end(code, full, b) for b in loop}
    region.children = {pc: child for pc, child in full.children.items() if pc in ends}
    return region


def block_end(code: Mapping[int, Instruction], region: Region, leader: int) -> int:
    """The pc of the last instruction of the block at ``leader``."""
    leaders = set(region.leaders)
    pc = leader
    while True:
        ins = code[pc]
        nxt = pc + 4 * ins.size
        if ins.op in (Op.PUSHTRAP, Op.POPTRAP) or jump_targets(ins, nxt) is not None:
            return pc
        if nxt in leaders:
            return pc
        pc = nxt


def block_instructions(code: Mapping[int, Instruction], region: Region,
                       leader: int) -> Iterator[Instruction]:
    """The instructions of the block at ``leader``, in order."""
    pc, last = leader, block_end(code, region, leader)
    while True:
        ins = code[pc]
        yield ins
        if pc == last:
            return
        pc += 4 * ins.size


def predecessor_blocks(code: Mapping[int, Instruction], region: Region) -> dict[int, set[int]]:
    """The blocks of a region each block is entered from (by jump, branch or fall-through)."""
    preds: dict[int, set[int]] = {leader: set() for leader in region.leaders}
    for leader in region.leaders:
        for succ in block_successors(code, region, leader):
            preds.setdefault(succ, set()).add(leader)
    return preds


def predecessor_counts(code: Mapping[int, Instruction], region: Region) -> dict[int, int]:
    """How many edges enter each block of a region (its start also has the entry edge)."""
    counts = dict.fromkeys(region.leaders, 0)
    counts[region.start] += 1
    for leader in region.leaders:
        for succ in block_successors(code, region, leader):
            counts[succ] = counts.get(succ, 0) + 1
    return counts


class Emitter:
    """Emits the LLVM function for one region, instruction by instruction."""

    def __init__(self, gen: ModuleGen, region: Region, fname: str, entry_kind: str,
                 carried: Mapping[int, frozenset[int]] | None = None,
                 shadow_in: Mapping[int, frozenset[int]] | None = None,
                 exact_joins: bool = True) -> None:
        self.gen = gen
        self.region = region
        self.fname = fname
        self.entry_kind = entry_kind  # "toplevel" | "closure" | "region" | "osr"
        self.lines: list[str] = []
        self.edges: list[str] = []  # blocks of branch edges that box pending floats
        self.sp_cache: dict[tuple[str, int], str] = {}  # (base, offset) -> address, this block
        self.n = 0
        self.cur = "entry"
        self.spb, self.spo = "%sp0", 0
        self.accu, self.env, self.extra = "%env0", "%env0", "%extra0"
        self.pc = region.start
        self.lazy: dict[str, str] = {}  # lazy float name -> unboxed double
        self.lazy_slots: dict[int, str] = {}  # static stack offset -> lazy float name
        #: A boxed integer result left unboxed for the next instruction, which takes it
        #: from accu (primitives.bint_box): its placeholder name -> the raw value.
        self.raw_bints: dict[str, str] = {}
        self.lazy_ok = False  # float results may stay unboxed (inside a FLOAT_RUN)
        self.preds = predecessor_counts(gen.code, region)
        #: Pending floats handed over a branch to a block that has no other predecessor
        #: (which the branch's block dominates): leader -> (lazy, lazy_slots).
        self.inherited: dict[int, tuple[dict[str, str], dict[int, str]]] = {}
        self.emitted: set[int] = set()  # leaders whose blocks are emitted
        #: Floats carried unboxed into a join (a loop header, the block after an if):
        #: leader -> stack slots (from its entry sp) that hold a float on every entry
        #: (a double alloca per slot carries it), found by a first emission that
        #: records what edges into joins pass pending (join_floats).
        self.carried: Mapping[int, frozenset[int]] = carried or {}
        self.join_floats: dict[int, set[int]] = {}
        # Shadow slots (see SHADOW_SLOTS): frame position -> a `%sh.P` alloca that holds
        # what the VM stack holds there, while `valid` says it does.
        self.shadows = gen.shadow_slots
        self.frame = gen.liveness(region, entry_kind) if self.shadows else None
        self.height = self.frame.height if self.frame is not None else {}
        #: Positions whose shadow equals the VM stack's word -> that value as an SSA
        #: name usable here (None: to be loaded from the alloca).
        self.valid: dict[int, str | None] = {}
        self.unstored: set[int] = set()  # valid, but the alloca is not written yet
        self.base_pos: dict[str, int] = {}  # sp base -> frame position of base[0]
        self.shadow_used: set[int] = set()  # positions that got an alloca
        #: Join leader -> positions valid on every edge into it, found by the emission
        #: before this one; this emission's edges, to check and refine that.
        self.shadow_in: Mapping[int, frozenset[int]] = shadow_in or {}
        self.shadow_edges: dict[int, list[frozenset[int]]] = {}
        self.assumed: dict[int, frozenset[int]] = {}  # joins entered with shadow_in's set
        #: Joins entered after all their edges (their count then): see _shadows_at.
        self.exact: dict[int, int] | None = {} if exact_joins else None
        self.pred_blocks = predecessor_blocks(gen.code, region) if self.shadows else {}
        #: Leaders entered by a switch or a try body's exit (not by a recorded jump).
        self.entered_otherwise: set[int] = set()
        #: Non-tail call pc -> offsets from sp of the dead slots it clears first.
        self.clears = gen.liveness(region, entry_kind).clears if gen.clear_dead_slots else {}
        #: Call sites whose callee raised: (the call's result, its block) (exn_block).
        self.exn_incoming: list[tuple[str, str]] = []

    @property
    def irregular(self) -> set[int]:
        """Leaders entered other than by jump or branch (floats are not carried into
        them): the region's start too."""
        return {self.region.start} | self.entered_otherwise

    # ---- low-level emission ----

    def tmp(self, hint: str = "t") -> str:
        self.n += 1
        return f"%{hint}{self.n}"

    def e(self, line: str) -> None:
        if self.valid:
            if _may_write_vm_stack(line):
                self.valid.clear()
                self.unstored.clear()
            elif self.unstored and line.startswith(TERMINATORS):
                self._store_shadows()
        self.lines.append("  " + line)

    def label(self, name: str) -> None:
        """A new block: no shadow is known valid here unless the caller says so."""
        self.lines.append(f"{name}:")
        self.cur = name
        self.sp_cache.clear()
        self.valid = {}
        self.unstored = set()

    def new_label(self, hint: str) -> str:
        self.n += 1
        return f"{hint}{self.n}"

    def val(self, expr: str, hint: str = "t") -> str:
        name = self.tmp(hint)
        self.e(f"{name} = {expr}")
        return name

    # ---- memory helpers ----

    def sp_ptr(self, k: int = 0) -> str:
        off = self.spo + k
        if off == 0:
            return self.spb
        key = (self.spb, off)  # one address per slot and basic block: less IR to compile
        ptr = self.sp_cache.get(key)
        if ptr is None:
            ptr = self.sp_cache[key] = self.val(f"getelementptr i64, ptr {self.spb}, i64 {off}", "sp")
        return ptr

    def rebase(self, ptr: str, off: int = 0) -> None:
        self.spb, self.spo = ptr, off

    def stack(self, k: int) -> str:
        pending = self.lazy_slots.get(self.spo + k)
        if pending is not None:
            return pending
        p = self.position(k)
        if p is not None and p in self.valid:
            v = self.valid[p]
            if v is None:
                v = self.valid[p] = self.val(f"load i64, ptr %sh.{p}", "s")
            return v
        v = self.val(f"load i64, ptr {self.sp_ptr(k)}{TBAA_STACK}", "s")
        if p is not None:
            self._shadow(p, v)
        return v

    def set_stack(self, k: int, v: str | int) -> None:
        p = self.position(k)
        if p is None:
            self.valid.clear()  # (it may be any of them)
            self.unstored.clear()
        else:
            self.valid.pop(p, None)
            self.unstored.discard(p)
        if isinstance(v, str) and v in self.lazy:
            self.lazy_slots[self.spo + k] = v  # stored when materialised
            return
        self.lazy_slots.pop(self.spo + k, None)
        self.lines.append(f"  store i64 {v}, ptr {self.sp_ptr(k)}{TBAA_STACK}")
        if p is not None:
            self._shadow(p, v)

    # ---- shadow slots (SHADOW_SLOTS) ----

    def position(self, k: int) -> int | None:
        """Frame position of sp[k] (liveness.py's numbering), if shadows are on and the
        current sp base's position is known."""
        base = self.base_pos.get(self.spb) if self.shadows else None
        return None if base is None else base - self.spo - k

    def top(self) -> int | None:
        return self.position(0)

    def set_top(self, top: int) -> None:
        """Say that sp[0], from the current base, is at frame position ``top``."""
        if self.shadows:
            self.base_pos[self.spb] = top + self.spo

    def _shadow(self, p: int, v: str | int) -> None:
        """v is the VM stack's word at p now (its alloca gets it before the block ends)."""
        self.shadow_used.add(p)
        self.valid[p] = str(v)
        self.unstored.add(p)

    def _store_shadows(self) -> None:
        """Before a terminator: the allocas get the block's values (SROA drops those
        no later block reads; filtering them by liveness here saved 1 % of the IR)."""
        for p in sorted(self.unstored):
            self.lines.append(f"  store i64 {self.valid[p]}, ptr %sh.{p}")
        self.unstored.clear()

    def shadow_state(self) -> tuple[dict[int, str | None], set[int]]:
        return dict(self.valid), set(self.unstored)

    def dominated(self, state: tuple[dict[int, str | None], set[int]]) -> None:
        """After a label that only code with shadow ``state`` leads to (the state of a
        branch this block is dominated by, its allocas stored by the branch)."""
        self.valid = dict(state[0])

    def resync(self, pc: int) -> None:
        """Before an instruction: its static height gives the current base's position."""
        h = self.height.get(pc)
        if h is None:
            return
        base = h - 1 + self.spo
        known = self.base_pos.setdefault(self.spb, base)
        if known != base:
            raise CompileError(f"pc {pc} in {self.fname}: frame position {known} != {base}")

    def refresh(self, top: int | None, keep: Set[int]) -> frozenset[int] | None:
        """At the end of a slow path that comes back to sp at frame position ``top`` (after
        calls, sp rebased: slow paths that allocate or grow the stack restore it), read
        those of the positions ``keep`` that code after it reads into their shadows
        again; they stay valid at the join (the result). None if the path ends
        elsewhere (a raise's: the join only raises) or ``top`` is unknown."""
        if top is None:
            return None
        known = self.top()
        if known is None:
            self.set_top(top)
        elif known != top:
            return None
        live = self.live_at(self.pc)
        kept = frozenset(q for q in keep if q <= top and (live is None or live(q)))
        for p in sorted(kept - self.valid.keys()):
            self._shadow(p, self.val(f"load i64, ptr {self.sp_ptr(top - p)}{TBAA_STACK}", "s"))
        return kept

    def joined(self, top: int | None, kept: frozenset[int] | None) -> None:
        """At the join after a slow path whose end ``refresh`` gave ``kept`` (sp rebased
        onto a phi): sp[0] is at ``top`` again and those shadows are valid."""
        if kept is not None and top is not None:
            self.set_top(top)
            self.valid = dict.fromkeys(kept)

    def live_at(self, pc: int) -> Callable[[int], bool] | None:
        """Whether a frame position is read by the instruction at pc or after it."""
        ins = self.gen.code.get(pc)
        return None if ins is None or self.frame is None else self.frame.live_before(ins)

    def record_edge(self, target: int) -> None:
        """What an edge to ``target`` leaves valid (and the target's code reads)."""
        live = self.live_at(self.region.start if target == PROLOGUE_EDGE else target)
        valid = frozenset(p for p in self.valid if live is None or live(p))
        self.shadow_edges.setdefault(target, []).append(valid)

    def _shadows_at(self, leader: int) -> frozenset[int]:
        """Valid positions at a block's entry: what every edge into it left valid, if they
        are all emitted already (their blocks are); else (a loop header) what the
        emission before found, to be confirmed (``assumed``)."""
        edges = self.shadow_edges.get(leader)
        preds = self.pred_blocks.get(leader, ())
        if (self.exact is not None and edges and leader not in preds
                and all(p in self.emitted for p in preds)):
            self.exact[leader] = len(edges)
            return frozenset.intersection(*edges)
        self.assumed[leader] = self.shadow_in.get(leader, frozenset())
        return self.assumed[leader]

    def shadows_confirmed(self) -> bool:
        """Whether what this emission assumed at joins held: no edge came after a join
        was entered as if it had all its edges, and every assumed set was valid on
        every edge."""
        joins = self.shadow_joins()
        return (all(len(self.shadow_edges[t]) == n for t, n in (self.exact or {}).items())
                and all(v <= joins.get(t, frozenset()) for t, v in self.assumed.items()))

    def shadow_joins(self) -> dict[int, frozenset[int]]:
        """Positions valid on every edge into each join this emission saw."""
        return {t: frozenset.intersection(*sets) for t, sets in self.shadow_edges.items()
                if t not in self.entered_otherwise}

    # ---- lazily boxed floats (see FLOAT_RUN) ----

    def make_lazy(self, d: str) -> str:
        """A float result not boxed yet: a name that stands for the future box."""
        self.n += 1
        name = f"%lazy{self.n}"
        self.lazy[name] = d
        return name

    def materialise(self, dead: Callable[[int], bool] | None = None) -> None:
        """Box every lazy float still live (accu, stack slots above sp), then forget them.

        Each box may run the GC, which scans the stack: pending slots first get
        Val_unit, and accu (held in no slot) is boxed last. A slot ``dead(k)`` says no
        code reads again (sp[k]) keeps Val_unit: its box would be garbage at once.
        """
        live = {off: v for off, v in self.lazy_slots.items() if off >= self.spo}
        self.lazy_slots = {}
        if not live and self.accu not in self.lazy:
            self.lazy = {}
            return
        base_spo = self.spo
        for off in live:
            self.set_stack(off - base_spo, "1")
        if dead is not None:
            live = {off: v for off, v in live.items() if not dead(off - base_spo)}
        # A non-lazy accu may be a heap pointer: keep it in a stack slot (a GC
        # root) while boxing, as Setup_for_gc would, and read it back after.
        keep_accu = self.accu not in self.lazy and live
        if keep_accu:
            self.push(self.accu)
        # box() may rebase sp (same logical position): addresses from the run's sp
        shift = (1 if keep_accu else 0) - base_spo
        first: dict[str, int] = {}  # lazy float -> the slot that got its box
        for off, v in sorted(live.items()):
            if v not in first:
                first[v] = off
                boxed = self._box_now(self.lazy[v])
                self.set_stack(off + shift, boxed)
        # Each box may have moved the boxes made before it: a float in several slots,
        # or in accu too, is read back from its first slot (a root) after the last.
        for off, v in sorted(live.items()):
            if first[v] != off:
                self.set_stack(off + shift, self.stack(first[v] + shift))
        if keep_accu:
            self.accu = self.stack(0)
            self.pop(1)
        elif self.accu in first:
            self.accu = self.stack(first[self.accu] + shift)
        elif self.accu in self.lazy:
            self.accu = self._box_now(self.lazy[self.accu])
        self.lazy = {}

    def _box_now(self, d: str) -> str:
        lazy_ok, self.lazy_ok = self.lazy_ok, False
        boxed = box(self, d, self.pc)
        self.lazy_ok = lazy_ok
        return boxed

    def push(self, v: str | int) -> None:
        self.spo -= 1
        self.set_stack(0, v)

    def pop(self, n: int = 1) -> None:
        self.spo += n
        top = self.top()
        if top is not None and self.valid:
            for p in [q for q in self.valid if q > top]:
                del self.valid[p]
                self.unstored.discard(p)

    def field_ptr(self, v: str, n: int | str) -> str:
        p = self.val(f"inttoptr i64 {v} to ptr", "p")
        if n == 0:
            return p
        return self.val(f"getelementptr i64, ptr {p}, i64 {n}", "f")

    def field(self, v: str, n: int | str) -> str:
        return self.val(f"load i64, ptr {self.field_ptr(v, n)}{TBAA_HEAP}", "fld")

    def set_field(self, v: str, n: int | str, x: str | int) -> None:
        self.e(f"store i64 {x}, ptr {self.field_ptr(v, n)}{TBAA_HEAP}")

    def state(self, off: int) -> str:
        return self.val(f"getelementptr i8, ptr %st, i64 {off}", "cs")

    def load_state(self, off: int, ty: str = "ptr") -> str:
        return self.val(f"load {ty}, ptr {self.state(off)}{TBAA_STATE}", "cs")

    def store_state(self, off: int, v: str, ty: str = "ptr") -> None:
        self.e(f"store {ty} {v}, ptr {self.state(off)}{TBAA_STATE}")

    def pc_value(self, ofs: int) -> str:
        p = self.val(f"getelementptr i8, ptr %base, i64 {ofs}", "pcp")
        return self.val(f"ptrtoint ptr {p} to i64", "pc")

    def long_val(self, v: str) -> str:
        return self.val(f"ashr i64 {v}, 1", "l")

    def val_long(self, v: str) -> str:
        s = self.val(f"shl i64 {v}, 1", "l")
        return self.val(f"or i64 {s}, 1", "v")

    def bool_val(self, cond: str) -> str:
        return self.val(f"select i1 {cond}, i64 {VAL_TRUE}, i64 1", "b")

    def call(self, ret: str, fn: str, args: str, attrs: str = "") -> str | None:
        self.gen.declare_use(fn)
        if ret == "void":
            self.e(f"call void @{fn}({args}){attrs}")
            return None
        return self.val(f"call {ret} @{fn}({args}){attrs}", "r")

    # ---- block state ----

    def spill(self) -> None:
        self.e(f"store ptr {self.sp_ptr(0)}, ptr %sp.slot")
        self.e(f"store i64 {self.accu}, ptr %accu.slot")
        self.e(f"store i64 {self.env}, ptr %env.slot")
        self.e(f"store i64 {self.extra}, ptr %extra.slot")

    def reload(self) -> None:
        self.rebase(self.val("load ptr, ptr %sp.slot", "sp"))
        self.accu = self.val("load i64, ptr %accu.slot", "accu")
        self.env = self.val("load i64, ptr %env.slot", "env")
        self.extra = self.val("load i64, ptr %extra.slot", "extra")

    def jump(self, pc: int) -> None:
        if pc in self.carried:
            self._enter_join(pc)
        self.spill()
        self.record_edge(pc)
        self.e(f"br label %L{pc}")

    def _enter_join(self, header: int) -> None:
        """Hand the floats a join carries over in their allocas (unboxing those that are
        boxed on this path), box every other pending float."""
        doubles = []
        for k in sorted(self.carried[header]):
            pending = self.lazy_slots.pop(self.spo + k, None)
            if pending is not None:
                doubles.append((k, self.lazy[pending]))
                self.set_stack(k, str(VAL_UNIT))  # (memory may be stale)
            else:
                box = self.val(f"inttoptr i64 {self.stack(k)} to ptr", "p")
                doubles.append((k, self.val(f"load double, ptr {box}", "d")))
        self.materialise()
        for k, d in doubles:
            self.e(f"store double {d}, ptr %lf{header}.{k}")

    def branch(self, cond: str | None, targets: list[int]) -> None:
        """br to targets[0] (cond: i1 true) or targets[1]. Pending lazy floats go along to a
        target that has no other predecessor; an edge to any other target boxes them first."""
        self.spill()
        pending = bool(self.lazy_slots)
        labels = [self._edge(t) if pending or t in self.carried else f"L{t}" for t in targets]
        for t, name in zip(targets, labels):
            if name == f"L{t}":
                self.record_edge(t)
        if pending:
            self.lazy, self.lazy_slots = {}, {}
        if cond is None:
            self.e(f"br label %{labels[0]}")
        else:
            self.e(f"br i1 {cond}, label %{labels[0]}, label %{labels[1]}")

    def _pending_here(self) -> dict[int, str]:
        """Pending floats in the stack at or above sp, by offset from sp."""
        return {off - self.spo: v for off, v in self.lazy_slots.items() if off >= self.spo}

    def _edge(self, target: int) -> str:
        """The label a branch to ``target`` takes, while floats are pending."""
        live = self._pending_here()
        if target in self.emitted or self.preds.get(target, 0) > 1:  # a join: could carry
            self.join_floats.setdefault(target, set()).update(live)
        # (a block before this one in the code is already emitted: backward edges box)
        if (self.preds.get(target) == 1 and target not in self.emitted | self.inherited.keys()
                and target not in self.carried):  # fmt: skip
            self.inherited[target] = (dict(self.lazy), live)
            return f"L{target}"
        state = (self.spb, self.spo, self.accu, self.env, self.extra, self.lazy, self.lazy_slots,
                 self.cur, self.shadow_state())
        before, self.lines = self.lines, []
        edge = self.new_label("edge")
        self.label(edge)
        self.dominated(state[8])  # (the edge's only predecessor is the branch)
        self.lazy, self.lazy_slots = dict(state[5]), dict(state[6])
        if target not in self.carried:
            self.materialise()
        self.jump(target)
        self.edges.extend(self.lines)  # emitted after the current block
        self.lines = before
        (self.spb, self.spo, self.accu, self.env, self.extra, self.lazy, self.lazy_slots,
         self.cur, (self.valid, self.unstored)) = state
        return edge

    def snapshot(self) -> tuple[str, str, str, str]:
        return (self.sp_ptr(0), self.accu, self.env, self.cur)

    def merge(self, a: tuple[str, str, str, str], b: tuple[str, str, str, str]) -> None:
        """Join two paths (a falls into the current block from a[3], b from b[3])."""
        self.rebase(self.val(f"phi ptr [ {a[0]}, %{a[3]} ], [ {b[0]}, %{b[3]} ]", "sp"))
        self.accu = self.val(f"phi i64 [ {a[1]}, %{a[3]} ], [ {b[1]}, %{b[3]} ]", "accu")
        self.env = self.val(f"phi i64 [ {a[2]}, %{a[3]} ], [ {b[2]}, %{b[3]} ]", "env")

    def guarded(self, cond: str, slow: Callable[[], None], hint: str) -> None:
        """if (cond) slow();  -- slow may run the GC or OCaml code, so state is merged."""
        l_slow, l_join = self.new_label(hint), self.new_label(hint + ".join")
        fast = self.snapshot()
        top = self.top()
        self.e(f"br i1 {cond}, label %{l_slow}, label %{l_join}")
        keep = self.shadow_state()
        self.label(l_slow)
        self.dominated(keep)
        slow()
        self._rejoin(top, keep, fast, l_join)

    def _rejoin(self, top: int | None, keep: tuple[dict[int, str | None], set[int]],
                fast: tuple[str, str, str, str], l_join: str) -> None:
        """End a slow path that left the fast path at ``fast`` (its sp at frame position
        ``top``, the shadows ``keep`` valid) and join them at ``l_join``: the shadows,
        read again on the slow path, stay valid."""
        kept = self.refresh(top, keep[0].keys())
        after = self.snapshot()
        self.e(f"br label %{l_join}")
        self.label(l_join)
        self.merge(fast, after)
        self.joined(top, kept)

    # ---- runtime interactions (interp.c macros) ----

    def setup_for_c_call(self, ret_pc: int) -> None:
        """Setup_for_c_call: push env and the return pc, publish sp."""
        self.spo -= 2
        self.set_stack(0, self.env)
        self.set_stack(1, self.pc_value(ret_pc))
        self.store_state(self.gen.layout.extern_sp, self.sp_ptr(0))

    def restore_after_c_call(self) -> None:
        self.rebase(self.load_state(self.gen.layout.extern_sp), 0)
        self.env = self.stack(0)
        self.pop(2)

    def process_actions(self, pc: int) -> None:
        """Setup_for_event; caml_process_pending_actions(); Restore_after_event (in the
        glue: camllvm_actions leaves the event frame pushed). extra is unchanged."""
        r = self.call(RET, "camllvm_actions",
                      f"ptr {self.sp_ptr(0)}, i64 {self.accu}, i64 {self.env}, "
                      f"i64 {self.val_long(self.extra)}, i64 {self.pc_value(pc)}")  # fmt: skip
        self.rebase(self.val(f"extractvalue {RET} {r}, 1", "sp"), 0)
        self.accu = self.val(f"extractvalue {RET} {r}, 0", "accu")
        self.env = self.stack(4)
        self.pop(6)

    def check_signals(self, pc: int) -> None:
        """Pending floats stay unboxed on the fast path; the slow path boxes them first
        (the GC and signal handlers see the stack), and they stay valid after it."""
        flag = self.val("load volatile i32, ptr @caml_something_to_do", "todo")
        cond = self.val(f"icmp ne i32 {flag}, 0", "c")
        extra = self.extra  # (the slow path leaves it as it is)
        l_slow, l_join = self.new_label("sig"), self.new_label("sig.join")
        fast = self.snapshot()
        pending, spo = (dict(self.lazy), dict(self.lazy_slots)), self.spo
        top = self.top()
        self.e(f"br i1 {cond}, label %{l_slow}, label %{l_join}")
        keep = self.shadow_state()
        self.label(l_slow)
        self.dominated(keep)
        self.materialise()
        self.process_actions(pc)
        self._rejoin(top, keep, fast, l_join)  # (sp is rebased: slot offsets now count from it)
        self.lazy = pending[0]
        self.lazy_slots = {off - spo: v for off, v in pending[1].items()}
        self.extra = extra

    def alloc(self, wosize: int | str, tag: int, gc_pc: int) -> str:
        """Alloc_small: inline minor-heap allocation; the slow path is interp.c's Setup_for_gc.
        ``wosize`` is a constant or an SSA value (at most Max_young_wosize)."""
        lay = self.gen.layout
        if isinstance(wosize, int):
            words, header = str(-(wosize + 1)), str((wosize << 10) | tag)
        else:
            words = self.val(f"sub i64 -1, {wosize}", "w")
            header = self.val(f"or i64 {self.val(f'shl i64 {wosize}, 10', 'hd')}, {tag}", "hd")
        yp = self.load_state(lay.young_ptr)
        new = self.val(f"getelementptr i64, ptr {yp}, i64 {words}", "yp")
        self.store_state(lay.young_ptr, new)
        lim = self.load_state(lay.young_limit)
        cond = self.val(f"icmp ult ptr {new}, {lim}", "c")

        def slow() -> None:
            self.spo -= 3
            self.set_stack(0, self.accu)
            self.set_stack(1, self.env)
            self.set_stack(2, self.pc_value(gc_pc))
            self.store_state(lay.extern_sp, self.sp_ptr(0))
            self.call("void", "caml_alloc_small_dispatch",
                      f"i64 {wosize}, i32 {ALLOC_FLAGS}, i32 1, ptr null")  # fmt: skip
            self.rebase(self.load_state(lay.extern_sp), 0)
            self.accu, self.env = self.stack(0), self.stack(1)
            self.pop(3)

        self.guarded(cond, slow, "gc")
        hp = self.load_state(lay.young_ptr)
        self.e(f"store i64 {header}, ptr {hp}{TBAA_HEAP}")
        block = self.val(f"getelementptr i64, ptr {hp}, i64 1", "blk")
        return self.val(f"ptrtoint ptr {block} to i64", "blk")

    def alloc_shr(self, wosize: int, tag: int) -> str:
        """caml_alloc_shr: major-heap block (never triggers a GC, interp.c PR#6385)."""
        return self.call("i64", "caml_alloc_shr", f"i64 {wosize}, i32 {tag}")  # type: ignore[return-value]

    def initialize(self, block: str, n: int, v: str) -> None:
        self.call("void", "caml_initialize", f"ptr {self.field_ptr(block, n)}, i64 {v}")

    def modify(self, ptr: str, v: str) -> None:
        """caml_modify (memory.c), whose barrier has nothing to do when the field lies in
        the minor heap (Is_young) or when old and new values are both immediate: then
        store inline; otherwise call it."""
        lay = self.gen.layout
        lo, hi = self.load_state(lay.young_start), self.load_state(lay.young_end)
        young = self.val(f"and i1 {self.val(f'icmp ugt ptr {ptr}, {lo}', 'c')}, "
                         f"{self.val(f'icmp ult ptr {ptr}, {hi}', 'c')}", "young")  # fmt: skip
        old = self.val(f"load i64, ptr {ptr}{TBAA_HEAP}", "old")
        both = self.val(f"and i64 {self.val(f'and i64 {old}, {v}', 'imm')}, 1", "imm")
        plain = self.val(f"or i1 {young}, {self.val(f'icmp ne i64 {both}, 0', 'c')}", "c")
        l_plain, l_call, l_done = (self.new_label(h) for h in ("st", "modify", "modified"))
        self.e(f"br i1 {plain}, label %{l_plain}, label %{l_call}")
        shadows = self.shadow_state()  # caml_modify neither writes the VM stack nor runs the GC
        self.label(l_plain)
        self.e(f"store i64 {v}, ptr {ptr}{TBAA_HEAP}")
        self.e(f"br label %{l_done}")
        self.label(l_call)
        self.call("void", "caml_modify", f"ptr {ptr}, i64 {v}")
        self.e(f"br label %{l_done}")
        self.label(l_done)
        self.dominated(shadows)

    # ---- calls ----

    def native_code_of(self, clos: str) -> str:
        """Native function of a closure: table[(Code_val - code start) / 4], or the glue's
        generic application for code outside the main code area."""
        code = self.field(clos, 0)
        base = self.val("ptrtoint ptr %base to i64", "b")
        rel = self.val(f"sub i64 {code}, {base}", "rel")
        if self.gen.table_address:  # (jitglue.c) one load: table + 2 * rel
            safe = self.call("i64", "llvm.umin.i64", f"i64 {rel}, i64 {self.gen.code_size}")
            table = f"inttoptr (i64 {self.gen.table_address} to ptr)"
            slot = self.val(f"getelementptr i16, ptr {table}, i64 {safe}", "slot")
            return self.val(f"load ptr, ptr {slot}", "fn")
        idx = self.val(f"lshr i64 {rel}, 2", "idx")
        # The table is allocated once, before any native code runs; its entry one past
        # the code is the generic application (code outside: toplevel phrases, Dynlink).
        size = self.val("load i64, ptr @camllvm_table_size, !invariant.load !2", "n")
        safe = self.call("i64", "llvm.umin.i64", f"i64 {idx}, i64 {size}")
        table = self.val("load ptr, ptr @camllvm_table, !invariant.load !2", "tbl")
        slot = self.val(f"getelementptr ptr, ptr {table}, i64 {safe}", "slot")
        return self.val(f"load ptr, ptr {slot}", "fn")

    def is_self(self, clos: str) -> bool:
        """clos is the closure this function was entered with (OFFSETCLOSURE0 of env)."""
        return clos == self.env and self.entry_kind in ("closure", "region") and self.gen.self_calls

    def callee(self, clos: str) -> str:
        """How to reach clos's native code: directly when it is this very function."""
        if self.is_self(clos):
            return f"@{self.gen.function_name(self.gen.entry)}"
        return self.native_code_of(clos)

    def clear_dead(self) -> None:
        """Val_unit in the slots this call's frame keeps but never reads again (unless
        the program has made a value whose death it can see: camllvm/liveness.py)."""
        dead = self.clears.get(self.pc)
        if not dead:
            return
        # A store to a sink when the clearing is off: no branch, the block stays whole
        # (a branch around the stores cost lists 5 %).
        on = self.val("load i32, ptr @camllvm_clear_dead_slots", "on")
        cond = self.val(f"icmp ne i32 {on}, 0", "c")
        for k in dead:
            slot = self.val(f"select i1 {cond}, ptr {self.sp_ptr(k)}, ptr @camllvm_dead_sink", "dead")
            self.e(f"store i64 {VAL_UNIT}, ptr {slot}")

    def apply(self, clos: str, extra: str | int) -> None:
        """Call clos on the arguments at sp; its return frame is just above them."""
        args = f"(ptr {self.sp_ptr(0)}, i64 {clos}, i64 {extra})"
        r0 = self.speculate(clos, lambda fn: self.val(f"call {NATIVE_CC} {RET} {fn}{args}", "ret"))
        r = self.resolve_deferred(r0)
        self.accu = self.val(f"extractvalue {RET} {r}, 0", "accu")
        frame = self.val(f"extractvalue {RET} {r}, 1", "sp")
        self.rebase(frame, 0)
        self.env = self.stack(1)  # the GC may have moved our closure: take it from the frame
        # As interp.c's RETURN does: extra_args from the frame too, so that it need
        # not survive the call in a callee-saved register.
        self.extra = self.long_val(self.stack(2))
        self.pop(3)

    def speculate(self, clos: str, call: Callable[[str], str | None]) -> str | None:
        """``call(fn)`` with fn the native code of clos. At a call whose callee is known
        (ModuleGen.inlined_calls), a test of clos's code pointer chooses between the
        callee's inlinable copy (alwaysinline: LLVM inlines it, frame protocol and
        all, so nothing observable changes) and the generic path; the two results
        (if any: a tail call returns none) meet in a phi."""
        target = self.gen.inlined_calls.get(self.pc)
        if target is None or self.is_self(clos):
            return call(self.callee(clos))
        known = self.val(f"icmp eq i64 {self.field(clos, 0)}, {self.pc_value(target)}", "c")
        l_known, l_other, l_join = (self.new_label(h) for h in ("inl", "call", "called"))
        self.e(f"br i1 {known}, label %{l_known}, label %{l_other}")
        self.label(l_known)
        r1 = call(f"@{self.gen.inline_name(target)}")
        b1 = self.cur
        if r1 is not None:
            self.e(f"br label %{l_join}")
        self.label(l_other)
        r2 = call(self.native_code_of(clos))
        if r1 is None or r2 is None:
            return None
        b2 = self.cur
        self.e(f"br label %{l_join}")
        self.label(l_join)
        return self.val(f"phi {RET} [ {r1}, %{b1} ], [ {r2}, %{b2} ]", "ret")

    def resolve_deferred(self, r: str) -> str:
        """After a non-tail call: run an application the callee deferred (sp tag 1), and
        pass on an exception it returned (sp == 2) to this region's trap or our caller.
        Both are rare: every call site's exception goes to the function's one
        exception block (exn_block), which leaves each call site one block for the
        rare cases and one for a deferred application."""
        sp = self.val(f"extractvalue {RET} {r}, 1", "sp")
        tag = self.val(f"and i64 {self.val(f'ptrtoint ptr {sp} to i64', 'spi')}, 3", "tag")
        odd = self.val(f"icmp ne i64 {tag}, 0", "c")
        l_odd, l_res, l_join = (self.new_label(h) for h in ("odd", "defer", "ret"))
        before = self.cur
        self.e(f"br i1 {odd}, label %{l_odd}, label %{l_join}, !prof !0")
        self.label(l_odd)
        deferred = self.val(f"icmp eq i64 {tag}, 1", "c")
        self.e(f"br i1 {deferred}, label %{l_res}, label %{EXN_BLOCK}")
        self.exn_incoming.append((r, l_odd))
        self.label(l_res)
        resolved = self.call(RET, "camllvm_resolve", f"{RET} {r}")
        rsp = self.val(f"extractvalue {RET} {resolved}, 1", "sp")
        raised = self.val(f"icmp eq ptr {rsp}, inttoptr (i64 2 to ptr)", "c")
        self.e(f"br i1 {raised}, label %{EXN_BLOCK}, label %{l_join}, !prof !0")
        self.exn_incoming.append((resolved, l_res))
        self.label(l_join)
        return self.val(f"phi {RET} [ {r}, %{before} ], [ {resolved}, %{l_res} ]", "ret")

    def exn_block(self) -> None:
        """The block every call site's exception goes to (see resolve_deferred)."""
        if not self.exn_incoming:
            return
        self.label(EXN_BLOCK)
        incoming = ", ".join(f"[ {r}, %{b} ]" for r, b in self.exn_incoming)
        exn_ret = self.val(f"phi {RET} {incoming}", "exn")
        self.propagate(self.val(f"extractvalue {RET} {exn_ret}, 0", "exn"))

    def propagate(self, exn: str) -> None:
        """Hand an exception (backtrace already stashed) to the innermost trap: this
        region's own, or, from a function, whoever called us (by return, no longjmp)."""
        if self.region.is_function:
            r1 = self.val(f"insertvalue {RET} undef, i64 {exn}, 0", "rv")
            r2 = self.val(f"insertvalue {RET} {r1}, ptr inttoptr (i64 2 to ptr), 1", "rv")
            self.e(f"ret {RET} {r2}")
        else:
            self.e(f"store i64 {exn}, ptr %out")
            self.e("ret i32 1")

    def tail_apply(self, clos: str, extra: str | int) -> None:
        def call(fn: str) -> None:
            r = self.val(f"musttail call {NATIVE_CC} {RET} {fn}(ptr {self.sp_ptr(0)}, i64 {clos}, "
                         f"i64 {extra})", "ret")  # fmt: skip
            self.e(f"ret {RET} {r}")

        self.speculate(clos, call)

    def ret(self) -> None:
        r1 = self.val(f"insertvalue {RET} undef, i64 {self.accu}, 0", "rv")
        r2 = self.val(f"insertvalue {RET} {r1}, ptr {self.sp_ptr(0)}, 1", "rv")
        self.e(f"ret {RET} {r2}")

    # ---- function layout ----

    def emit(self) -> str:
        params = ("ptr %sp0, i64 %env0, i64 %extra0" if self.region.is_function
                  else "ptr %sp0, i64 %accu0, i64 %env0, i64 %extra0, ptr %out")  # fmt: skip
        rtype = RET if self.region.is_function else "i32"
        self.label("entry")
        for slot, ty in (("sp", "ptr"), ("accu", "i64"), ("env", "i64"), ("extra", "i64")):
            self.e(f"%{slot}.slot = alloca {ty}")
        self.e("%rout = alloca { i64, ptr, i64, i64 }")
        for header, slots in self.carried.items():
            for k in slots:
                self.e(f"%lf{header}.{k} = alloca double")
        # The domain state is at a linked address and the code, as a rule, at a fixed
        # one (shim.c): return addresses are 32-bit constants. Otherwise the code's
        # base is fixed once the program runs: an invariant load may be re-done after
        # a call instead of occupying a callee-saved register.
        if self.gen.domain_address:
            self.e(f"%st = inttoptr i64 {self.gen.domain_address} to ptr")
        else:
            self.e("%st = getelementptr i8, ptr @camllvm_domain_state, i64 0")
        if self.gen.code_address:
            self.e(f"%base = inttoptr i64 {self.gen.code_address} to ptr")
        else:
            self.e("%base = load ptr, ptr @caml_start_code, !invariant.load !2")
        if self.entry_kind == "region":
            self.accu = "%accu0"
        elif self.entry_kind == "toplevel":
            self.accu = str(val_int(0))
        elif self.entry_kind == "osr":  # the loop stub pushed accu just below sp
            self.accu = self.val(f"load i64, ptr {self.val('getelementptr i64, ptr %sp0, i64 -1', 'p')}",
                                 "accu")
        elif self.gen.code[self.region.start].op != Op.RESTART:
            # A RESTART entry only pushes the saved arguments and tail-calls the
            # function proper, whose prologue makes the checks once. The prologue
            # is a block of its own: self tail calls loop back to it.
            self._fill_arguments()
            self.spill()
            self.record_edge(PROLOGUE_EDGE)
            self.e(f"br label %{PROLOGUE}")
            self.label(PROLOGUE)
            self.reload()
            if self.shadows:
                self.set_top(-1)
                self.assumed[PROLOGUE_EDGE] = self.shadow_in.get(PROLOGUE_EDGE, frozenset())
                self.valid = dict.fromkeys(self.assumed[PROLOGUE_EDGE])
            self.prologue()
        self.jump(self.region.start)
        for leader in self.region.leaders:
            self.emit_block(leader)
        self.exn_block()
        shadows = [f"  %sh.{p} = alloca i64" for p in sorted(self.shadow_used)]
        body = "\n".join(self.lines[:1] + shadows + self.lines[1:] + self.edges)
        cc = f"{NATIVE_CC} " if self.region.is_function else ""  # regions are called by C
        return f"define {cc}{rtype} @{self.fname}({params}) {FN_ATTRS} {{\n{body}\n}}\n"

    def _fill_arguments(self) -> None:
        """At a closure's entry, read its arguments into their shadows: with those a self
        tail call stores, they are valid in the prologue, the join of both. (Four at
        most: a caller leaves at least a 3-word return frame above its arguments, so
        these words exist whatever it passed.)"""
        if not self.shadows:
            return
        self.set_top(-1)
        first = self.gen.code[self.region.start]
        for k in range(min(1 + (first.args[0] if first.op == Op.GRAB else 0), 4)):
            self.stack(k)

    def prologue(self) -> None:
        """What interp.c does at every application (check_stacks). Native frames need no C
        stack check: each nests below a VM frame, and the C stack is sized from the VM
        stack's limit (see camllvm_main_big_stack)."""
        lay, entry = self.gen.layout, self.region.start
        thr = self.load_state(lay.stack_threshold)
        low = self.val(f"icmp ult ptr {self.sp_ptr(0)}, {thr}", "c")

        def grow() -> None:
            self.store_state(lay.extern_sp, self.sp_ptr(0))
            self.call("void", "caml_realloc_stack", f"i64 {STACK_THRESHOLD_WORDS}")
            self.rebase(self.load_state(lay.extern_sp), 0)

        self.guarded(low, grow, "stk")
        self.check_signals(entry)

    def hand_off(self, header: int) -> None:
        """Go on in the OSR function entered at ``header`` (it takes accu below sp)."""
        self.materialise()
        name = self.gen.osr_name(header)
        self.gen.declare_extern(name, f"declare {NATIVE_CC} {RET} @{name}(ptr, i64, i64)")
        self.set_stack(-1, self.accu)
        r = self.val(f"musttail call {NATIVE_CC} {RET} @{name}(ptr {self.sp_ptr(0)}, "
                     f"i64 {self.env}, i64 {self.extra})", "ret")  # fmt: skip
        self.e(f"ret {RET} {r}")

    def exit_to_interpreter(self, pc: int) -> None:
        """Leave OSR code: the interpreter goes on at ``pc`` (camllvm_run_from_interp reads
        accu, env and extra_args below sp; sp is tagged 3, the result holds pc)."""
        self.materialise()
        self.set_stack(-1, self.accu)
        self.set_stack(-2, self.env)
        self.set_stack(-3, self.val_long(self.extra))
        tagged = self.val(f"getelementptr i8, ptr {self.sp_ptr(0)}, i64 3", "x")
        r1 = self.val(f"insertvalue {RET} undef, i64 {self.pc_value(pc)}, 0", "rv")
        r2 = self.val(f"insertvalue {RET} {r1}, ptr {tagged}, 1", "rv")
        self.e(f"ret {RET} {r2}")

    def emit_block(self, leader: int) -> None:
        self.label(f"L{leader}")
        self.emitted.add(leader)
        self.reload()
        if leader not in self.entered_otherwise:  # (the entry or prologue jumps to the start)
            self.valid = dict.fromkeys(self._shadows_at(leader))
        self.lazy, self.lazy_slots = self.inherited.pop(leader, ({}, {}))
        for k in sorted(self.carried.get(leader, ())):
            self.lazy_slots[k] = self.make_lazy(self.val(f"load double, ptr %lf{leader}.{k}", "d"))
        if leader in self.region.handoffs:
            self.hand_off(leader)
            return
        if leader in self.region.interp_exits:
            self.exit_to_interpreter(leader)
            return
        pc = leader
        leaders = set(self.region.leaders)
        while True:
            ins = self.gen.code[pc]
            self.pc = pc
            self.gen.bytecode_instructions += 1
            self.lazy_ok = self.gen.unbox_floats and in_float_run(ins, self.gen.prims)
            if self.shadows:
                self.resync(pc)
            if not self.lazy_ok and not self.keeps_floats_pending(ins):
                self.materialise(self._dead_before(ins))
            terminated = self.lower(ins)
            if terminated:
                return
            pc += 4 * ins.size
            if pc in leaders:
                if pc not in self.carried:  # (jump carries what it can)
                    self.join_floats.setdefault(pc, set()).update(self._pending_here())
                    self.materialise()
                self.jump(pc)
                return

    def pending_liveness(self) -> Liveness | None:
        """The region's liveness if floats are pending in the frame (see materialise)."""
        if not any(off >= self.spo for off in self.lazy_slots):
            return None
        return self.gen.liveness(self.region, self.entry_kind)

    def _dead_before(self, ins: Instruction) -> Callable[[int], bool] | None:
        """Which pending slots ``ins`` and the code after it never read (see materialise)."""
        liveness = self.pending_liveness()
        return None if liveness is None else lambda k: liveness.dead_before(ins, k)

    def keeps_floats_pending(self, ins: Instruction) -> bool:
        """Whether pending floats may stay unboxed across ins, though it is not part of a
        float run: integer operations (if their operands are not pending floats), and
        branches, tail calls and returns, which box what they need themselves."""
        if ins.op in LEAVES or ins.op == Op.MAKEFLOATBLOCK:
            return True  # (MAKEFLOATBLOCK takes its operands' doubles, boxes the rest itself)
        if self.accu in self.lazy:
            return False
        if ins.op in BRANCHES or ins.op in UNARY_INT_OPS or ins.op == Op.CHECK_SIGNALS:
            return True
        return ins.op in BINARY_INT_OPS and (self.spo not in self.lazy_slots)

    def lower(self, ins: Instruction) -> bool:  # noqa: D401
        """Emit one instruction; True if it ended the block."""
        handler = LOWER.get(ins.op)
        if handler is None:
            raise CompileError(f"pc {ins.pc} in {self.fname}: cannot compile {ins.op.name}")
        return bool(handler(self, ins))

    @property
    def next_pc(self) -> int:
        return self.pc + 4 * self.gen.code[self.pc].size


#: Instructions that neither allocate nor read the VM stack's memory behind our
#: back, so that float results may stay unboxed across them (lazy boxing).
FLOAT_RUN_OPS: frozenset[Op] = frozenset({
    *(Op(Op.ACC0 + i) for i in range(8)), Op.ACC, Op.PUSH,
    *(Op(Op.PUSHACC0 + i) for i in range(8)), Op.PUSHACC, Op.POP, Op.ASSIGN,
    Op.CONST0, Op.CONST1, Op.CONST2, Op.CONST3, Op.CONSTINT,
    Op.PUSHCONST0, Op.PUSHCONST1, Op.PUSHCONST2, Op.PUSHCONST3, Op.PUSHCONSTINT,
    Op.GETFLOATFIELD, Op.SETFLOATFIELD,
    Op.GETGLOBAL, Op.PUSHGETGLOBAL, Op.GETGLOBALFIELD, Op.PUSHGETGLOBALFIELD,
    *(Op(Op.ENVACC1 + i) for i in range(4)), Op.ENVACC,
    *(Op(Op.PUSHENVACC1 + i) for i in range(4)), Op.PUSHENVACC,
    Op.OFFSETCLOSUREM3, Op.OFFSETCLOSURE0, Op.OFFSETCLOSURE3, Op.OFFSETCLOSURE,
    Op.PUSHOFFSETCLOSUREM3, Op.PUSHOFFSETCLOSURE0, Op.PUSHOFFSETCLOSURE3, Op.PUSHOFFSETCLOSURE,
})  # fmt: skip


def in_float_run(ins: Instruction, prims: list[str]) -> bool:
    if ins.op in FLOAT_RUN_OPS:
        return True
    if Op.C_CALL1 <= ins.op <= Op.C_CALL3:
        return prims[ins.args[0]] in FLOAT_PRIMS
    return False


# ---- lowering, one function per instruction family (interp.c order) ----

Lower = Callable[[Emitter, Instruction], "bool | None"]
LOWER: dict[Op, Lower] = {}


def lowers(*ops: Op) -> Callable[[Lower], Lower]:
    def register(fn: Lower) -> Lower:
        for op in ops:
            LOWER[op] = fn
        return fn

    return register


def _n(ins: Instruction, base: Op) -> int:
    """The constant folded into numbered opcodes (ACC3 -> 3)."""
    return ins.op - base


@lowers(*(Op(Op.ACC0 + i) for i in range(8)), Op.ACC)
def lower_acc(em: Emitter, ins: Instruction) -> None:
    em.accu = em.stack(ins.args[0] if ins.op == Op.ACC else _n(ins, Op.ACC0))


@lowers(Op.PUSH, *(Op(Op.PUSHACC0 + i) for i in range(8)), Op.PUSHACC)
def lower_pushacc(em: Emitter, ins: Instruction) -> None:
    em.push(em.accu)
    if ins.op == Op.PUSHACC:
        em.accu = em.stack(ins.args[0])
    elif ins.op not in (Op.PUSH, Op.PUSHACC0):
        em.accu = em.stack(_n(ins, Op.PUSHACC0))


@lowers(Op.POP)
def lower_pop(em: Emitter, ins: Instruction) -> None:
    em.pop(ins.args[0])


@lowers(Op.ASSIGN)
def lower_assign(em: Emitter, ins: Instruction) -> None:
    em.set_stack(ins.args[0], em.accu)
    em.accu = str(VAL_UNIT)


@lowers(*(Op(Op.ENVACC1 + i) for i in range(4)), Op.ENVACC,
        *(Op(Op.PUSHENVACC1 + i) for i in range(4)), Op.PUSHENVACC)  # fmt: skip
def lower_envacc(em: Emitter, ins: Instruction) -> None:
    op = ins.op
    if op >= Op.PUSHENVACC1:
        em.push(em.accu)
        n = ins.args[0] if op == Op.PUSHENVACC else _n(ins, Op.PUSHENVACC1) + 1
    else:
        n = ins.args[0] if op == Op.ENVACC else _n(ins, Op.ENVACC1) + 1
    em.accu = em.field(em.env, n)


@lowers(Op.PUSH_RETADDR)
def lower_push_retaddr(em: Emitter, ins: Instruction) -> None:
    em.spo -= 3
    em.set_stack(0, em.pc_value(ins.args[0]))
    em.set_stack(1, em.env)
    em.set_stack(2, em.val_long(em.extra))


@lowers(Op.APPLY)
def lower_apply(em: Emitter, ins: Instruction) -> None:
    em.clear_dead()
    em.apply(em.accu, ins.args[0] - 1)


@lowers(Op.APPLY1, Op.APPLY2, Op.APPLY3)
def lower_applyn(em: Emitter, ins: Instruction) -> None:
    em.clear_dead()
    nargs = _n(ins, Op.APPLY1) + 1
    args = [em.stack(i) for i in range(nargs)]
    em.spo -= 3
    for i, a in enumerate(args):
        em.set_stack(i, a)
    em.set_stack(nargs, em.pc_value(em.next_pc))
    em.set_stack(nargs + 1, em.env)
    em.set_stack(nargs + 2, em.val_long(em.extra))
    em.apply(em.accu, nargs - 1)


def _appterm(em: Emitter, nargs: int, slotsize: int) -> bool:
    _require_function(em, "APPTERM")
    args = [em.stack(i) for i in range(nargs)]
    em.pop(slotsize - nargs)
    for i, a in enumerate(args):
        em.set_stack(i, a)
    extra = em.val(f"add i64 {em.extra}, {nargs - 1}", "extra") if nargs != 1 else em.extra
    em.materialise()  # the arguments only: the rest of the frame is gone
    if em.is_self(em.accu) and em.entry_kind == "closure":
        # A self tail call is a loop: back to the prologue block (interp.c's
        # check_stacks), which then enters the function's first instruction.
        em.extra = extra
        em.spill()
        em.record_edge(PROLOGUE_EDGE)
        em.e(f"br label %{PROLOGUE}")
        return True
    em.tail_apply(em.accu, extra)
    return True


@lowers(Op.APPTERM)
def lower_appterm(em: Emitter, ins: Instruction) -> bool:
    return _appterm(em, ins.args[0], ins.args[1])


@lowers(Op.APPTERM1, Op.APPTERM2, Op.APPTERM3)
def lower_apptermn(em: Emitter, ins: Instruction) -> bool:
    return _appterm(em, _n(ins, Op.APPTERM1) + 1, ins.args[0])


def _require_function(em: Emitter, what: str) -> None:
    if not em.region.is_function:
        raise CompileError(f"pc {em.pc} in {em.fname}: {what} inside a try body")


@lowers(Op.RETURN)
def lower_return(em: Emitter, ins: Instruction) -> bool:
    _require_function(em, "RETURN")
    em.pop(ins.args[0])
    em.materialise()  # the result only: the frame is gone
    more = em.val(f"icmp sgt i64 {em.extra}, 0", "c")
    l_more, l_ret = em.new_label("over"), em.new_label("ret")
    em.e(f"br i1 {more}, label %{l_more}, label %{l_ret}")
    saved = (em.spb, em.spo)
    em.label(l_more)
    # Over-application (rare): the result is applied to the arguments left by the
    # glue's generic application, so that every RETURN need not carry a table lookup.
    fn = em.val("load ptr, ptr @camllvm_apply_entry, !invariant.load !2", "fn")
    r = em.val(f"musttail call {NATIVE_CC} {RET} {fn}(ptr {em.sp_ptr(0)}, i64 {em.accu}, "
               f"i64 {em.val(f'sub i64 {em.extra}, 1', 'extra')})", "ret")  # fmt: skip
    em.e(f"ret {RET} {r}")
    em.label(l_ret)
    em.rebase(*saved)
    em.ret()
    return True


#: Largest GRAB argument for which RESTART copies the saved arguments without a loop.
MAX_UNROLLED_RESTART = 4


@lowers(Op.RESTART)
def lower_restart(em: Emitter, ins: Instruction) -> bool:
    """Push the arguments saved in a partial application, then enter the function proper."""
    _require_function(em, "RESTART")
    hd = em.val(f"load i64, ptr {em.field_ptr(em.env, -1)}", "hd")
    nargs = em.val(f"sub i64 {em.val(f'lshr i64 {hd}, 10', 'wosz')}, 3", "nargs")
    neg = em.val(f"sub i64 0, {nargs}", "neg")
    newsp = em.val(f"getelementptr i64, ptr {em.sp_ptr(0)}, i64 {neg}", "sp")
    saved = em.field_ptr(em.env, 3)
    l_end = em.new_label("rs.end")
    grab = em.gen.code.get(ins.pc + 4)
    if grab is not None and grab.op == Op.GRAB and grab.args[0] <= MAX_UNROLLED_RESTART:
        _restart_unrolled(em, nargs, newsp, saved, grab.args[0], l_end)
    _restart_loop(em, nargs, newsp, saved, l_end)
    em.label(l_end)
    em.rebase(newsp)
    em.env = em.field(em.env, 2)
    em.extra = em.val(f"add i64 {em.extra}, {nargs}", "extra")
    # The function proper starts at the GRAB that follows; ModuleGen compiles it
    # into the same module, so this is a direct tail call.
    r = em.val(f"musttail call {NATIVE_CC} {RET} @{em.gen.function_name(ins.pc + 4)}"
               f"(ptr {em.sp_ptr(0)}, i64 {em.env}, i64 {em.extra})", "ret")  # fmt: skip
    em.e(f"ret {RET} {r}")
    return True


def _restart_loop(em: Emitter, nargs: str, newsp: str, saved: str, l_end: str) -> None:
    """Copy nargs saved arguments to newsp, one per iteration."""
    pre, l_loop, l_body = em.cur, em.new_label("rs"), em.new_label("rs.body")
    em.e(f"br label %{l_loop}")
    em.label(l_loop)
    i = em.tmp("i")
    i1 = em.tmp("i")
    em.e(f"{i} = phi i64 [ 0, %{pre} ], [ {i1}, %{l_body} ]")
    em.e(f"br i1 {em.val(f'icmp slt i64 {i}, {nargs}', 'c')}, label %{l_body}, label %{l_end}")
    em.label(l_body)
    v = em.val(f"load i64, ptr {em.val(f'getelementptr i64, ptr {saved}, i64 {i}', 'q')}", "arg")
    em.e(f"store i64 {v}, ptr {em.val(f'getelementptr i64, ptr {newsp}, i64 {i}', 'q')}")
    em.e(f"{i1} = add i64 {i}, 1")
    em.e(f"br label %{l_loop}")


def _restart_unrolled(em: Emitter, nargs: str, newsp: str, saved: str, required: int,
                      l_end: str) -> None:
    """Copy the saved arguments without a loop: a partial application made by the
    GRAB that wants ``required`` more holds 1..required of them. A switch enters a
    chain of copies (argument k-1, then k-2, ... 0) at nargs; any other count (a
    closure built by hand) goes on to the loop that follows."""
    labels = {k: em.new_label(f"rs{k}") for k in range(1, required + 1)}
    l_loop = em.new_label("rs.any")
    cases = " ".join(f"i64 {k}, label %{labels[k]}" for k in range(1, required + 1))
    em.e(f"switch i64 {nargs}, label %{l_loop} [ {cases} ]")
    for k in range(required, 0, -1):
        em.label(labels[k])
        v = em.val(f"load i64, ptr {em.val(f'getelementptr i64, ptr {saved}, i64 {k - 1}', 'q')}", "arg")
        em.e(f"store i64 {v}, ptr {em.val(f'getelementptr i64, ptr {newsp}, i64 {k - 1}', 'q')}")
        em.e(f"br label %{labels[k - 1] if k > 1 else l_end}")
    em.label(l_loop)


@lowers(Op.GRAB)
def lower_grab(em: Emitter, ins: Instruction) -> bool:
    required = ins.args[0]
    enough = em.val(f"icmp sge i64 {em.extra}, {required}", "c")
    l_pap = em.new_label("pap")
    extra = em.val(f"sub i64 {em.extra}, {required}", "extra")
    em.e(f"br i1 {enough}, label %L{em.next_pc}.grab, label %{l_pap}")
    shadows = em.shadow_state()
    em.label(l_pap)
    after = em.pc_value(em.next_pc)
    pcp = em.val(f"inttoptr i64 {after} to ptr", "pcp")
    r = em.call(RET, "camllvm_grab_pap",
                f"ptr {em.sp_ptr(0)}, i64 {em.accu}, i64 {em.env}, i64 {em.extra}, ptr {pcp}")
    em.e(f"ret {RET} {r}")
    em.label(f"L{em.next_pc}.grab")
    em.dominated(shadows)
    em.extra = extra
    em.jump(em.next_pc)
    return True


@lowers(Op.CLOSURE)
def lower_closure(em: Emitter, ins: Instruction) -> None:
    nvars, target = ins.args
    if nvars > 0:
        em.push(em.accu)
    if nvars <= MAX_YOUNG_WOSIZE - 2:
        block = em.alloc(2 + nvars, CLOSURE_TAG, ins.pc + 8)  # interp.c's pc: at the label
        for i in range(nvars):
            em.set_field(block, i + 2, em.stack(i))
    else:
        block = em.alloc_shr(2 + nvars, CLOSURE_TAG)
        for i in range(nvars):
            em.initialize(block, i + 2, em.stack(i))
    em.set_field(block, 0, em.pc_value(target))
    em.set_field(block, 1, make_closinfo(0, 2))
    em.pop(nvars)
    em.accu = block


@lowers(Op.CLOSUREREC)
def lower_closurerec(em: Emitter, ins: Instruction) -> None:
    nfuncs, nvars, *targets = ins.args
    envofs = nfuncs * 3 - 1
    blksize = envofs + nvars
    if nvars > 0:
        em.push(em.accu)
    if blksize <= MAX_YOUNG_WOSIZE:
        block = em.alloc(blksize, CLOSURE_TAG, ins.pc + 12)  # interp.c's pc: at the labels
        for i in range(nvars):
            em.set_field(block, envofs + i, em.stack(i))
    else:
        block = em.alloc_shr(blksize, CLOSURE_TAG)
        for i in range(nvars):
            em.initialize(block, envofs + i, em.stack(i))
    em.pop(nvars)
    em.push(block)
    em.set_field(block, 0, em.pc_value(targets[0]))
    em.set_field(block, 1, make_closinfo(0, envofs))
    for i in range(1, nfuncs):
        em.set_field(block, 3 * i - 1, ((3 * i) << 10) | INFIX_TAG)
        em.push(em.val(f"add i64 {block}, {8 * 3 * i}", "infix"))
        em.set_field(block, 3 * i, em.pc_value(targets[i]))
        envofs -= 3
        em.set_field(block, 3 * i + 1, make_closinfo(0, envofs))
    em.accu = block


_OFFSETCLOSURE = {Op.OFFSETCLOSUREM3: -3, Op.OFFSETCLOSURE0: 0, Op.OFFSETCLOSURE3: 3,
                  Op.PUSHOFFSETCLOSUREM3: -3, Op.PUSHOFFSETCLOSURE0: 0, Op.PUSHOFFSETCLOSURE3: 3}


@lowers(*_OFFSETCLOSURE, Op.OFFSETCLOSURE, Op.PUSHOFFSETCLOSURE)
def lower_offsetclosure(em: Emitter, ins: Instruction) -> None:
    if ins.op in (Op.PUSHOFFSETCLOSUREM3, Op.PUSHOFFSETCLOSURE0, Op.PUSHOFFSETCLOSURE3,
                  Op.PUSHOFFSETCLOSURE):  # fmt: skip
        em.push(em.accu)
    words = _OFFSETCLOSURE.get(ins.op, ins.args[0] if ins.args else 0)
    em.accu = em.env if words == 0 else em.val(f"add i64 {em.env}, {8 * words}", "clos")


def _global_data(em: Emitter) -> str:
    return em.val("load i64, ptr @caml_global_data", "gd")


@lowers(Op.GETGLOBAL, Op.PUSHGETGLOBAL, Op.GETGLOBALFIELD, Op.PUSHGETGLOBALFIELD)
def lower_getglobal(em: Emitter, ins: Instruction) -> None:
    if ins.op in (Op.PUSHGETGLOBAL, Op.PUSHGETGLOBALFIELD):
        em.push(em.accu)
    accu = em.field(_global_data(em), ins.args[0])
    if ins.op in (Op.GETGLOBALFIELD, Op.PUSHGETGLOBALFIELD):
        accu = em.field(accu, ins.args[1])
    em.accu = accu


@lowers(Op.SETGLOBAL)
def lower_setglobal(em: Emitter, ins: Instruction) -> None:
    em.modify(em.field_ptr(_global_data(em), ins.args[0]), em.accu)
    em.accu = str(VAL_UNIT)


@lowers(Op.ATOM0, Op.ATOM, Op.PUSHATOM0, Op.PUSHATOM)
def lower_atom(em: Emitter, ins: Instruction) -> None:
    if ins.op in (Op.PUSHATOM0, Op.PUSHATOM):
        em.push(em.accu)
    tag = ins.args[0] if ins.args else 0
    table = em.val("load ptr, ptr @caml_atom_table", "atoms")
    atom = em.val(f"getelementptr i64, ptr {table}, i64 {tag + 1}", "atom")
    em.accu = em.val(f"ptrtoint ptr {atom} to i64", "atom")


@lowers(Op.MAKEBLOCK, Op.MAKEBLOCK1, Op.MAKEBLOCK2, Op.MAKEBLOCK3)
def lower_makeblock(em: Emitter, ins: Instruction) -> None:
    if ins.op == Op.MAKEBLOCK:
        wosize, tag = ins.args
    else:
        wosize, tag = _n(ins, Op.MAKEBLOCK1) + 1, ins.args[0]
    if wosize <= MAX_YOUNG_WOSIZE:
        block = em.alloc(wosize, tag, em.next_pc)
        em.set_field(block, 0, em.accu)
        for i in range(1, wosize):
            em.set_field(block, i, em.stack(i - 1))
    else:
        block = em.alloc_shr(wosize, tag)
        em.initialize(block, 0, em.accu)
        for i in range(1, wosize):
            em.initialize(block, i, em.stack(i - 1))
    em.pop(wosize - 1)
    em.accu = block


def _double_val(em: Emitter, v: str) -> str:
    return em.val(f"load double, ptr {em.field_ptr(v, 0)}", "d")


def _store_double(em: Emitter, block: str, n: int, d: str) -> None:
    em.e(f"store double {d}, ptr {em.field_ptr(block, n)}{TBAA_HEAP}")


@lowers(Op.MAKEFLOATBLOCK)
def lower_makefloatblock(em: Emitter, ins: Instruction) -> None:
    """The operands' doubles are read first (a pending float gives its double: it is
    never boxed), the operands popped, then the block allocated: its GC sees the rest
    of the frame (pending floats there boxed), not the operands, which are dead."""
    size = ins.args[0]
    doubles = [_operand_double(em, em.accu)]
    doubles += [_operand_double(em, em.stack(i - 1)) for i in range(1, size)]
    for k in range(size - 1):
        em.lazy_slots.pop(em.spo + k, None)
    em.pop(size - 1)
    em.accu = VAL_UNIT
    em.materialise(_dead_after(em, ins, -(size - 1)))
    if size <= MAX_YOUNG_WOSIZE:
        block = em.alloc(size, DOUBLE_ARRAY_TAG, em.next_pc)
    else:
        block = em.alloc_shr(size, DOUBLE_ARRAY_TAG)
    for i, d in enumerate(doubles):
        _store_double(em, block, i, d)
    em.accu = block


def _dead_after(em: Emitter, ins: Instruction, pushed: int) -> Callable[[int], bool] | None:
    """Which pending slots no code reads after ``ins``, which pushed ``pushed`` words."""
    liveness = em.pending_liveness()
    return None if liveness is None else lambda k: liveness.dead_after(ins.pc, k, pushed)


def _operand_double(em: Emitter, v: str) -> str:
    return em.lazy[v] if v in em.lazy else _double_val(em, v)


@lowers(Op.GETFIELD0, Op.GETFIELD1, Op.GETFIELD2, Op.GETFIELD3, Op.GETFIELD)
def lower_getfield(em: Emitter, ins: Instruction) -> None:
    n = ins.args[0] if ins.op == Op.GETFIELD else _n(ins, Op.GETFIELD0)
    em.accu = em.field(em.accu, n)


@lowers(Op.GETFLOATFIELD)
def lower_getfloatfield(em: Emitter, ins: Instruction) -> None:
    if em.accu in em.lazy:  # Obj.magic'd code: the record itself is a pending float box
        em.materialise()
    d = em.val(f"load double, ptr {em.field_ptr(em.accu, ins.args[0])}", "d")
    em.accu = box(em, d, em.next_pc)  # only promised inside a float run


@lowers(Op.SETFIELD0, Op.SETFIELD1, Op.SETFIELD2, Op.SETFIELD3, Op.SETFIELD)
def lower_setfield(em: Emitter, ins: Instruction) -> None:
    n = ins.args[0] if ins.op == Op.SETFIELD else _n(ins, Op.SETFIELD0)
    em.modify(em.field_ptr(em.accu, n), em.stack(0))
    em.pop(1)
    em.accu = str(VAL_UNIT)


@lowers(Op.SETFLOATFIELD)
def lower_setfloatfield(em: Emitter, ins: Instruction) -> None:
    if em.accu in em.lazy:
        em.materialise()
    _store_double(em, em.accu, ins.args[0], unbox(em, em.stack(0)))
    em.pop(1)
    em.accu = str(VAL_UNIT)


@lowers(Op.VECTLENGTH)
def lower_vectlength(em: Emitter, ins: Instruction) -> None:
    # Double_wosize is 1 on 64-bit, so float arrays need no division.
    hd = em.val(f"load i64, ptr {em.field_ptr(em.accu, -1)}", "hd")
    em.accu = em.val_long(em.val(f"lshr i64 {hd}, 10", "wosz"))


@lowers(Op.GETVECTITEM)
def lower_getvectitem(em: Emitter, ins: Instruction) -> None:
    idx = em.long_val(em.stack(0))
    em.pop(1)
    em.accu = em.field(em.accu, idx)


@lowers(Op.SETVECTITEM)
def lower_setvectitem(em: Emitter, ins: Instruction) -> None:
    idx = em.long_val(em.stack(0))
    em.modify(em.field_ptr(em.accu, idx), em.stack(1))
    em.pop(2)
    em.accu = str(VAL_UNIT)


def _byte_ptr(em: Emitter, v: str, idx: str) -> str:
    p = em.val(f"inttoptr i64 {v} to ptr", "p")
    return em.val(f"getelementptr i8, ptr {p}, i64 {idx}", "bp")


@lowers(Op.GETBYTESCHAR, Op.GETSTRINGCHAR)
def lower_getbyteschar(em: Emitter, ins: Instruction) -> None:
    b = em.val(f"load i8, ptr {_byte_ptr(em, em.accu, em.long_val(em.stack(0)))}", "byte")
    em.pop(1)
    em.accu = em.val_long(em.val(f"zext i8 {b} to i64", "c"))


@lowers(Op.SETBYTESCHAR)
def lower_setbyteschar(em: Emitter, ins: Instruction) -> None:
    ptr = _byte_ptr(em, em.accu, em.long_val(em.stack(0)))
    b = em.val(f"trunc i64 {em.long_val(em.stack(1))} to i8", "byte")
    em.e(f"store i8 {b}, ptr {ptr}{TBAA_HEAP}")
    em.pop(2)
    em.accu = str(VAL_UNIT)


def _cond_branch(em: Emitter, cond: str, target: int) -> bool:
    em.branch(cond, [target, em.next_pc])
    return True


@lowers(Op.BRANCH)
def lower_branch(em: Emitter, ins: Instruction) -> bool:
    em.branch(None, [ins.args[0]])
    return True


#: Integer instructions: no allocation, no call, no exception; they read accu (and
#: the top of the stack), which pending floats may not be.
UNARY_INT_OPS: frozenset[Op] = frozenset({Op.OFFSETINT, Op.NEGINT, Op.BOOLNOT, Op.ISINT})
BINARY_INT_OPS: frozenset[Op] = frozenset({
    Op.ADDINT, Op.SUBINT, Op.MULINT, Op.ANDINT, Op.ORINT, Op.XORINT, Op.LSLINT, Op.LSRINT,
    Op.ASRINT, Op.EQ, Op.NEQ, Op.LTINT, Op.LEINT, Op.GTINT, Op.GEINT, Op.ULTINT, Op.UGEINT,
})  # fmt: skip

#: Instructions that leave the function: they box pending floats themselves, once
#: the frame is popped (only what they pass on is boxed).
LEAVES: frozenset[Op] = frozenset({Op.RETURN, Op.APPTERM, Op.APPTERM1, Op.APPTERM2,
                                   Op.APPTERM3})  # fmt: skip

#: Instructions that end a block with jumps only (pending floats may cross them).
@lowers(Op.BRANCHIF, Op.BRANCHIFNOT)
def lower_branchif(em: Emitter, ins: Instruction) -> bool:
    pred = "ne" if ins.op == Op.BRANCHIF else "eq"
    return _cond_branch(em, em.val(f"icmp {pred} i64 {em.accu}, 1", "c"), ins.args[0])


@lowers(Op.SWITCH)
def lower_switch(em: Emitter, ins: Instruction) -> bool:
    nconsts, nblocks, *targets = ins.args
    em.entered_otherwise.update(targets)
    em.spill()
    low = em.val(f"and i64 {em.accu}, 1", "isint")
    isint = em.val(f"icmp ne i64 {low}, 0", "c")
    l_int, l_blk, l_bad = em.new_label("swi"), em.new_label("swb"), em.new_label("swbad")
    em.e(f"br i1 {isint}, label %{l_int}, label %{l_blk}")
    em.label(l_int)
    idx = em.long_val(em.accu)
    cases = " ".join(f"i64 {i}, label %L{t}" for i, t in enumerate(targets[:nconsts]))
    em.e(f"switch i64 {idx}, label %{l_bad} [ {cases} ]")
    em.label(l_blk)
    tag = em.val(f"load i8, ptr {em.field_ptr(em.accu, -1)}", "tag")
    cases = " ".join(f"i8 {i}, label %L{t}" for i, t in enumerate(targets[nconsts:]))
    em.e(f"switch i8 {tag}, label %{l_bad} [ {cases} ]")
    em.label(l_bad)  # interp.c only asserts the index is in range
    em.call("void", "llvm.trap", "")
    em.e("unreachable")
    return True


@lowers(Op.BOOLNOT)
def lower_boolnot(em: Emitter, ins: Instruction) -> None:
    em.accu = em.val(f"sub i64 4, {em.accu}", "not")


@lowers(Op.PUSHTRAP)
def lower_pushtrap(em: Emitter, ins: Instruction) -> bool:
    lay = em.gen.layout
    em.spo -= 4
    trapsp = em.load_state(lay.trapsp)
    here = em.sp_ptr(0)
    t = em.val(f"ptrtoint ptr {trapsp} to i64", "t")
    h = em.val(f"ptrtoint ptr {here} to i64", "h")
    link = em.val(f"sub i64 {t}, {h}", "link")
    em.set_stack(0, em.pc_value(ins.args[0]))
    em.set_stack(1, em.val_long(em.val(f"ashr i64 {link}, 3", "w")))
    em.set_stack(2, em.env)
    em.set_stack(3, em.val_long(em.extra))
    em.store_state(lay.trapsp, here)
    child = em.region.children[ins.pc]
    body = em.gen.region_name(child)
    em.gen.declare_use("camllvm_try")
    status = em.val(
        f"call i32 @camllvm_try(ptr @{body}, ptr {here}, i64 {em.accu}, i64 {em.env}, "
        f"i64 {em.extra}, ptr %rout)", "status")  # fmt: skip
    l_exn, l_ok = em.new_label("exn"), em.new_label("popped")
    raised = em.val(f"icmp ne i32 {status}, 0", "c")
    extra = em.extra
    em.e(f"br i1 {raised}, label %{l_exn}, label %{l_ok}")
    em.label(l_exn)  # raise_notrace in interp.c: pop the trap frame, go to the handler
    em.accu = em.val("load i64, ptr %rout", "exn")
    _pop_trap_frame(em, em.load_state(lay.trapsp))
    em.env, em.extra = em.stack(-2), em.long_val(em.stack(-1))
    em.jump(ins.args[0])
    em.label(l_ok)  # the body reached a POPTRAP: pop the trap frame, continue after it
    em.extra = extra
    em.accu = em.val("load i64, ptr %rout", "accu")
    em.rebase(em.val(f"load ptr, ptr {em.val('getelementptr i8, ptr %rout, i64 8', 'q')}", "sp"))
    em.env = em.val(f"load i64, ptr {em.val('getelementptr i8, ptr %rout, i64 16', 'q')}", "env")
    exit_pc = em.val(f"load i64, ptr {em.val('getelementptr i8, ptr %rout, i64 24', 'q')}", "x")
    _pop_trap_frame(em, em.sp_ptr(0))
    em.spill()
    em.entered_otherwise.update(e + 4 for e in child.exits)
    cases = " ".join(f"i64 {e}, label %L{e + 4}" for e in child.exits)
    em.e(f"switch i64 {exit_pc}, label %L{child.exits[0] + 4} [ {cases} ]"
         if child.exits else "unreachable")
    return True


def _pop_trap_frame(em: Emitter, frame: str) -> None:
    """trapsp = link; sp = frame + 4 (env and extra_args stay readable at sp[-2], sp[-1])."""
    em.rebase(frame, 0)
    link = em.long_val(em.stack(1))
    em.store_state(em.gen.layout.trapsp,
                   em.val(f"getelementptr i64, ptr {frame}, i64 {link}", "trap"))  # fmt: skip
    em.pop(4)


@lowers(Op.POPTRAP)
def lower_poptrap(em: Emitter, ins: Instruction) -> bool:
    if em.region.osr:
        return _poptrap_inline(em, ins)
    # interp.c processes pending actions before popping (and retries the
    # POPTRAP), so that an exception from a signal handler is caught by this
    # trap: do it while still inside the region.
    _actions_before_poptrap(em, ins)
    for k, (v, ty) in enumerate(((em.accu, "i64"), (em.sp_ptr(0), "ptr"), (em.env, "i64"),
                                 (str(ins.pc), "i64"))):  # fmt: skip
        q = em.val(f"getelementptr i8, ptr %out, i64 {8 * k}", "q")
        em.e(f"store {ty} {v}, ptr {q}")
    em.e("ret i32 0")
    return True


def _actions_before_poptrap(em: Emitter, ins: Instruction) -> None:
    """Process pending actions until there are none (interp.c retries the POPTRAP after
    them); continues in a block where none is pending, with the state from before."""
    l_check, l_act, l_pop = em.new_label("popchk"), em.new_label("popact"), em.new_label("pop")
    em.spill()
    em.e(f"br label %{l_check}")
    em.label(l_check)
    em.reload()
    checked = (em.spb, em.spo, em.accu, em.env, em.extra)
    flag = em.val("load volatile i32, ptr @caml_something_to_do", "todo")
    cond = em.val(f"icmp ne i32 {flag}, 0", "c")
    em.e(f"br i1 {cond}, label %{l_act}, label %{l_pop}")
    em.label(l_act)
    em.process_actions(ins.pc)
    em.spill()
    em.e(f"br label %{l_check}")
    em.label(l_pop)
    em.spb, em.spo, em.accu, em.env, em.extra = checked


def _poptrap_inline(em: Emitter, ins: Instruction) -> bool:
    """POPTRAP of a trap the interpreter pushed (OSR code): as interp.c, pending actions
    first (a signal handler's exception is still caught by this trap), then pop it."""
    _actions_before_poptrap(em, ins)
    _pop_trap_frame(em, em.sp_ptr(0))
    em.jump(em.next_pc)
    return True


def _raise(em: Emitter, ins: Instruction, reraise: int | None) -> bool:
    if reraise is not None:
        active = em.load_state(em.gen.layout.backtrace_active, "i64")
        cond = em.val(f"icmp ne i64 {active}, 0", "c")

        def stash() -> None:
            em.push(em.pc_value(ins.pc))
            em.call("void", "caml_stash_backtrace",
                    f"i64 {em.accu}, ptr {em.sp_ptr(0)}, i32 {reraise}")  # fmt: skip

        em.guarded(cond, stash, "bt")
    em.propagate(em.accu)
    return True


@lowers(Op.RAISE)
def lower_raise(em: Emitter, ins: Instruction) -> bool:
    return _raise(em, ins, 0)


@lowers(Op.RERAISE)
def lower_reraise(em: Emitter, ins: Instruction) -> bool:
    return _raise(em, ins, 1)


@lowers(Op.RAISE_NOTRACE)
def lower_raise_notrace(em: Emitter, ins: Instruction) -> bool:
    return _raise(em, ins, None)


@lowers(Op.CHECK_SIGNALS)
def lower_check_signals(em: Emitter, ins: Instruction) -> None:
    em.check_signals(em.next_pc)


@lowers(Op.C_CALL1, Op.C_CALL2, Op.C_CALL3, Op.C_CALL4, Op.C_CALL5)
def lower_c_call(em: Emitter, ins: Instruction) -> None:
    nargs = _n(ins, Op.C_CALL1) + 1
    prim = em.gen.prim_name(ins.args[0])
    fast = INLINE.get(prim)
    args = [em.accu] + [em.stack(i) for i in range(nargs - 1)]
    if fast is None or fast.arity != nargs:
        em.accu = c_call(em, prim, args, em.next_pc)
    else:
        if any(a in em.lazy for a in args[: fast.values]):  # only after Obj.magic
            em.materialise()
            args = [em.accu] + [em.stack(i) for i in range(nargs - 1)]
        em.accu = fast.lower(em, args, em.next_pc)
    em.pop(nargs - 1)


@lowers(Op.C_CALLN)
def lower_c_calln(em: Emitter, ins: Instruction) -> None:
    nargs, index = ins.args
    prim = em.gen.prim_name(index)
    em.push(em.accu)
    em.setup_for_c_call(em.next_pc)
    em.gen.declare_prim(prim, -1)
    em.accu = em.val(f"call i64 @{prim}(ptr {em.sp_ptr(2)}, i32 {nargs})", "prim")
    em.restore_after_c_call()
    em.pop(nargs)


@lowers(Op.CONST0, Op.CONST1, Op.CONST2, Op.CONST3, Op.CONSTINT,
        Op.PUSHCONST0, Op.PUSHCONST1, Op.PUSHCONST2, Op.PUSHCONST3, Op.PUSHCONSTINT)  # fmt: skip
def lower_const(em: Emitter, ins: Instruction) -> None:
    if ins.op >= Op.PUSHCONST0:
        em.push(em.accu)
        n = ins.args[0] if ins.op == Op.PUSHCONSTINT else _n(ins, Op.PUSHCONST0)
    else:
        n = ins.args[0] if ins.op == Op.CONSTINT else _n(ins, Op.CONST0)
    em.accu = str(val_int(n))


_BINARY: dict[Op, str] = {
    # accu OP arg on tagged values, as interp.c writes them
    Op.ANDINT: "and i64 {a}, {b}",
    Op.ORINT: "or i64 {a}, {b}",
}


@lowers(Op.NEGINT)
def lower_negint(em: Emitter, ins: Instruction) -> None:
    em.accu = em.val(f"sub i64 2, {em.accu}", "neg")


@lowers(Op.ADDINT, Op.SUBINT, Op.MULINT, Op.ANDINT, Op.ORINT, Op.XORINT,
        Op.LSLINT, Op.LSRINT, Op.ASRINT)  # fmt: skip
def lower_arith(em: Emitter, ins: Instruction) -> None:
    a, b = em.accu, em.stack(0)
    em.pop(1)
    op = ins.op
    if op == Op.ADDINT:
        s = em.val(f"add i64 {a}, {b}", "add")
        r = em.val(f"sub i64 {s}, 1", "add")
    elif op == Op.SUBINT:
        s = em.val(f"sub i64 {a}, {b}", "sub")
        r = em.val(f"add i64 {s}, 1", "sub")
    elif op == Op.MULINT:
        r = em.val_long(em.val(f"mul i64 {em.long_val(a)}, {em.long_val(b)}", "mul"))
    elif op in _BINARY:
        r = em.val(_BINARY[op].format(a=a, b=b), "bit")
    elif op == Op.XORINT:
        x = em.val(f"xor i64 {a}, {b}", "xor")
        r = em.val(f"or i64 {x}, 1", "xor")
    else:
        # x86 masks shift counts to 6 bits; LLVM would give poison: mask explicitly.
        n = em.val(f"and i64 {em.long_val(b)}, 63", "sh")
        if op == Op.LSLINT:
            m = em.val(f"sub i64 {a}, 1", "sh")
            s = em.val(f"shl i64 {m}, {n}", "sh")
            r = em.val(f"add i64 {s}, 1", "lsl")
        else:
            s = em.val(f"{'lshr' if op == Op.LSRINT else 'ashr'} i64 {a}, {n}", "sh")
            r = em.val(f"or i64 {s}, 1", "shr")
    em.accu = r


@lowers(Op.DIVINT, Op.MODINT)
def lower_divint(em: Emitter, ins: Instruction) -> None:
    divisor = em.long_val(em.stack(0))
    em.pop(1)
    zero = em.val(f"icmp eq i64 {divisor}, 0", "c")
    l_zero, l_ok = em.new_label("divz"), em.new_label("div")
    em.e(f"br i1 {zero}, label %{l_zero}, label %{l_ok}, !prof !0")
    em.label(l_zero)
    saved = (em.spb, em.spo, em.env)
    # interp.c: Setup_for_c_call with pc already past DIVINT, so it stores pc + 1 word.
    em.setup_for_c_call(em.next_pc + 4)
    em.call("void", "caml_raise_zero_divide", "")
    em.e("unreachable")
    em.label(l_ok)
    em.spb, em.spo, em.env = saved
    opname = "sdiv" if ins.op == Op.DIVINT else "srem"
    em.accu = em.val_long(em.val(f"{opname} i64 {em.long_val(em.accu)}, {divisor}", "div"))


_COMPARE = {Op.EQ: "eq", Op.NEQ: "ne", Op.LTINT: "slt", Op.LEINT: "sle", Op.GTINT: "sgt",
            Op.GEINT: "sge", Op.ULTINT: "ult", Op.UGEINT: "uge"}


@lowers(*_COMPARE)
def lower_compare(em: Emitter, ins: Instruction) -> None:
    c = em.val(f"icmp {_COMPARE[ins.op]} i64 {em.accu}, {em.stack(0)}", "c")
    em.pop(1)
    em.accu = em.bool_val(c)


_BRANCH_COMPARE = {Op.BEQ: "eq", Op.BNEQ: "ne", Op.BLTINT: "slt", Op.BLEINT: "sle",
                   Op.BGTINT: "sgt", Op.BGEINT: "sge", Op.BULTINT: "ult", Op.BUGEINT: "uge"}


@lowers(*_BRANCH_COMPARE)
def lower_branch_compare(em: Emitter, ins: Instruction) -> bool:
    # interp.c: if (operand OP Long_val(accu)) branch
    value, target = ins.args
    c = em.val(f"icmp {_BRANCH_COMPARE[ins.op]} i64 {value}, {em.long_val(em.accu)}", "c")
    return _cond_branch(em, c, target)


@lowers(Op.OFFSETINT)
def lower_offsetint(em: Emitter, ins: Instruction) -> None:
    em.accu = em.val(f"add i64 {em.accu}, {ins.args[0] << 1}", "ofs")


@lowers(Op.OFFSETREF)
def lower_offsetref(em: Emitter, ins: Instruction) -> None:
    p = em.field_ptr(em.accu, 0)
    old = em.val(f"load i64, ptr {p}{TBAA_HEAP}", "ref")
    em.e(f"store i64 {em.val(f'add i64 {old}, {ins.args[0] << 1}', 'ref')}, ptr {p}{TBAA_HEAP}")
    em.accu = str(VAL_UNIT)


@lowers(Op.ISINT)
def lower_isint(em: Emitter, ins: Instruction) -> None:
    em.accu = em.val_long(em.val(f"and i64 {em.accu}, 1", "isint"))


@lowers(Op.GETMETHOD)
def lower_getmethod(em: Emitter, ins: Instruction) -> None:
    meths = em.field(em.stack(0), 0)
    em.accu = em.field(meths, em.long_val(em.accu))


@lowers(Op.GETPUBMET)
def lower_getpubmet(em: Emitter, ins: Instruction) -> None:
    """interp.c's method cache: the cache word lives in the code, as for the interpreter."""
    tag = val_int(ins.args[0])
    obj = em.accu
    em.push(obj)
    meths = em.field(obj, 0)
    cache = em.val(f"inttoptr i64 {em.pc_value(ins.pc + 8)} to ptr", "cache")
    word = em.val(f"load i32, ptr {cache}", "cw")
    ofs = em.val(f"and i64 {em.val(f'sext i32 {word} to i64', 'cw')}, {em.field(meths, 1)}", "o")
    mp = em.val(f"inttoptr i64 {meths} to ptr", "m")
    keyp = em.val(f"getelementptr i8, ptr {mp}, i64 {em.val(f'add i64 {ofs}, 24', 'o')}", "k")
    hit = em.val(f"icmp eq i64 {em.val(f'load i64, ptr {keyp}', 'key')}, {tag}", "c")
    l_hit, l_miss, l_join = em.new_label("hit"), em.new_label("miss"), em.new_label("met")
    em.e(f"br i1 {hit}, label %{l_hit}, label %{l_miss}")
    em.label(l_hit)
    vp = em.val(f"getelementptr i8, ptr {mp}, i64 {em.val(f'add i64 {ofs}, 16', 'o')}", "k")
    found = em.val(f"load i64, ptr {vp}", "meth")
    em.e(f"br label %{l_join}")
    em.label(l_miss)
    looked = em.call("i64", "camllvm_getpubmet_miss", f"i64 {obj}, i64 {tag}, ptr {cache}")
    em.e(f"br label %{l_join}")
    em.label(l_join)
    em.accu = em.val(f"phi i64 [ {found}, %{l_hit} ], [ {looked}, %{l_miss} ]", "meth")


@lowers(Op.GETDYNMET)
def lower_getdynmet(em: Emitter, ins: Instruction) -> None:
    em.accu = em.call("i64", "camllvm_getdynmet", f"i64 {em.stack(0)}, i64 {em.accu}")  # type: ignore[assignment]


@lowers(Op.STOP)
def lower_stop(em: Emitter, ins: Instruction) -> bool:
    _require_function(em, "STOP")
    em.gen.reaches_stop = True
    em.ret()
    return True


# ---- the module ----

#: Runtime functions native code calls, with their LLVM declarations.
DECLS: dict[str, str] = {
    "caml_process_pending_actions": "declare void @caml_process_pending_actions()",
    "caml_alloc_small_dispatch": "declare void @caml_alloc_small_dispatch(i64, i32, i32, ptr)",
    "caml_alloc_shr": "declare i64 @caml_alloc_shr(i64, i32)",
    "caml_initialize": "declare void @caml_initialize(ptr, i64)",
    "caml_modify": "declare void @caml_modify(ptr, i64)",
    "caml_realloc_stack": "declare void @caml_realloc_stack(i64)",
    "caml_stash_backtrace": "declare void @caml_stash_backtrace(i64, ptr, i32)",
    "caml_raise_zero_divide": "declare void @caml_raise_zero_divide() noreturn",
    "camllvm_resolve": f"declare {RET} @camllvm_resolve({RET})",
    "camllvm_grab_pap": f"declare {RET} @camllvm_grab_pap(ptr, i64, i64, i64, ptr)",
    "camllvm_actions": f"declare {RET} @camllvm_actions(ptr, i64, i64, i64, i64)",
    "camllvm_try": "declare i32 @camllvm_try(ptr, ptr, i64, i64, i64, ptr)",
    "camllvm_getpubmet_miss": "declare i64 @camllvm_getpubmet_miss(i64, i64, ptr)",
    "camllvm_getdynmet": "declare i64 @camllvm_getdynmet(i64, i64)",
    "llvm.umin.i64": "declare i64 @llvm.umin.i64(i64, i64)",
    "llvm.trap": "declare void @llvm.trap() cold noreturn nounwind",
    "caml_copy_double": "declare i64 @caml_copy_double(double)",
    "caml_array_bound_error": "declare void @caml_array_bound_error() noreturn",
}

#: Attributes of every generated function. noimplicitfloat: the backend must not merge
#: neighbouring 8-byte stack moves (APPTERM's slide of arguments) into 16-byte vector
#: moves: their loads read words stored separately just before, which store forwarding
#: cannot serve (a stall of ~half the time of a method call measured in bench/objects).
FN_ATTRS = "noimplicitfloat"

GLOBALS = """\
@camllvm_domain_state = external global [0 x i8]
@caml_start_code = external global ptr
@caml_global_data = external global i64
@caml_atom_table = external global ptr
@caml_something_to_do = external global i32
@camllvm_table = external global ptr
@camllvm_table_size = external global i64
@camllvm_apply_entry = external global ptr
@camllvm_clear_dead_slots = external global i32
@camllvm_dead_sink = external global i64
"""


#: Emissions of one region at most: each may find more floats to carry across joins.
MAX_EMISSIONS = 4


#: Instructions that call a closure.
CALL_OPS: frozenset[Op] = frozenset({
    Op.APPLY, Op.APPLY1, Op.APPLY2, Op.APPLY3,
    Op.APPTERM, Op.APPTERM1, Op.APPTERM2, Op.APPTERM3,
})  # fmt: skip
#: Largest function (bytecode instructions) a call site inlines.
MAX_INLINED = 40
_ENVACC = {Op.ENVACC1: 1, Op.ENVACC2: 2, Op.ENVACC3: 3, Op.ENVACC4: 4,
           Op.PUSHENVACC1: 1, Op.PUSHENVACC2: 2, Op.PUSHENVACC3: 3, Op.PUSHENVACC4: 4}


def callee_source(ins: Instruction, before: Instruction | None = None) -> tuple[str, int, int] | None:
    """Where the closure ``ins`` (run just after ``before``) leaves in accu comes
    from, if a compiler can look there (see ModuleGen.known_calls)."""
    if Op.GETFIELD0 <= ins.op <= Op.GETFIELD:
        outer = callee_source(before) if before is not None else None
        if outer is None or outer[0] != "env":
            return None
        return ("envfield", outer[1], ins.args[0] if ins.op == Op.GETFIELD else _n(ins, Op.GETFIELD0))
    if ins.op in (Op.GETGLOBALFIELD, Op.PUSHGETGLOBALFIELD):
        return ("global", ins.args[0], ins.args[1])
    if ins.op in _ENVACC or ins.op in (Op.ENVACC, Op.PUSHENVACC):
        return ("env", _ENVACC.get(ins.op) or ins.args[0], 0)
    if ins.op in _OFFSETCLOSURE:
        words = _OFFSETCLOSURE[ins.op]
    elif ins.op in (Op.OFFSETCLOSURE, Op.PUSHOFFSETCLOSURE):
        words = ins.args[0]
    else:
        return None
    return ("offset", words, 0) if words else None  # (0: this very function)


class ModuleGen:
    """Collects the IR of one compilation unit: a function and all its try regions."""

    def __init__(self, code: Mapping[int, Instruction], prims: list[str], layout: StateLayout,
                 names: Mapping[int, str] | None = None) -> None:  # fmt: skip
        self.code = code
        self.prims = prims
        self.layout = layout
        self.names = names or {}
        self.used: set[str] = set()
        self.prim_decls: dict[str, str] = {}
        self.functions: list[str] = []
        self.bytecode_instructions = 0  # lowered, for --stats
        self.self_calls = False  # env is this function's own closure (not a RESTART entry)
        self.unbox_floats = True  # lazy boxing of float results (changes allocation counts)
        self.clear_dead_slots = False  # Val_unit in dead slots before calls (camllvm/liveness.py)
        self.shadow_slots = SHADOW_SLOTS  # stack words also kept in allocas (Emitter.position)
        self.domain_address = 0  # the domain state's fixed address (shim.c), if it is at one
        self.code_address = 0  # the code's fixed address (shim.c), if it is at one
        self.table_address = 0  # the native entries' table's (jitglue.c), if it is at one
        self.code_size = 0  # in bytes
        #: id(region) -> (the region, its analysis): the region is kept, so that its id
        #: is not reused by another region while the entry exists (regions of RESTART
        #: entries and inlined copies are made and dropped one after the other).
        self._liveness: dict[int, tuple[Region, Liveness]] = {}
        self.base_name = ""  # the module's main function (its try regions are named after it)
        self.reaches_stop = False  # some code of the module ends at STOP (toplevel code)
        #: Calls whose callee is known and small: call pc -> callee entry (its copy in
        #: this module is inlined behind a test of the closure's code pointer).
        self.inlined_calls: dict[int, int] = {}

    def declare_use(self, fn: str) -> None:
        self.used.add(fn)

    def prim_name(self, index: int) -> str:
        if not 0 <= index < len(self.prims):
            raise CompileError(f"primitive number {index} is not in the PRIM section")
        name = self.prims[index]
        return OBSERVED_PRIMITIVES.get(name, name)

    def declare_extern(self, name: str, decl: str) -> None:
        """Declare a function that is not a runtime symbol (libm, LLVM intrinsics)."""
        self.prim_decls[name] = decl

    def declare_prim(self, name: str, nargs: int) -> None:
        if name in DECLS or name in GLOBALS:
            raise CompileError(f"primitive {name} clashes with a runtime symbol camllvm uses")
        params = "ptr, i32" if nargs < 0 else ", ".join(["i64"] * nargs)
        self.prim_decls[name] = f"declare i64 @{name}({params})"

    @staticmethod
    def function_name(entry: int) -> str:
        return symbols.function_name(entry)

    @staticmethod
    def inline_name(entry: int) -> str:
        """The module's own copy of a function that call sites inline."""
        return symbols.inline_name(entry)

    @staticmethod
    def osr_name(header: int) -> str:
        """The function entered at a loop header by on-stack replacement."""
        return symbols.osr_name(header)

    def region_name(self, region: Region) -> str:
        return f"{self.base_name}_try{region.start}"

    def compile_function(self, entry: int, toplevel: bool = False) -> str:
        """IR text of the module for the function whose code starts at ``entry``.

        A function that starts with GRAB gets its partial-application entry (the
        RESTART just before it, ``restart_entry``) in the same module."""
        self.entry = entry
        self.base_name = self.function_name(entry)
        self.self_calls = not toplevel
        region = discover_region(self.code, entry, True)
        kind = "toplevel" if toplevel else "closure"
        self._emit_region(region, self.function_name(entry), kind)
        restart = self.restart_entry(entry)
        if restart is not None:
            self.self_calls = False
            self._emit_region(discover_region(self.code, restart, True),
                              self.function_name(restart), "closure")  # fmt: skip
        self._emit_inlined()
        return self.module_text()

    def _emit_inlined(self) -> None:
        """The module's copies of the callees its call sites inline (internal, alwaysinline)."""
        self.self_calls = False
        for callee in sorted(set(self.inlined_calls.values())):
            self._emit_region(discover_region(self.code, callee, True), self.inline_name(callee),
                              "closure")  # fmt: skip
            head, _, rest = self.functions[-1].partition("\n")
            head = head.replace("define ", "define internal ", 1)
            head = head.replace(f") {FN_ATTRS} {{", f") {FN_ATTRS} alwaysinline {{")
            self.functions[-1] = head + "\n" + rest

    def known_calls(self, region: Region) -> dict[int, tuple[str, int, int]]:
        """Calls in ``region`` (and its try bodies) whose closure the instruction just
        before loads from where a compiler can look at it: pc -> ("global", g, f)
        (ocamlc's ``M.f x``), ("env", k, 0) (a function the closure captured) or
        ("offset", words, 0) (a sibling in a recursive definition) or ("envfield",
        k, f) (field f of a captured module: a functor's argument, ``Ord.compare``)."""
        found: dict[int, tuple[str, int, int]] = {}
        todo = [region]
        while todo:
            region = todo.pop()
            todo.extend(region.children.values())
            for leader in region.leaders:
                before = prev = None
                for ins in block_instructions(self.code, region, leader):
                    if ins.op in CALL_OPS and prev is not None:
                        source = callee_source(prev, before)
                        if source is not None:
                            found[ins.pc] = source
                    before, prev = prev, ins
        return found

    def inlinable(self, entry: int) -> bool:
        """Whether a call site may inline the function at ``entry``: small, makes no
        call (its own calls would need its frame protocol) and has no try region."""
        if entry not in self.code or self.code[entry].op == Op.RESTART:
            return False
        region = discover_region(self.code, entry, True)
        if region.children:
            return False
        body = [ins for b in region.leaders for ins in block_instructions(self.code, region, b)]
        return len(body) <= MAX_INLINED and not any(ins.op in CALL_OPS for ins in body)

    def compile_osr(self, region: Region) -> str:
        """IR text of the module entered at a loop header by on-stack replacement: the
        loop (``osr_region``), with the interpreter's stack, env, extra_args and accu
        (``reaches_stop`` tells whether it reaches the toplevel's STOP)."""
        self.entry = region.start
        self.base_name = self.osr_name(region.start)
        self.self_calls = False  # env is the closure, but the prologue is not ours to loop to
        self._emit_region(region, self.base_name, "osr")
        self._emit_inlined()
        return self.module_text()

    def osr_region(self, header: int, compiled: Set[int]) -> Region:
        """The code an OSR function entered at ``header`` runs: its loop (loop_region)."""
        return loop_region(self.code, header, compiled)

    def restart_entry(self, entry: int) -> int | None:
        before = self.code.get(entry - 4)
        first = self.code.get(entry)
        if before is not None and before.op == Op.RESTART and first is not None and first.op == Op.GRAB:
            return entry - 4
        return None

    def _emit_region(self, region: Region, fname: str, kind: str) -> None:
        counted = self.bytecode_instructions
        carried: dict[int, frozenset[int]] = {}
        shadow_in: dict[int, frozenset[int]] = {}
        for _ in range(MAX_EMISSIONS):
            # Again while a join gets more floats to carry, or more shadows valid on
            # every edge into it (an emission assumes what the one before found).
            self.bytecode_instructions = counted
            em = Emitter(self, region, fname, kind, carried, shadow_in)
            text = em.emit()
            found = {t: v for t, v in em.shadow_joins().items() if v}
            confirmed = em.shadows_confirmed()
            more = {h: frozenset(carried.get(h, frozenset()) | slots)
                    for h, slots in em.join_floats.items() if slots and h not in em.irregular}
            floats_done = not self.unbox_floats or all(carried.get(h) == v for h, v in more.items())
            settled = all(found.get(t, frozenset()) == v for t, v in em.assumed.items())
            if confirmed and floats_done and (settled or shadow_in):
                break  # (one emission informed by the one before is enough)
            carried.update(more if not floats_done else {})
            shadow_in = found
        else:
            if not confirmed:  # what the last emission assumed did not hold: assume nothing
                self.bytecode_instructions = counted
                text = Emitter(self, region, fname, kind, carried, {}, exact_joins=False).emit()
        self.functions.append(text)
        for child in region.children.values():
            self._emit_region(child, self.region_name(child), "region")

    def liveness(self, region: Region, kind: str) -> Liveness:
        """Dead slots at the calls of ``region`` (its try bodies first: what they read
        of its words keeps them alive)."""
        known = self._liveness.get(id(region))
        if known is not None and known[0] is region:
            return known[1]
        trap_reads = {pc: self.liveness(child, "region").below
                      for pc, child in region.children.items()}
        opaque = frozenset(region.handoffs | region.interp_exits)
        blocks = {leader: [] if leader in opaque else list(block_instructions(self.code, region, leader))
                  for leader in region.leaders}
        succs = {leader: block_successors(self.code, region, leader) for leader in region.leaders}
        first = self.code[region.start]
        floor = 0
        if kind == "closure" and first.op != Op.RESTART:
            floor = -(first.args[0] + 1) if first.op == Op.GRAB else -1
        result = analyse_region(RegionFlow(region.start, blocks, succs, floor, opaque, trap_reads))
        self._liveness[id(region)] = (region, result)
        return result

    def module_text(self) -> str:
        decls = [DECLS[f] for f in sorted(self.used)] + sorted(self.prim_decls.values())
        name = self.names.get(self.entry)
        header = f"; function at pc {self.entry}" + (f" ({name})" if name else "")
        meta = ['!0 = !{!"branch_weights", i32 1, i32 2000}',  # unlikely
                '!1 = !{!"branch_weights", i32 2000, i32 1}',  # likely
                '!2 = !{}', *TBAA_META]
        return "\n".join([header, GLOBALS, *decls, "", *self.functions, *meta, ""])
