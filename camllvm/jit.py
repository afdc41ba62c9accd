"""The JIT: compiles functions lazily on first call and installs them in the runtime's native table.

The runtime (jitglue.c) asks ``compile_at(offset)`` the first time a function
runs; we answer with the address of its native code, or 0 to leave it to
OCaml's interpreter (mixed mode). Errors cannot travel back through C, so a
function that cannot be compiled ends the program with one line.
"""

from __future__ import annotations

import ctypes
import os
import sys
import time

from camllvm.digest import blake2b
from camllvm.errors import CamllvmError
from camllvm.glue import GLUE_FUNCTIONS
from camllvm.reader import Executable
from camllvm.runtime.bridge import Runtime, StateLayout
from camllvm.symbols import function_name, osr_name

TYPE_CHECKING = False  # (typing's: typing, re and pathlib cost ~17 ms of a run's start-up)
if TYPE_CHECKING:  # (the IR generator is imported when a function is first compiled:
    #               a run that compiles nothing, or only loads cached code, never needs it)
    from collections.abc import Callable
    from pathlib import Path

    from camllvm.codecache import HotLibrary
    from camllvm.decoder import Instruction, LazyCode
    from camllvm.engine import Engine
    from camllvm.irgen import ModuleGen, Region
    from camllvm.opcodes import Op

COMPILE_FN = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_long)
TIER_FN = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_long, ctypes.c_long)
START_FN = ctypes.CFUNCTYPE(None)
ATEXIT_FN = ctypes.CFUNCTYPE(None)
#: A tier hook's answer while the code compiles in the background (tier.c's PENDING),
#: and the kinds of results the compiling thread hands to tier.c (camllvm_tier_ready).
PENDING = 1
READY_ENTRY, READY_TABLE, READY_LOOP = 0, 1, 2


class FunctionPlan:
    """What compiling the function at ``offset`` needs that only the thread running OCaml
    may read (the closures the program holds now: ``inlined``)."""

    __slots__ = ("offset", "entry", "restart", "inlined", "source_key")

    def __init__(self, offset: int, entry: int, restart: int | None, inlined: dict[int, int],
                 source_key: str) -> None:  # fmt: skip
        self.offset = offset  # the entry asked for (the function's, or its RESTART's)
        self.entry = entry  # the function's own entry
        self.restart = restart
        self.inlined = inlined
        self.source_key = source_key


class LoopPlan:
    """The same for the on-stack-replacement code of a loop."""

    __slots__ = ("header", "gen", "region", "source_key", "handoffs")

    def __init__(self, header: int, gen: ModuleGen, region: Region, source_key: str,
                 handoffs: list[int]) -> None:  # fmt: skip
        self.header = header
        self.gen = gen
        self.region = region
        self.source_key = source_key
        self.handoffs = handoffs


class JitOptions:
    """How ``camllvm run`` compiles: which functions, how hard, what to show."""

    def __init__(self, mode: str = "all", only: list[str] | None = None,
                 seed: int | None = None, opt: int = 1, dump_ir: Path | None = None,
                 dump_asm: Path | None = None, stats: bool = False, perf_map: bool = False,
                 verify: bool = False, cache_dir: str | None = None,
                 unbox_floats: bool = True, tier_calls: int = 0,
                 tier_loops: int = 0, tier_delay: int = 0, background: bool = True,
                 clear_dead_slots: bool = False) -> None:  # fmt: skip
        self.mode = mode  # "all": every function that runs; "only": a chosen subset;
        #                   "tiered": what runs often (camllvm/tier.py)
        self.only = only if only is not None else []  # pcs or names for mode "only"
        self.seed = seed  # mode "only": compile a random half of the functions
        self.opt = opt
        self.dump_ir = dump_ir
        self.dump_asm = dump_asm
        self.stats = stats
        self.perf_map = perf_map  # write /tmp/perf-PID.map at exit, so perf names native code
        self.verify = verify
        self.cache_dir = cache_dir  # directory of persistent object code (None: no cache)
        self.unbox_floats = unbox_floats  # lazy float boxing (changes allocation counts, not results)
        self.tier_calls = tier_calls  # mode "tiered": calls before a function is compiled (0: default)
        self.tier_loops = tier_loops  # ... and loop iterations before on-stack replacement
        self.tier_delay = tier_delay  # ... and milliseconds before the first compilation
        self.background = background  # mode "tiered": compile on a thread of our own
        self.clear_dead_slots = clear_dead_slots  # before recursive calls (camllvm/liveness.py)


class JitStats:
    def __init__(self) -> None:
        self.functions = 0
        self.instructions = 0  # LLVM IR lines
        self.bytecode = 0  # bytecode instructions lowered
        self.irgen = 0.0
        self.llvm_load = 0.0  # loading LLVM, making the engines, installing the glue
        self.warm_started = 0  # functions of the hot list installed before the program ran
        self.from_library = 0  # of which from its hot library (dlopen, no LLVM)
        self.loops_from_library = 0  # OSR code from the hot library


CLOSURE_TAG, INFIX_TAG, NO_SCAN_TAG = 247, 249, 251


class CompileQueue:
    """The background compilations waiting for the compiling thread. The next one is the
    function or loop that ran most in the interpreter while it waited (its tier.c site
    counted most since it was queued; the first queued among equals): when a program
    starts a new phase, 10-25 functions get hot at once, and the code that runs gets
    native first. A call from native code (no site; every such call crosses tiers)
    goes before the rest."""

    def __init__(self, hits: Callable[[int], int]) -> None:
        import threading

        self._hits = hits  # tier.c's count at a site (-1: no site)
        self._jobs: list[tuple[Callable[[], None], int, int]] = []  # (job, site, hits then)
        self._ready = threading.Condition()
        self.waited = 0  # calls and iterations interpreted in queue (--stats)
        self.taken = 0  # jobs handed to the compiling thread (--stats)

    def put(self, job: Callable[[], None], site: int) -> None:
        with self._ready:
            self._jobs.append((job, site, self._hits(site)))
            self._ready.notify()

    def get(self) -> Callable[[], None]:
        with self._ready:
            while not self._jobs:
                self._ready.wait()
            # (no site first; then the most calls or iterations since it was queued)
            keys = [(then < 0, 0 if then < 0 else self._hits(site) - then)
                    for _, site, then in self._jobs]  # fmt: skip
            best = keys.index(max(keys))
            self.taken += 1
            self.waited += keys[best][1]
            return self._jobs.pop(best)[0]


def _is_block(v: int | None) -> bool:
    return v is not None and v != 0 and not v & 1


def _header(v: int) -> int:
    return ctypes.c_ulong.from_address(v - 8).value


def _tag(v: int) -> int:
    return _header(v) & 0xFF


def _is_closure(v: int | None) -> bool:
    return _is_block(v) and _tag(v) in (CLOSURE_TAG, INFIX_TAG)


def _extent(v: int) -> tuple[int, int]:
    """(first field, one past the last) of the block v points into: an infix
    pointer (a closure of a recursive definition) lies inside its block."""
    if _tag(v) == INFIX_TAG:
        start = v - 8 * (_header(v) >> 10)
        return start, start + 8 * (_header(start) >> 10)
    return v, v + 8 * (_header(v) >> 10)


def _field(v: int | None, i: int) -> int | None:
    """Field i of the structured OCaml block v, if it has one."""
    if not _is_block(v) or _tag(v) >= NO_SCAN_TAG:
        return None
    start, end = _extent(v)
    at = v + 8 * i
    return ctypes.c_long.from_address(at).value if start <= at < end else None


def _sibling(clos: int | None, words: int) -> int | None:
    """OFFSETCLOSURE's result from closure clos: a closure of the same block."""
    if not _is_closure(clos):
        return None
    start, end = _extent(clos)
    at = clos + 8 * words
    return at if start <= at < end and (at == start or _tag(at) == INFIX_TAG) else None


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _hot_plans(lines: list[str]) -> list[FunctionPlan]:
    """The plans of a hot list's lines (Jit._hot_list), the last line of each entry (a
    run whose cache had lost the code compiled it again, maybe with other inlined
    callees); malformed lines (a run killed while writing) are skipped."""
    plans: dict[int, FunctionPlan] = {}
    for line in lines:
        parts = line.split(" ")
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].lstrip("-").isdigit():
            continue
        entry, restart = int(parts[0]), int(parts[1])
        plans[entry] = FunctionPlan(entry, entry, None if restart < 0 else restart, {}, parts[2])
    return list(plans.values())


def _hot_loops(lines: list[str]) -> dict[int, str]:
    """The OSR lines of a hot list ("osr header source_key"): header -> source key, the
    last line of each header; only loops whose hand-off targets are listed too, as the
    hot library must define every OSR function its code goes on in."""
    loops: dict[int, str] = {}
    for line in lines:
        parts = line.split(" ")
        if len(parts) == 3 and parts[0] == "osr" and parts[1].isdigit():
            loops[int(parts[1])] = parts[2]
    while True:  # (dropping a loop may strand the loops that hand off to it)
        kept = {h: key for h, key in loops.items() if set(_handoffs(key)) <= loops.keys()}
        if len(kept) == len(loops):
            return kept
        loops = kept


def _handoffs(source_key: str) -> list[int]:
    """The hand-off targets a loop's source key names (Jit._plan_osr: ":osr:[h, ...]")."""
    _, found, rest = source_key.partition(":osr:[")
    listed = rest.partition("]")[0].split(",") if found else []
    return [int(h) for h in listed if h.strip().isdigit()]


def _inline_key(inlined: dict[int, int]) -> str:
    """What the choice of inlined callees adds to a module's cache key."""
    return "".join(f":{call}>{target}" for call, target in sorted(inlined.items()))


class Jit:
    """Compiles the functions of one executable on demand."""

    def __init__(self, exe: Executable, runtime: Runtime, options: JitOptions) -> None:
        self.exe = exe
        self.runtime = runtime
        self.options = options
        self.stats = JitStats()
        self._code: LazyCode | None = None
        self._names: dict[int, str] | None = None
        self.prims = exe.prims  # the property splits PRIM on every access
        self._program_digest: str | None = None
        self.layout = self._state_layout()
        self._engines: tuple[Engine, Engine] | None = None  # made by the first compile
        self.selected = self._selection()
        self._callbacks: list[object] = []  # keep ctypes callbacks alive
        self._native: dict[int, int] = {}  # native address -> entry pc (for --perf-map)
        self._osr: dict[int, tuple[int, bool]] = {}  # loop header -> (address, ends at STOP)
        self._inlinable: dict[int, bool] = {}  # function entry -> ModuleGen.inlinable
        self._jobs: CompileQueue | None = None  # background compiles
        self._engine_lock: "threading.Lock | None" = None  # once the compiling thread runs
        self._remembered: set[int] = set()  # entries on the hot list (see _remember)
        self._remembered_loops: set[int] = set()  # loop headers on it
        self._library: HotLibrary | None = None  # loaded by the warm start
        self._linked_loops: dict[str, int] = {}  # OSR code taken from it: name -> address
        self._glue_installed = False  # from the hot library, or compiled with the engines

    def _fixed_addresses(self) -> tuple[int, int, int]:
        """Where the runtime put the domain state, the program's code (shim.c) and the
        table of native entries (jitglue.c) once the program is loaded: fixed
        addresses, or 0 where it could not (ModuleGen's fields of the same names)."""
        names = ("camllvm_domain_address", "camllvm_code_address", "camllvm_table_address")
        a, b, c = (ctypes.c_ulong.in_dll(self.runtime.lib, n).value for n in names)
        return a, b, c

    @property
    def engine(self) -> Engine:
        return self._make_engines()[0]

    @property
    def cold_engine(self) -> Engine:
        """The toplevel (module initialisers) runs exactly once: optimising it never pays."""
        return self._make_engines()[1]

    def _make_engines(self) -> tuple[Engine, Engine]:
        """LLVM is loaded (40 ms) and the glue installed when the first function is
        compiled: a run of the tiered mode that compiles nothing never needs them."""
        if self._engines is None:
            t0 = time.perf_counter()
            from camllvm.engine import Engine

            opts, path = self.options, self.runtime.path
            # --dump-ir wants every module compiled, so it bypasses the cache.
            cache = None if opts.dump_ir or opts.dump_asm else opts.cache_dir
            hot = Engine(opts.opt, path, verify=opts.verify, cache_dir=cache)
            cold = hot if opts.opt == 0 else Engine(0, path, verify=opts.verify, cache_dir=cache)
            self._engines = hot, cold
            for name, address in self._linked_loops.items():  # (hand-off targets)
                Engine.define(name, address)
            if not self._glue_installed:
                self._install_glue(hot)
            self.stats.llvm_load = time.perf_counter() - t0
        return self._engines

    @property
    def code(self) -> LazyCode:
        """Decoded CODE, instruction by instruction as compiling needs them."""
        if self._code is None:
            from camllvm.decoder import LazyCode

            self._code = LazyCode(self.exe.code, self.exe.path)
        return self._code

    def opcode_at(self, offset: int) -> Op | None:
        """The opcode of the word at ``offset``, read without decoding the program."""
        if offset < 0 or offset + 4 > len(self.exe.code) or offset % 4:
            return None
        from camllvm.opcodes import Op  # (~8 ms: not before a function is compiled)

        word = int.from_bytes(self.exe.code[offset : offset + 4], "little")
        return Op(word) if word < len(Op) else None

    def restart_entry(self, entry: int) -> int | None:
        """The RESTART entry compiled with a function that starts with GRAB (ModuleGen too)."""
        from camllvm.opcodes import Op

        if self.opcode_at(entry) == Op.GRAB and self.opcode_at(entry - 4) == Op.RESTART:
            return entry - 4
        return None

    def _state_layout(self) -> StateLayout:
        off = self.runtime.lib.camllvm_state_offset
        off.restype = ctypes.c_long
        names = ("young_limit", "young_ptr", "stack_threshold", "extern_sp", "trapsp",
                 "external_raise", "exn_bucket", "backtrace_active", "local_roots",
                 "stack_high", None, "young_start", "young_end")  # fmt: skip
        return StateLayout(**{n: off(i) for i, n in enumerate(names) if n is not None})

    def function_entries(self) -> list[int]:
        """Entry pcs of every closure the program can create (CLOSURE/CLOSUREREC targets)."""
        from camllvm.opcodes import Op

        entries: set[int] = set()
        for ins in self.code.all():
            if ins.op == Op.CLOSURE:
                entries.add(ins.args[1])
            elif ins.op == Op.CLOSUREREC:
                entries.update(ins.args[2:])
        return sorted(entries)

    def _selection(self) -> set[int] | None:
        """The function entries mode "only" compiles (None: all of them)."""
        if self.options.mode == "all":
            return None
        if self.options.mode == "tiered":
            return set()  # grows as functions get hot
        entries = self.function_entries()
        if self.options.seed is not None:
            import random

            rng = random.Random(self.options.seed)
            chosen = {e for e in entries if rng.random() < 0.5}
            if rng.random() < 0.5:
                chosen.add(0)
            return chosen
        chosen = set()
        for spec in self.options.only:
            chosen.update(self._resolve(spec, entries))
        return chosen

    def names(self) -> dict[int, str]:
        """Source names of functions (from DBUG; read only when asked for: seconds on big files)."""
        if self._names is None:
            from camllvm.debuginfo import debug_events
            from camllvm.analysis import analyse_code, name_functions

            program = analyse_code(self.code.all(), self.exe.path)
            name_functions(program, debug_events(self.exe))
            self._names = {e: f.name for e, f in program.functions.items() if f.name}
        return self._names

    def _resolve(self, spec: str, entries: list[int]) -> set[int]:
        """--jit-only item: an entry pc, a full name (Mod.f) or an unqualified one (f)."""
        if spec.isdigit():
            if int(spec) not in entries and int(spec) != 0:
                raise CamllvmError(f"--jit-only: no function starts at pc {spec}")
            return {int(spec)}
        found = {e for e, n in self.names().items() if n == spec or n.split(".")[-1] == spec}
        if not found:
            raise CamllvmError(f"--jit-only: no function named {spec!r} (is it compiled with -g?)")
        return found

    # ---- called from the runtime ----

    def compile_at(self, offset: int) -> int:
        """Native code address for the function at byte offset ``offset`` (0: interpret it)."""
        try:
            if not self._is_selected(offset):
                return 0
            return self._compile(offset)
        except CamllvmError as err:
            if self.options.mode == "tiered":  # the interpreter runs what cannot be compiled
                _debug(f"camllvm: pc {offset} stays interpreted: {err}")
                return 0
            _die(f"camllvm: {self.exe.path}: {err}", 2)
        except OSError as err:  # see _guarded
            _debug(f"camllvm: pc {offset} stays interpreted: {err}")
        except Exception as err:  # noqa: BLE001 - nothing may unwind into C
            if os.environ.get("CAMLLVM_DEBUG"):
                import traceback

                traceback.print_exc()
            _die(f"camllvm: internal error compiling pc {offset}: {type(err).__name__}: {err}", 3)
        return 0

    def _is_selected(self, offset: int) -> bool:
        """Whether the function at ``offset`` (an entry or a RESTART entry) is to be
        compiled; tiered runs ask it of every function native code first calls, so the
        opcode is only looked at (which imports the opcode enum) when it matters."""
        if self.selected is None or offset in self.selected:
            return True
        return offset + 4 in self.selected and self._entry_of(offset) == offset + 4

    def _entry_of(self, offset: int) -> int:
        """A RESTART entry belongs to the function whose GRAB follows it."""
        from camllvm.opcodes import Op

        return offset + 4 if self.opcode_at(offset) == Op.RESTART else offset

    def _compile(self, offset: int) -> int:
        plan = self._plan(offset)
        return self._install(plan, self._build(plan))

    def _install(self, plan: FunctionPlan, addresses: dict[str, int]) -> int:
        """The address of the entry asked for; the other entry goes into the table now,
        not to be compiled again."""
        offset = plan.offset
        if plan.restart is not None:
            other = plan.restart if offset == plan.entry else plan.entry
            if other != offset:
                self._set_native(other, addresses[function_name(other)])
        self._remember(plan)
        return addresses[function_name(offset)]

    def _plan(self, offset: int) -> FunctionPlan:
        entry = self._entry_of(offset)  # a RESTART entry is compiled with its function
        inlined = self._inlined_calls(entry, None)
        source_key = self._source_key(entry) + _inline_key(inlined)
        return FunctionPlan(offset, entry, self.restart_entry(entry), inlined, source_key)

    def _build(self, plan: FunctionPlan) -> dict[str, int]:
        """Native code of a function and its RESTART entry (from the cache, or compiled)."""
        entry, restart = plan.entry, plan.restart
        addresses = self._cached(plan)
        if addresses is None:
            if plan.offset not in self.code:
                raise CamllvmError(f"pc {plan.offset}: not an instruction boundary")
            self.stats.functions += 1
            t0 = time.perf_counter()
            gen = self._module_gen()
            gen.inlined_calls = plan.inlined
            ir = gen.compile_function(entry, toplevel=entry == 0)
            self.stats.irgen += time.perf_counter() - t0
            self._dump(entry, ".ll", ir)  # before compiling, so that a failure can be inspected
            names = self._entry_names(plan)
            engine = self.cold_engine if entry == 0 else self.engine
            addresses, optimised = engine.compile(ir, names, plan.source_key, self._want_ir())
            self.stats.instructions += sum(len(f.splitlines()) for f in gen.functions)
            self.stats.bytecode += gen.bytecode_instructions
            self._dump(entry, ".opt.ll", optimised)
        if self.options.perf_map:
            self._native.update({addresses[function_name(e)]: e
                                 for e in (entry, restart) if e is not None})  # fmt: skip
        return addresses

    def tier_call(self, offset: int, site: int) -> int:
        """tier.c: the function at ``offset`` is hot. Its native code (0: interpret it;
        PENDING: it is being compiled in the background, tier.c will get it)."""
        assert self.selected is not None
        if offset in self.selected:  # (both counters of a function may reach the threshold)
            return 0
        self.selected.add(offset)
        if not self.options.background:
            return self.compile_at(offset)
        plan = self._guarded(lambda: self._plan(offset), f"pc {offset}")
        if plan is None:
            return 0
        if self._engines is None:  # the first one loads LLVM: now, as the glue must be there
            return self.compile_at(offset)
        cached = self._now_if_idle(lambda: self._guarded(lambda: self._cached(plan), "cache"))
        if cached:
            return self._install(plan, cached)
        if not self._queued(lambda: self._finish_function(plan, site), site, f"pc {offset}"):
            return 0
        return PENDING

    def _now_if_idle(self, work):  # noqa: ANN001, ANN202 - a thunk and its result
        """work() on this thread if the compiling thread is not using LLVM (else None):
        code from the cache costs a few ms, less than interpreting meanwhile."""
        if self._engine_lock is None:
            return work()
        if not self._engine_lock.acquire(blocking=False):
            return None
        try:
            return work()
        finally:
            self._engine_lock.release()

    @staticmethod
    def _entry_names(plan: FunctionPlan) -> list[str]:
        return [function_name(e) for e in (plan.entry, plan.restart) if e is not None]

    def _cached(self, plan: FunctionPlan) -> dict[str, int] | None:
        """The function's code from the code cache, if it is there."""
        engine = self.cold_engine if plan.entry == 0 else self.engine
        addresses = engine.cached(plan.source_key, self._entry_names(plan))
        if addresses is not None:
            self.stats.functions += 1
        return addresses

    def _module_gen(self) -> ModuleGen:
        from camllvm.irgen import ModuleGen

        gen = ModuleGen(self.code, self.prims, self.layout)
        gen.unbox_floats = self.options.unbox_floats
        gen.clear_dead_slots = self.options.clear_dead_slots and self.options.unbox_floats
        gen.domain_address, gen.code_address, gen.table_address = self._fixed_addresses()
        gen.code_size = len(self.exe.code)
        return gen

    def _finish_function(self, plan: FunctionPlan, site: int) -> None:
        """The compiling thread: build the function and hand its entries to tier.c."""
        ready = self._ready_fn()
        assert self._engine_lock is not None
        with self._engine_lock:
            addresses = self._guarded(lambda: self._build(plan), f"pc {plan.offset}")
        if addresses is None:
            ready(READY_ENTRY, plan.entry // 4, site, None, 0)
            return
        if plan.restart is not None:
            ready(READY_TABLE, plan.restart // 4, -1, addresses[function_name(plan.restart)], 0)
        ready(READY_ENTRY, plan.entry // 4, site, addresses[function_name(plan.entry)], 0)
        self._remember(plan)

    def tier_loop(self, header: int, site: int) -> int:
        """tier.c: the loop at ``header`` is hot. Native code entered there (0: none;
        PENDING: being compiled)."""
        if header in self._osr:  # another backward branch to the same header, or pending
            address, stops = self._osr[header]
            return address if address == PENDING else self._set_stops(site, stops, address)
        linked = self._library_loop(header)
        if linked is not None:
            self._osr[header] = address, stops = linked
            return self._set_stops(site, stops, address)
        if not self.options.background:
            build = lambda: self._build_osr(self._plan_osr(header))  # noqa: E731
            self._osr[header] = address, stops = self._guarded_osr(build, header)
            return self._set_stops(site, stops, address)
        plan = self._guarded_osr(lambda: self._plan_osr(header), header)
        if not isinstance(plan, LoopPlan):
            self._osr[header] = plan
            return 0
        if self._engines is None:  # the first one loads LLVM: now, as the glue must be there
            now = self._guarded_osr(lambda: self._build_osr(plan), header)
        else:  # from the cache if it is there
            now = self._now_if_idle(lambda: self._guarded_osr(lambda: self._cached_osr(plan), header))
        if now is not None:
            self._osr[header] = address, stops = now
            return self._set_stops(site, stops, address)
        self._osr[header] = PENDING, False
        if not self._queued(lambda: self._finish_loop(plan, site), site,
                            f"the loop at pc {header}"):
            self._osr[header] = 0, False
            return 0
        return PENDING

    def _finish_loop(self, plan: LoopPlan, site: int) -> None:
        assert self._engine_lock is not None
        with self._engine_lock:
            address, stops = self._guarded_osr(lambda: self._build_osr(plan), plan.header)
            self._osr[plan.header] = address, stops
        self._ready_fn()(READY_LOOP, site, -1, address or None, int(stops))

    def _guarded(self, work, where: str, failed: object = None):  # noqa: ANN001, ANN202
        """work(), or ``failed`` if the code cannot be compiled (the interpreter runs it;
        a loop's failure is (0, False)). Nothing may unwind into C. An OSError comes
        from what the program did to the process (every file descriptor used up: a
        lazy import, the code cache or the hot library cannot open a file): the
        interpreter runs the code, as ocamlrun would."""
        try:
            return work()
        except (CamllvmError, OSError) as err:
            _debug(f"camllvm: {where} stays interpreted: {err}")
            return failed
        except Exception as err:  # noqa: BLE001
            if os.environ.get("CAMLLVM_DEBUG"):
                import traceback

                traceback.print_exc()
            _die(f"camllvm: internal error compiling {where}: {type(err).__name__}: {err}", 3)
            return failed

    def _guarded_osr(self, work, header: int):  # noqa: ANN001, ANN202
        return self._guarded(work, f"the loop at pc {header}", failed=(0, False))

    def _library_loop(self, header: int) -> tuple[int, bool] | None:
        """(address, ends at STOP) of a loop's OSR code in the hot library, if it is there:
        neither planned (the IR generator is not even imported) nor loaded by LLVM."""
        name = osr_name(header)
        found = self._library.addresses([name]) if self._library is not None else None
        if found is None:
            return None
        self.stats.loops_from_library += 1
        self._linked_loops[name] = found[name]
        if self._engines is not None:
            self._engines[0].define(name, found[name])
        return found[name], self._library.addresses([name + "_stops"]) is not None

    def _set_stops(self, site: int, stops: bool, address: int) -> int:
        set_toplevel = self.runtime.lib.camllvm_tier_set_toplevel
        set_toplevel.argtypes = [ctypes.c_long, ctypes.c_int]
        set_toplevel(site, int(stops))
        return address

    def _plan_osr(self, header: int) -> LoopPlan:
        gen = self._module_gen()
        compiled = {h for h, (a, _) in self._osr.items() if a and a != PENDING}
        region = gen.osr_region(header, compiled)
        handoffs = sorted(region.handoffs)
        gen.inlined_calls = self._inlined_calls(header, region)
        source_key = self._source_key(header) + f":osr:{handoffs}" + _inline_key(gen.inlined_calls)
        return LoopPlan(header, gen, region, source_key, handoffs)

    def _cached_osr(self, plan: LoopPlan) -> tuple[int, bool] | None:
        """(address, ends at STOP) of the loop's code from the code cache, if it is there."""
        name = osr_name(plan.header)
        addresses = self.engine.cached(plan.source_key, [name])
        if addresses is None:
            return None
        self._remember_loop(plan)
        return addresses[name], self.engine.address(name + "_stops") != 0

    def _build_osr(self, plan: LoopPlan) -> tuple[int, bool]:
        """(address, ends at STOP) of the code entered at a loop header."""
        cached = self._cached_osr(plan)
        if cached is not None:
            return cached
        header, gen = plan.header, plan.gen
        name = osr_name(header)
        stop_marker = name + "_stops"  # an empty function: the code is toplevel code
        ir = gen.compile_osr(plan.region)
        if gen.reaches_stop or any(self._osr[h][1] for h in plan.handoffs):
            ir += f"define void @{stop_marker}() {{\n  ret void\n}}\n"
        self._dump(header, ".osr.ll", ir)
        self.stats.functions += 1
        addresses, optimised = self.engine.compile(ir, [name], plan.source_key, self._want_ir())
        self.stats.instructions += sum(len(f.splitlines()) for f in gen.functions)
        self.stats.bytecode += gen.bytecode_instructions
        self._dump(header, ".osr.opt.ll", optimised)
        if self.options.perf_map:
            self._native[addresses[name]] = header
        self._remember_loop(plan)
        return addresses[name], gen.reaches_stop

    # ---- background compilation (tier.c's side: "background compilation") ----

    def _queued(self, job, site: int, where: str) -> bool:  # noqa: ANN001 - a thunk
        """_in_background(job, site); False if the compiling thread cannot start (see
        _guarded)."""

        def queue() -> bool:
            self._in_background(job, site)
            return True

        return bool(self._guarded(queue, where, failed=False))

    def _in_background(self, job, site: int) -> None:  # noqa: ANN001 - a thunk
        """Queue ``job`` (asked for by tier.c's ``site``, -1 if none) for the compiling
        thread (started by the first job)."""
        if self._jobs is None:
            import signal
            import threading

            hits = self.runtime.lib.camllvm_tier_site_hits
            hits.argtypes, hits.restype = [ctypes.c_long], ctypes.c_long
            self._jobs = CompileQueue(hits)
            self._engine_lock = threading.Lock()  # LLVM: one thread at a time
            self.runtime.lib.camllvm_tier_background()
            self.runtime.lib.camllvm_tier_ready.argtypes = [
                ctypes.c_int, ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_int]
            sys.setswitchinterval(0.001)  # the OCaml thread's tier hooks wait less for the GIL
            # The thread starts with every signal blocked: they are the program's, and must
            # reach (or wait for) the threads that run OCaml, as under ocamlrun.
            mask = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
            try:
                threading.Thread(target=self._compile_jobs, name="camllvm-compiler",
                                 daemon=True).start()  # fmt: skip
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        self._jobs.put(job, site)

    def _compile_jobs(self) -> None:
        lib = self.runtime.lib
        assert self._jobs is not None
        while True:
            job = self._jobs.get()
            if not lib.camllvm_tier_begin_job():
                return  # the program is exiting
            try:
                job()
            finally:
                lib.camllvm_tier_end_job()

    def _ready_fn(self):  # noqa: ANN202
        return self.runtime.lib.camllvm_tier_ready  # (argtypes set by _in_background)

    def _inlined_calls(self, entry: int, region: Region | None) -> dict[int, int]:
        """Calls of the function at ``entry`` (or of an OSR ``region``) whose closure
        comes from a global (``M.f x``), the environment (or a module in it) or a
        recursive sibling, and
        whose function is small enough to inline: the values are read now (the
        closure being compiled: camllvm_compiling_closure), and the code tests at
        run time that the closure called still runs that function."""
        if self.options.opt < 1 or entry == 0:
            return {}
        from camllvm.irgen import ModuleGen, discover_region

        gen = ModuleGen(self.code, self.prims, self.layout)
        if region is None:
            region = discover_region(self.code, entry, True)
        lib = self.runtime.lib
        env = ctypes.c_long.in_dll(lib, "camllvm_compiling_closure").value
        if region.is_function and not region.osr and self._closure_entry(env) != entry:
            env = None  # (a RESTART entry's closure, or none known)
        global_data = ctypes.c_long.in_dll(lib, "caml_global_data").value
        inlined = {}
        for call, (kind, a, b) in gen.known_calls(region).items():
            if kind == "global":
                clos = _field(_field(global_data, a), b)
            elif kind == "env":
                clos = _field(env, a)
            elif kind == "envfield":
                clos = _field(_field(env, a), b)
            else:
                clos = _sibling(env, a)
            target = self._closure_entry(clos)
            if target is None or target == entry:
                continue
            if target not in self._inlinable:  # (the code never changes: decided once)
                self._inlinable[target] = gen.inlinable(target)
            if self._inlinable[target]:
                inlined[call] = target
        return inlined

    def _closure_entry(self, clos: int | None) -> int | None:
        """The code offset of the closure ``clos`` (None if it is not a closure of the
        main code, e.g. a global not yet initialised)."""
        if not _is_closure(clos):
            return None
        code = ctypes.c_long.from_address(clos).value
        offset = code - ctypes.c_long.in_dll(self.runtime.lib, "caml_start_code").value
        return offset if 0 <= offset < len(self.exe.code) and offset % 4 == 0 else None

    def _want_ir(self) -> bool:
        return self.options.dump_ir is not None or self.options.dump_asm is not None

    def _source_key(self, entry: int) -> str:
        """Everything the IR of the function at ``entry`` depends on besides the engine's
        salt: the program's code and primitives, the runtime's state layout, the options."""
        if self._program_digest is None:
            h = blake2b(self.exe.code, digest_size=32)
            h.update("\0".join(self.prims).encode())
            h.update(repr((self.layout, self._fixed_addresses(), self.options.unbox_floats,
                           self.options.clear_dead_slots)).encode())
            self._program_digest = h.hexdigest()
        return f"{self._program_digest}:{entry}"

    def _set_native(self, offset: int, address: int) -> None:
        fn = self.runtime.lib.camllvm_set_native
        fn.argtypes = [ctypes.c_long, ctypes.c_void_p]
        fn(offset, address)

    def _dump(self, offset: int, suffix: str, ir: str) -> None:
        """--dump-ir: IR before (.ll) and after (.opt.ll) passes; --dump-asm: assembly."""
        if self.options.dump_ir is None and self.options.dump_asm is None:
            return  # (naming the dump reads the debug information: seconds on big programs)
        stem = self._dump_stem(offset)
        if self.options.dump_ir is not None:
            self.options.dump_ir.mkdir(parents=True, exist_ok=True)
            (self.options.dump_ir / f"{stem}{suffix}").write_text(ir)
        if self.options.dump_asm is not None and suffix == ".opt.ll":
            self.options.dump_asm.mkdir(parents=True, exist_ok=True)
            asm = self.engine.assembly(ir)
            (self.options.dump_asm / f"{stem}.s").write_text(asm)

    def _dump_stem(self, offset: int) -> str:
        """File name of a function's dumps: its pc, then its source name if known."""
        name = "toplevel" if offset == 0 else self.names().get(self._entry_of(offset), "")
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
        return f"pc{offset:08d}" + (f"-{safe}" if safe else "")

    def on_start(self) -> None:
        """Once the code is loaded: in mode "tiered", patch in the counting stubs; in mode
        "only", route interpreted calls of chosen functions to native code (their entries
        are patched; they compile on first call)."""
        if self.options.mode == "tiered":
            self.runtime.lib.camllvm_tier_install()
            self._guarded(self._warm_start, "the hot list")
            if self.options.tier_delay:
                delay = self.runtime.lib.camllvm_tier_delay
                delay.argtypes = [ctypes.c_long]
                delay(self.options.tier_delay)
        if self.selected is None:
            return
        patch = self.runtime.lib.camllvm_patch_entry
        patch.argtypes = [ctypes.c_long]
        for entry in sorted(self.selected):
            if entry != 0 and not patch(entry):
                self.selected.discard(entry)

    # ---- warm start: what earlier runs compiled, installed before the program starts ----

    def _hot_list(self) -> str | None:
        """Where the tiered mode lists the functions runs of this very program (same code,
        primitives and options: the digest of _source_key) made hot under the same
        thresholds: one line "entry restart source_key" each (restart -1 if none).
        None without a cache."""
        if self.options.mode != "tiered" or self.options.cache_dir is None:
            return None
        program = self._source_key(0).partition(":")[0]
        calls, loops = self.tier_plan.thresholds
        return os.path.join(self.options.cache_dir, "hot", f"{program}-{calls}-{loops}.txt")

    def _remember(self, plan: FunctionPlan) -> None:
        """Add a function just installed to the hot list."""
        if plan.entry == 0 or plan.entry in self._remembered:
            return
        self._remembered.add(plan.entry)
        restart = -1 if plan.restart is None else plan.restart
        self._add_hot_line(f"{plan.entry} {restart} {plan.source_key}")

    def _remember_loop(self, plan: LoopPlan) -> None:
        """Add a loop whose OSR code was just made to the hot list (for the hot library)."""
        if plan.header not in self._remembered_loops:
            self._remembered_loops.add(plan.header)
            self._add_hot_line(f"osr {plan.header} {plan.source_key}")

    def _add_hot_line(self, line: str) -> None:
        """Appended in one write, so that concurrent runs only ever add whole lines."""
        path = self._hot_list()
        if path is None:
            return
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, f"{line}\n".encode())
            finally:
                os.close(fd)
        except OSError:
            pass  # (a list that cannot be written only costs time)

    def _warm_start(self) -> None:
        """Install the functions of the hot list whose code is in the cache, before the
        program starts: they run natively from their first call instead of after
        CALL_THRESHOLD interpreted ones (OSR code is still loaded when its loop gets hot).
        The list's hot library has them all without loading LLVM; without one, they come
        from the code cache one by one."""
        path = self._hot_list()
        if path is None:
            return
        try:  # (a damaged list only loses its damaged lines: _hot_plans skips them)
            contents = _read_bytes(path)
        except OSError:
            return
        library: HotLibrary | None = self._hot_library(path, contents)
        if library is not None and not library.open():  # (no library yet: it fails too)
            library = None
        if library is not None and not self._glue_from(library):
            return
        self._library = library
        install_entry = self.runtime.lib.camllvm_tier_install_entry
        install_entry.argtypes = [ctypes.c_long, ctypes.c_void_p]
        assert self.selected is not None
        for plan in _hot_plans(contents.decode(errors="replace").splitlines()):
            if plan.entry in self.selected or not 0 < plan.entry < len(self.exe.code):
                continue
            if library is None:
                addresses = self._cached(plan)
            else:
                addresses = library.addresses(self._entry_names(plan))
                self.stats.from_library += addresses is not None
            if addresses is None:
                continue
            self.selected.add(plan.entry)
            self._remembered.add(plan.entry)  # (already on the list: _install adds no line)
            install_entry(plan.entry // 4, self._install(plan, addresses))
            self.stats.warm_started += 1

    def _hot_library(self, hot_list: str, contents: bytes) -> HotLibrary:
        """The shared library linked (or to link) from exactly this hot list."""
        from camllvm.codecache import HotLibrary, code_fingerprint

        return HotLibrary(hot_list, contents, code_fingerprint(self.options.opt, self.runtime.path))

    def _glue_from(self, library: HotLibrary) -> bool:
        """Install the glue functions linked into the hot library (False: not there)."""
        addresses = library.addresses(list(GLUE_FUNCTIONS))
        if addresses is None:
            return False
        self._set_glue(addresses)
        note = self.runtime.lib.camllvm_note_hot_library  # (its code is native code too)
        note.argtypes = [ctypes.c_void_p]
        note(addresses[GLUE_FUNCTIONS[0]])
        return True

    def link_hot_library(self) -> None:
        """At exit: link the hot list's cached objects and the glue into the list's hot
        library, unless it exists (only a run that loaded LLVM can name the objects)."""
        path = self._hot_list()
        if path is None or self._engines is None:
            return
        try:
            contents = _read_bytes(path)
        except OSError:
            return
        library = self._hot_library(path, contents)
        if library.exists():
            return
        engine = self.engine
        lines = contents.decode(errors="replace").splitlines()
        keys = ["glue", *(p.source_key for p in _hot_plans(lines)), *_hot_loops(lines).values()]
        objects = [engine.cached_object(key) for key in keys]
        if objects[0] is not None and len(objects) > 1:
            library.link([o for o in objects if o is not None])

    # ---- set-up ----

    def install(self) -> None:
        lib = self.runtime.lib
        compile_cb = COMPILE_FN(self.compile_at)
        start_cb = START_FN(self.on_start)
        self._callbacks += [compile_cb, start_cb]
        lib.camllvm_jit_install.argtypes = [COMPILE_FN, START_FN]
        lib.camllvm_jit_install(compile_cb, start_cb)
        if self.options.mode == "tiered":
            self._install_tiers()
        else:  # (patched entries and the toplevel may enter native code at once)
            self._make_engines()
        if self.options.stats or self.options.perf_map or self.options.cache_dir is not None:
            cb = ATEXIT_FN(self.at_exit)
            self._callbacks.append(cb)
            lib.camllvm_at_exit.argtypes = [ATEXIT_FN]
            lib.camllvm_at_exit(cb)

    def _install_tiers(self) -> None:
        """Find the counting sites (patched in once the code is loaded, on_start)."""
        from camllvm.tier import CALL_THRESHOLD, LOOP_THRESHOLD, TierPlan

        lib = self.runtime.lib
        self.tier_plan = TierPlan(lib, self.exe.code, self.options.tier_calls or CALL_THRESHOLD,
                                  self.options.tier_loops or LOOP_THRESHOLD)  # fmt: skip
        call_cb, loop_cb = TIER_FN(self.tier_call), TIER_FN(self.tier_loop)
        self._callbacks += [call_cb, loop_cb]
        lib.camllvm_tier_hooks.argtypes = [TIER_FN, TIER_FN]
        lib.camllvm_tier_hooks(call_cb, loop_cb)

    def _install_glue(self, engine: Engine) -> None:
        """Compile the glue module (camllvm/glue.py) and hand its functions to jitglue.c."""
        from camllvm.glue import GLUE_IR

        names = list(GLUE_FUNCTIONS)  # cached like OCaml functions (the salt covers glue.py)
        addresses = (engine.cached("glue", names, count=False)
                     or engine.compile(GLUE_IR, names, "glue")[0])  # fmt: skip
        self._set_glue(addresses)

    def _set_glue(self, addresses: dict[str, int]) -> None:
        set_glue = self.runtime.lib.camllvm_set_glue
        set_glue.argtypes = [ctypes.c_void_p] * 4
        set_glue(*(addresses[name] for name in GLUE_FUNCTIONS))
        self._glue_installed = True

    def at_exit(self) -> None:
        """The cache's upkeep, perf's map, --stats: files a program that used up its
        descriptors cannot open are skipped (_guarded), as nothing may unwind into C."""
        self._guarded(self.link_hot_library, "the hot library")
        if self._engines is not None and self.options.cache_dir is not None:
            from camllvm.codecache import prune_later  # (this run loaded LLVM: it compiled)

            self._guarded(lambda: prune_later(self.options.cache_dir), "the code cache")
        if self.options.perf_map:
            self._guarded(self.write_perf_map, "perf's map")
        if self.options.stats:
            self.print_stats()

    def write_perf_map(self) -> None:
        """perf's JIT symbol map (/tmp/perf-PID.map: start, size, name in hex). MCJIT does
        not tell code sizes: each function is assumed to run up to the next one (64 KiB
        at most)."""
        starts = sorted(self._native)
        names = self.names() if self.exe.section("DBUG") is not None else {}
        lines = []
        for start, nxt in zip(starts, [*starts[1:], starts[-1] + 0x10000] if starts else []):
            entry = self._native[start]
            name = "toplevel" if entry == 0 else names.get(self._entry_of(entry), "")
            lines.append(f"{start:x} {min(nxt - start, 0x10000):x} pc{entry}:{name}\n")
        with open(f"/tmp/perf-{os.getpid()}.map", "w", encoding="utf-8") as f:
            f.write("".join(lines))

    def print_stats(self) -> None:
        lib, s = self.runtime.lib, self.stats
        engines = list({id(e): e for e in self._engines}.values()) if self._engines else []
        parse, optimise, codegen, hits = (sum(getattr(e.stats, f) for e in engines)
                                          for f in ("parse", "optimise", "codegen", "cache_hits"))
        interp = ctypes.c_long.in_dll(lib, "camllvm_interp_entries").value
        native = ctypes.c_long.in_dll(lib, "camllvm_native_entries").value
        crossings = ctypes.c_long.in_dll(lib, "camllvm_crossings").value
        tier_ups = ctypes.c_long.in_dll(lib, "camllvm_tier_compiles").value
        osr = ctypes.c_long.in_dll(lib, "camllvm_tier_osr_entries").value
        taken, waited = (self._jobs.taken, self._jobs.waited) if self._jobs else (0, 0)
        sys.stderr.write(
            f"camllvm stats: functions compiled {s.functions}, bytecode instructions {s.bytecode}, "
            f"IR lines {s.instructions}, "
            f"from the code cache {hits}\n"
            f"camllvm stats: time llvm load {s.llvm_load:.3f}s, irgen {s.irgen:.3f}s, llvm parse {parse:.3f}s, "
            f"optimise {optimise:.3f}s, codegen {codegen:.3f}s\n"
            f"camllvm stats: interpreter entries {interp}, native entries {native}, "
            f"crossings {crossings}\n"
            f"camllvm stats: tier-ups {tier_ups}, on-stack replacements {osr}, "
            f"installed at start from the hot list {s.warm_started} "
            f"(from its library {s.from_library}), OSR code from it {s.loops_from_library}\n"
            f"camllvm stats: background compilations {taken}, "
            f"calls and loop iterations interpreted while queued {waited}\n"
        )
        sys.stderr.flush()


def _debug(message: str) -> None:
    if os.environ.get("CAMLLVM_DEBUG"):
        sys.stderr.write(message + "\n")


def _die(message: str, code: int) -> None:
    sys.stderr.write(message.replace("\n", " ") + "\n")
    sys.stderr.flush()
    os._exit(code)
