"""The LLVM engine: IR text in, optimised machine code out (llvmlite MCJIT), with per-stage timings."""

from __future__ import annotations

import os
import time

import llvmlite.binding as llvm

from camllvm.codecache import CodeCache, generator_digest, runtime_identity
from camllvm.errors import CamllvmError

#: Per-function passes at --opt=1: the Kaleidoscope chapter's cheap baseline after SROA
#: (our block state lives in allocas, so SROA/mem2reg comes first), after inlining the
#: copies of small known callees (ModuleGen.inlined_calls).
OPT1_PASSES = ("always_inline", "sroa", "instcombine", "reassociate", "gvn", "simplifycfg")


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
            llvm.initialize_native_target()
            llvm.initialize_native_asmprinter()
            Engine._initialised = True
        # Lets the JIT's symbol resolver find caml_* and camllvm_* symbols.
        llvm.load_library_permanently(str(runtime_library))
        self.opt_level = opt_level
        self.verify = verify
        target = llvm.Target.from_default_triple()
        self.tm = target.create_target_machine(
            cpu=llvm.get_host_cpu_name(), features=llvm.get_host_cpu_features().flatten(),
            opt=min(opt_level, 3), reloc="default", codemodel="jitdefault")  # fmt: skip
        self.ee = llvm.create_mcjit_compiler(llvm.parse_assembly(""), self.tm)
        self.pto = llvm.create_pipeline_tuning_options(speed_level=min(opt_level, 3))
        self.pb = llvm.create_pass_builder(self.tm, self.pto)
        self.stats = EngineStats()
        self.cache: CodeCache | None = None
        self._pending_key: str | None = None
        if cache_dir is not None:
            salt = "|".join([generator_digest(), runtime_identity(runtime_library), str(opt_level),
                             str(llvm.llvm_version_info), llvm.get_host_cpu_name(),
                             llvm.get_host_cpu_features().flatten()])  # fmt: skip
            self.cache = CodeCache(cache_dir, salt)
            self.ee.set_object_cache(notify_func=self._object_compiled)

    def _object_compiled(self, module: llvm.ModuleRef, data: bytes) -> None:
        if self.cache is not None and self._pending_key is not None:
            self.cache.store(self._pending_key, data)

    def _optimise(self, mod: llvm.ModuleRef) -> None:
        if self.opt_level >= 2:
            self.pb.getModulePassManager().run(mod, self.pb)
            return
        mpm = llvm.create_new_module_pass_manager()
        passes = OPT1_PASSES if self.opt_level == 1 else ("sroa",)
        for name in passes:
            getattr(mpm, _PASS_METHODS[name])()
        mpm.run(mod, self.pb)

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
        self.ee.add_object_file(llvm.ObjectFileRef.from_data(data))
        self.ee.finalize_object()
        addresses = {n: self.ee.get_function_address(n) for n in names}
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
                mod.verify()
        except RuntimeError as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else "invalid IR"
            raise CamllvmError(f"LLVM rejected the IR of {names[0]}: {first}") from None
        t1 = time.perf_counter()
        self._optimise(mod)
        t2 = time.perf_counter()
        optimised = str(mod) if want_ir else ""  # (printing costs ~3% of compile time)
        self.ee.add_module(mod)
        self.ee.finalize_object()
        addresses = {n: self.ee.get_function_address(n) for n in names}
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
        return self.ee.get_function_address(name)

    def assembly(self, ir_text: str) -> str:
        """Machine code of a module as assembly text (for --dump-asm)."""
        mod = llvm.parse_assembly(ir_text)
        return self.tm.emit_assembly(mod)


_PASS_METHODS = {
    "always_inline": "add_always_inliner_pass",
    "sroa": "add_sroa_pass",
    "instcombine": "add_instruction_combine_pass",
    "reassociate": "add_reassociate_pass",
    "gvn": "add_new_gvn_pass",
    "simplifycfg": "add_simplify_cfg_pass",
}
