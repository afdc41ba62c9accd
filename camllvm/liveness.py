"""Dead VM-stack slots at call sites, so that compiled code does not keep garbage alive.

ocamlc leaves every local of a function in its frame until the function returns:
`filter p (a :: r)` keeps the list cell and ``r`` in its frame across the
recursive call, so the whole input list stays reachable while the output is
built, and the GC promotes and marks it (OCaml's sieve benchmark promotes 10x
the words under ocamlrun that it does natively). Native code (ocamlopt) keeps
only what is live. Before each non-tail call in a function that calls its own
recursive definition (loads a closure with OFFSETCLOSURE: the deep recursions,
where dead slots pile up) and allocates (see ALLOCATING), compiled code stores
Val_unit in the slots of its frame that no code reads again and that may hold a
pointer not cleared yet; the GC then sees what ocamlopt's would. All its calls,
not only the recursive ones: the sieve's `n :: again (filter p r)` keeps ``r``
alive through the whole of `filter` otherwise (twice ocamlopt's promoted words;
sieve -17 % when cleared). (Clearing before every call of every function cost
the closures benchmark 6 %: a flag test and stores in front of short calls.) Nothing else reads a
dead slot: backtraces look for return addresses, which a value slot never
holds. A program can see when a value dies only through a finaliser, a weak
pointer, an ephemeron or memprof: the first call of one of those primitives
(runtime/build.py's OBSERVED_PRIMITIVES) turns the clearing off for the rest of
the run, since each clearing tests a flag; ``--exact-alloc`` compiles none.

The same analysis tells irgen which unboxed float results need no box when the
frame must be valid for the GC (before a call, an allocation): a slot no code
reads again gets Val_unit instead (nucleic's matrix products: -37 %). Positions
below the region's floor stay live: a handler or the interpreter reads them.

Positions name the words of a region's frame: the word pushed when the height
(words pushed since the region's start) goes from h to h + 1 is position h;
the word at sp[k] on entry is position -1 - k (a function's arguments).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from camllvm.analysis import stack_effect
from camllvm.decoder import Instruction
from camllvm.opcodes import Op

_ACC = {Op.ACC0: 0, Op.ACC1: 1, Op.ACC2: 2, Op.ACC3: 3, Op.ACC4: 4, Op.ACC5: 5,
        Op.ACC6: 6, Op.ACC7: 7}  # fmt: skip
_PUSHACC = {Op.PUSHACC1: 1, Op.PUSHACC2: 2, Op.PUSHACC3: 3, Op.PUSHACC4: 4,
            Op.PUSHACC5: 5, Op.PUSHACC6: 6, Op.PUSHACC7: 7}  # fmt: skip
#: Pushes of a value that is never a pointer (its slot needs no clearing).
_CLEAN_PUSHES = frozenset({Op.PUSHCONST0, Op.PUSHCONST1, Op.PUSHCONST2, Op.PUSHCONST3,
                           Op.PUSHCONSTINT})  # fmt: skip
#: Non-tail calls: n arguments on top, then (APPLY only) PUSH_RETADDR's frame below them.
CALLS = {Op.APPLY1: 1, Op.APPLY2: 2, Op.APPLY3: 3, Op.APPLY: 0}
#: Instructions that may allocate. A recursion whose own code allocates nothing keeps
#: in its frames only what it was given (integers, in fib or tak): clearing its slots
#: cost takack up to 18 %, for nothing the GC would not keep anyway.
ALLOCATING = frozenset({
    Op.MAKEBLOCK, Op.MAKEBLOCK1, Op.MAKEBLOCK2, Op.MAKEBLOCK3, Op.MAKEFLOATBLOCK,
    Op.CLOSURE, Op.CLOSUREREC, Op.C_CALL1, Op.C_CALL2, Op.C_CALL3, Op.C_CALL4, Op.C_CALL5,
    Op.C_CALLN,
})  # fmt: skip
#: Loads of a closure of the function's own recursive definition.
RECURSIVE_CLOSURES = frozenset({
    Op.OFFSETCLOSUREM3, Op.OFFSETCLOSURE0, Op.OFFSETCLOSURE3, Op.OFFSETCLOSURE,
    Op.PUSHOFFSETCLOSUREM3, Op.PUSHOFFSETCLOSURE0, Op.PUSHOFFSETCLOSURE3, Op.PUSHOFFSETCLOSURE,
})  # fmt: skip
_APPTERMS = {Op.APPTERM1: 1, Op.APPTERM2: 2, Op.APPTERM3: 3, Op.APPTERM: 0}


class RegionFlow(NamedTuple):
    """What the analysis needs of one region (irgen.Region): its blocks and edges."""

    start: int
    blocks: Mapping[int, Sequence[Instruction]]  # leader -> instructions, in order
    succs: Mapping[int, Sequence[int]]  # leader -> leaders control goes to next
    floor: int  # lowest position that may be cleared (-arity for a function, else 0)
    #: Leaders where code we do not see goes on (the interpreter, another OSR
    #: function): every position is live there.
    opaque: frozenset[int]
    #: PUSHTRAP pc -> positions below its try body's start that the body reads,
    #: relative to that start (see ``Liveness.below``).
    trap_reads: Mapping[int, frozenset[int]]


class Liveness(NamedTuple):
    clears: dict[int, tuple[int, ...]]  # call pc -> sp offsets (before the call) to clear
    below: frozenset[int]  # positions < 0 the region reads (or assigns): its parent's words
    height: Mapping[int, int]  # pc -> words pushed since the region's start, before it
    live_out: Mapping[int, set[int]]  # pc -> positions some later code reads
    #: Positions below it belong to the parent (a try body's, an OSR function's
    #: interpreter frame): code out of sight (a handler, the interpreter) may read them.
    floor: int

    def dead_before(self, ins: Instruction, k: int) -> bool:
        """Whether sp[k], before ``ins``, is read neither by it nor by any later code."""
        h = self.height.get(ins.pc)
        if h is None or ins.op is Op.PUSHTRAP:  # (a try body may read it)
            return False
        p = h - 1 - k
        return self._unread_after(ins.pc, p) and p not in _accesses(ins, h)[0]

    def dead_after(self, pc: int, k: int, pushed: int) -> bool:
        """Whether sp[k], once the instruction at ``pc`` has pushed ``pushed`` words
        (popped, if negative), is read by no later code."""
        h = self.height.get(pc)
        return h is not None and self._unread_after(pc, h + pushed - 1 - k)

    def live_before(self, ins: Instruction) -> Callable[[int], bool] | None:
        """Whether a position is read by ``ins`` or by code after it (None: unknown)."""
        h, live = self.height.get(ins.pc), self.live_out.get(ins.pc)
        if h is None or live is None or ins.op is Op.PUSHTRAP:  # (a try body may read it)
            return None
        live = live | set(_accesses(ins, h)[0])
        return lambda p: p < self.floor or p in live

    def _unread_after(self, pc: int, p: int) -> bool:
        live = self.live_out.get(pc)
        return live is not None and p >= self.floor and p not in live


def _accesses(ins: Instruction, h: int) -> tuple[list[int], list[int], int]:
    """(positions read, positions written, height after) of ``ins`` at height ``h``."""
    op, args = ins.op, ins.args
    after = h + stack_effect(ins)
    if op in _ACC:
        return [h - 1 - _ACC[op]], [], after
    if op is Op.ACC:
        return [h - 1 - args[0]], [], after
    if op in _PUSHACC:
        return [h - _PUSHACC[op]], [h], after
    if op is Op.PUSHACC:
        return [h - args[0]], [h], after
    if op is Op.ASSIGN:
        return [], [h - 1 - args[0]], after
    if op is Op.GETMETHOD or op is Op.GETDYNMET:  # the object at sp[0] stays there
        return [h - 1], [], after
    if op is Op.CLOSUREREC:
        nvars = args[1]
        bottom = h - max(nvars - 1, 0)
        return list(range(bottom, h)), list(range(bottom, after)), after
    if op is Op.POP or op is Op.POPTRAP or op is Op.PUSHTRAP:
        return [], [], after
    if op in _APPTERMS:  # the arguments on top (the rest of the frame is discarded)
        nargs = _APPTERMS[op] or args[0]
        return list(range(h - nargs, h)), [], h
    if op in (Op.RETURN, Op.RAISE, Op.RERAISE, Op.RAISE_NOTRACE, Op.STOP):
        return [], [], h
    if after < h:  # consumes its operands (arguments of a call, of a primitive, ...)
        return list(range(after, h)), [], after
    return [], list(range(h, after)), after


def _heights(flow: RegionFlow) -> tuple[dict[int, int], dict[int, int]]:
    """Height before every instruction of the region, and at every block reached."""
    height: dict[int, int] = {}
    block_in = {flow.start: 0}
    todo = [flow.start]
    while todo:
        leader = todo.pop()
        h = block_in[leader]
        if leader in flow.opaque:
            continue
        for ins in flow.blocks[leader]:
            height[ins.pc] = h
            if ins.op is Op.PUSHTRAP:
                break  # handler and the code after the body: the height before it
            h = _accesses(ins, h)[2]
        for s in flow.succs[leader]:
            if s not in block_in and s in flow.blocks:
                block_in[s] = h
                todo.append(s)
    return height, block_in


def _live_out(flow: RegionFlow, height: Mapping[int, int],
              block_in: Mapping[int, int]) -> tuple[dict[int, set[int]], set[int]]:
    """Positions live after every instruction (backward dataflow), and the positions
    below the region's start that it reads."""
    live_out: dict[int, set[int]] = {}
    block_live = {leader: set(range(flow.floor, block_in[leader]))
                  for leader in flow.opaque if leader in block_in}
    below: set[int] = set()
    changed = True
    while changed:
        changed = False
        for leader in sorted(block_in, reverse=True):
            if leader in flow.opaque:
                continue
            live: set[int] = set()
            for s in flow.succs[leader]:
                live |= block_live.get(s, set())
            for ins in reversed(flow.blocks[leader]):
                h = height[ins.pc]
                live_out[ins.pc] = live
                reads, writes, _ = _accesses(ins, h)
                if ins.op is Op.PUSHTRAP:  # its try body may read our words
                    reads = [h + 4 + c for c in flow.trap_reads.get(ins.pc, ())]
                live = {p for p in live.difference(writes) if p < h}.union(reads)
                below.update(p for p in reads if p < 0)
            if block_live.get(leader) != live:
                block_live[leader] = live
                changed = True
    return live_out, below


def analyse_region(flow: RegionFlow) -> Liveness:
    """The slots each non-tail call of the region clears (see the module docstring)."""
    height, block_in = _heights(flow)
    live_out, below = _live_out(flow, height, block_in)
    clears: dict[int, tuple[int, ...]] = {}
    ops = {ins.op for b in flow.blocks.values() for ins in b}
    if ops.isdisjoint(ALLOCATING) or ops.isdisjoint(RECURSIVE_CLOSURES):  # (fib, tak: nothing to clear)
        return Liveness(clears, frozenset(below), height, live_out, flow.floor)
    dirty_in: dict[int, frozenset[int]] = {flow.start: frozenset(range(flow.floor, 0))}
    frames_in: dict[int, frozenset[int]] = {flow.start: frozenset()}
    todo = [flow.start]
    while todo:
        leader = todo.pop()
        dirty, frames = set(dirty_in[leader]), set(frames_in[leader])
        if leader in flow.opaque:
            continue
        for ins in flow.blocks[leader]:
            h = height[ins.pc]
            if ins.op is Op.PUSHTRAP:
                break
            nargs = CALLS.get(ins.op)
            if nargs is not None:
                nargs = nargs or ins.args[0]
                bottom = h - nargs - (3 if ins.op is Op.APPLY else 0)
                after = live_out[ins.pc]
                dead = sorted(p for p in dirty if flow.floor <= p < bottom
                              and p not in frames and p not in after)
                if dead:
                    clears[ins.pc] = tuple(h - 1 - p for p in dead)
                    dirty.difference_update(dead)
            reads, writes, h_after = _accesses(ins, h)
            if ins.op is Op.PUSH_RETADDR:
                frames.update(writes)
                dirty.difference_update(writes)
            elif ins.op in _CLEAN_PUSHES:
                dirty.difference_update(writes)
            else:
                dirty.update(writes)
            dirty = {p for p in dirty if p < h_after}
            frames = {p for p in frames if p < h_after}
        for s in flow.succs[leader]:
            if s not in flow.blocks:
                continue
            new_d = dirty_in.get(s, frozenset()) | dirty
            new_f = frames_in.get(s, frozenset()) | frames
            if s not in dirty_in or new_d != dirty_in[s] or new_f != frames_in[s]:
                dirty_in[s], frames_in[s] = frozenset(new_d), frozenset(new_f)
                todo.append(s)
    return Liveness(clears, frozenset(below), height, live_out, flow.floor)

