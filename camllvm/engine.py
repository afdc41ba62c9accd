"""The LLVM engine: IR text in, optimised machine code out (llvmlite MCJIT), with per-stage timings."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import llvmlite.binding as llvm

from camllvm.errors import CamllvmError

#: Per-function passes at --opt=1: the Kaleidoscope chapter's cheap baseline after SROA
#: (our block state lives in allocas, so SROA/mem2reg comes first).
OPT1_PASSES = ("sroa", "instcombine", "reassociate", "gvn", "simplifycfg")


@dataclass
class EngineStats:
    """Seconds spent in each LLVM stage, and how much was compiled."""

    parse: float = 0.0
    optimise: float = 0.0
    codegen: float = 0.0
    modules: int = 0
    timings: dict[str, float] = field(default_factory=dict)


class Engine:
    """One MCJIT execution engine; every compiled function is added to it as a module."""

    _initialised = False

    def __init__(self, opt_level: int, runtime_library: Path, verify: bool = False) -> None:
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

    def _optimise(self, mod: llvm.ModuleRef) -> None:
        if self.opt_level >= 2:
            self.pb.getModulePassManager().run(mod, self.pb)
            return
        mpm = llvm.create_new_module_pass_manager()
        passes = OPT1_PASSES if self.opt_level == 1 else ("sroa",)
        for name in passes:
            getattr(mpm, _PASS_METHODS[name])()
        mpm.run(mod, self.pb)

    def compile(self, ir_text: str, names: list[str]) -> tuple[dict[str, int], str]:
        """Compile one module; returns the addresses of ``names`` and the optimised IR text."""
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
        optimised = str(mod)
        self.ee.add_module(mod)
        self.ee.finalize_object()
        addresses = {n: self.ee.get_function_address(n) for n in names}
        t3 = time.perf_counter()
        self.stats.parse += t1 - t0
        self.stats.optimise += t2 - t1
        self.stats.codegen += t3 - t2
        self.stats.modules += 1
        return addresses, optimised

    def assembly(self, ir_text: str) -> str:
        """Machine code of a module as assembly text (for --dump-asm)."""
        mod = llvm.parse_assembly(ir_text)
        return self.tm.emit_assembly(mod)


_PASS_METHODS = {
    "sroa": "add_sroa_pass",
    "instcombine": "add_instruction_combine_pass",
    "reassociate": "add_reassociate_pass",
    "gvn": "add_new_gvn_pass",
    "simplifycfg": "add_simplify_cfg_pass",
}
