"""The LLVM engine: IR text in, optimised machine code out (llvmlite MCJIT), with per-stage timings."""

from __future__ import annotations

import os
import time

from camllvm import llvmapi as llvm
from camllvm.codecache import CodeCache, generator_digest, runtime_identity
from camllvm.errors import CamllvmError

#: Per-function passes at --opt=1: the Kaleidoscope chapter's cheap baseline after SROA
#: (our block state lives in allocas, so SROA/mem2reg comes first), after inlining the
#: copies of small known callees (ModuleGen.inlined_calls).
OPT1_PASSES = ("always_inline", "sroa", "instcombine", "reassociate", "gvn", "dse", "simplifycfg")


class EngineStats:
    """Seconds spent in each LLVM stage, and how much was compiled."""

    def __init__(self) -> None:
        self.parse = 0.0
        self.optimise = 0.0
        self.codegen = 0.0
        self.modules = 0
        self.cache_hits = 0
        self.timings: dict[str, float] = {}


class Engine:
    """One MCJIT execution engine; every compiled function is added to it as a module."""

    _initialised = False

    def __init__(self, opt_level: int, runtime_library: str, verify: bool = False,
                 cache_dir: str | None = None) -> None:
        if not Engine._initialised:
            llvm.initialize()
            Engine._initialised = True
        # Lets the JIT's symbol resolver find caml_* and camllvm_* symbols.
        llvm.load_library_permanently(str(runtime_library))
        self.opt_level = opt_level
        self.verify = verify
        cpu, features = llvm.host_cpu_name(), llvm.host_cpu_features()
        self.tm = llvm.target_machine(cpu, features, min(opt_level, 3), "default", "jitdefault")
        self.ee = llvm.MCJIT(self.tm)
        passes = OPT1_PASSES if opt_level == 1 else ("sroa",)
        self.optimiser = llvm.Optimiser(self.tm, min(opt_level, 3), passes)
        self.stats = EngineStats()
        self.cache: CodeCache | None = None
        self._pending_key: str | None = None
        if cache_dir is not None:
            salt = "|".join([generator_digest(), runtime_identity(runtime_library), str(opt_level),
                             str(llvm.version()), cpu, features])  # fmt: skip
            self.cache = CodeCache(cache_dir, salt)
            self.ee.set_object_cache(self._object_compiled)

    def _object_compiled(self, data: bytes) -> None:
        if self.cache is not None and self._pending_key is not None:
            self.cache.store(self._pending_key, data)

    def cached(self, source_key: str, names: list[str], count: bool = True) -> dict[str, int] | None:
        """Addresses of ``names`` from cached object code for ``source_key``, if any.

        ``source_key`` must determine the module's IR completely (see Jit._source_key):
        on a hit no IR is generated at all."""
        if self.cache is None:
            return None
        data = self.cache.load(self.cache.key(source_key))
        if data is None:
            return None
        t0 = time.perf_counter()
        self.ee.add_object(data)
        self.ee.finalize()
        addresses = {n: self.ee.address(n) for n in names}
        self.stats.codegen += time.perf_counter() - t0
        self.stats.cache_hits += count
        return addresses if all(addresses.values()) else None

    def compile(self, ir_text: str, names: list[str], source_key: str | None = None,
                want_ir: bool = False) -> tuple[dict[str, int], str]:
        """Compile one module; returns the addresses of ``names`` and the optimised IR
        text (if ``want_ir``, else ""). With a cache and ``source_key``, the object code
        is stored under it."""
        self._pending_key = (self.cache.key(source_key)
                             if self.cache is not None and source_key is not None else None)
        t0 = time.perf_counter()
        try:
            mod = llvm.parse_assembly(ir_text)
            if self.verify:
                llvm.verify(mod)
        except RuntimeError as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else "invalid IR"
            raise CamllvmError(f"LLVM rejected the IR of {names[0]}: {first}") from None
        t1 = time.perf_counter()
        self.optimiser.run(mod)
        t2 = time.perf_counter()
        optimised = llvm.module_text(mod) if want_ir else ""  # (printing: ~3% of compile time)
        self.ee.add_module(mod)
        self.ee.finalize()
        addresses = {n: self.ee.address(n) for n in names}
        t3 = time.perf_counter()
        self.stats.parse += t1 - t0
        self.stats.optimise += t2 - t1
        self.stats.codegen += t3 - t2
        self.stats.modules += 1
        return addresses, optimised

    def cached_object(self, source_key: str) -> str | None:
        """The cached object file of ``source_key``, if there is one (for hot libraries)."""
        if self.cache is None:
            return None
        path = self.cache.path(self.cache.key(source_key))
        return path if os.path.isfile(path) else None

    @staticmethod
    def define(name: str, address: int) -> None:
        """Let modules compiled from now on call ``name`` at ``address`` (the OSR code of
        the hot library, which MCJIT cannot see: it is loaded RTLD_LOCAL)."""
        llvm.add_symbol(name, address)

    def address(self, name: str) -> int:
        """Address of a function already compiled or loaded (0 if there is none)."""
        return self.ee.address(name)

    def assembly(self, ir_text: str) -> str:
        """Machine code of a module as assembly text (for --dump-asm)."""
        mod = llvm.parse_assembly(ir_text)
        try:
            return llvm.emit_assembly(self.tm, mod)
        finally:
            llvm.dispose_module(mod)
