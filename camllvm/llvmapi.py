"""The part of llvmlite's C library (libllvmlite.so) the engine uses, bound with ctypes.

Why not ``import llvmlite.binding``: that import costs ~50 ms of CPU (measured
in a camllvm process: 51-75 ms), of which loading the library is ~10 ms; the
rest is Python: its ~300 ctypes prototypes, and importlib.resources, pathlib,
zipfile, tempfile, typing, platform, enum... (``python -X importtime``). Every
run that compiles anything pays it, and cold runs are judged on CPU time. The
~35 functions here are declared exactly as llvmlite 0.50 declares them
(``llvmlite/binding/*.py``); the library is llvmlite's own, found without
importing the package. A library that lacks one of them is an error that names
it (see ``pyproject.toml``: llvmlite is pinned to the versions checked).
"""

from __future__ import annotations

import ctypes
import os
from ctypes import CFUNCTYPE, POINTER, Structure, byref, c_bool, c_char_p, c_int, c_size_t
from ctypes import c_uint, c_uint64, c_void_p, py_object, string_at

from camllvm.errors import CamllvmError

P = c_void_p  # every LLVM object is an opaque pointer
_STR = POINTER(c_char_p)  # an out-parameter string, freed with LLVMPY_DisposeString

#: name -> (restype, argtypes), from llvmlite 0.50's own declarations.
_SIGNATURES: dict[str, tuple[object, list[object]]] = {
    "LLVMPY_GetVersionInfo": (c_uint, []),
    "LLVMPY_InitializeNativeTarget": (None, []),
    "LLVMPY_InitializeNativeAsmPrinter": (None, []),
    "LLVMPY_DisposeString": (None, [c_char_p]),
    "LLVMPY_LoadLibraryPermanently": (c_bool, [c_char_p, _STR]),
    "LLVMPY_AddSymbol": (None, [c_char_p, c_void_p]),
    "LLVMPY_GetDefaultTargetTriple": (None, [_STR]),
    "LLVMPY_GetHostCPUName": (None, [_STR]),
    "LLVMPY_GetHostCPUFeatures": (c_int, [_STR]),
    "LLVMPY_GetTargetFromTriple": (P, [c_char_p, _STR]),
    "LLVMPY_CreateTargetMachine": (P, [P, c_char_p, c_char_p, c_char_p, c_int, c_char_p,
                                       c_char_p, c_int, c_int, c_char_p]),
    "LLVMPY_TargetMachineEmitToMemory": (P, [P, P, c_int, _STR]),
    "LLVMPY_GetBufferStart": (c_void_p, [P]),
    "LLVMPY_GetBufferSize": (c_size_t, [P]),
    "LLVMPY_DisposeMemoryBuffer": (None, [P]),
    "LLVMPY_GetGlobalContext": (P, []),
    "LLVMPY_ParseAssembly": (P, [P, c_char_p, _STR]),
    "LLVMPY_VerifyModule": (c_bool, [P, _STR]),
    "LLVMPY_PrintModuleToString": (None, [P, _STR]),
    "LLVMPY_DisposeModule": (None, [P]),
    "LLVMPY_CreateMCJITCompiler": (P, [P, P, c_bool, _STR]),
    "LLVMPY_AddModule": (None, [P, P]),
    "LLVMPY_FinalizeObject": (None, [P]),
    "LLVMPY_GetFunctionAddress": (c_uint64, [P, c_char_p]),
    "LLVMPY_CreateObjectFile": (P, [c_char_p, c_size_t]),
    "LLVMPY_DisposeObjectFile": (None, [P]),
    "LLVMPY_MCJITAddObjectFile": (None, [P, P]),
    "LLVMPY_CreateObjectCache": (P, [c_void_p, c_void_p, py_object]),
    "LLVMPY_SetObjectCache": (None, [P, P]),
    "LLVMPY_CreatePipelineTuningOptions": (P, []),
    "LLVMPY_CreatePassBuilder": (P, [P, P]),
    "LLVMPY_buildPerModuleDefaultPipeline": (P, [P, c_int]),
    "LLVMPY_CreateNewModulePassManager": (P, []),
    "LLVMPY_RunNewModulePassManager": (None, [P, P, P]),
    "LLVMPY_DisposeNewModulePassManger": (None, [P]),  # (sic)
    "LLVMPY_module_AddAlwaysInlinerPass": (None, [P]),
    "LLVMPY_module_AddSROAPass": (None, [P]),
    "LLVMPY_module_AddInstCombinePass": (None, [P]),
    "LLVMPY_module_AddReassociatePass": (None, [P]),
    "LLVMPY_module_AddNewGVNPass": (None, [P]),
    "LLVMPY_module_AddSimplifyCFGPass": (None, [P]),
    "LLVMPY_module_AddDSEPass": (None, [P]),
}


def _library_path() -> str:
    """libllvmlite.so inside the installed llvmlite package (its __init__ not run)."""
    from importlib.util import find_spec

    spec = find_spec("llvmlite")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(folder, "binding", "libllvmlite.so")
        if os.path.isfile(path):
            return path
    raise CamllvmError("llvmlite's library (llvmlite/binding/libllvmlite.so) is not installed")


def _load() -> ctypes.CDLL:
    lib = ctypes.CDLL(_library_path())
    for name, (restype, argtypes) in _SIGNATURES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            raise CamllvmError(f"this llvmlite's library has no {name}: "
                               "camllvm needs llvmlite 0.50") from None
        fn.restype, fn.argtypes = restype, argtypes
    return lib


lib = _load()


def _take(out: c_char_p) -> str:
    """The text of an out-parameter string, which is then freed."""
    text = (out.value or b"").decode("utf-8", "replace")
    if out.value is not None:
        lib.LLVMPY_DisposeString(out)
    return text


def _call_str(fn: str, *args: object) -> tuple[object, str]:
    out = c_char_p(None)
    result = getattr(lib, fn)(*args, byref(out))
    return result, _take(out)


def initialize() -> None:
    lib.LLVMPY_InitializeNativeTarget()
    lib.LLVMPY_InitializeNativeAsmPrinter()


def version() -> tuple[int, ...]:
    """LLVM's version, as llvmlite's ``llvm_version_info``."""
    x, parts = lib.LLVMPY_GetVersionInfo(), []
    while x:
        parts.append(x & 0xFF)
        x >>= 8
    return tuple(reversed(parts))


def host_cpu_name() -> str:
    return _call_str("LLVMPY_GetHostCPUName")[1]


def host_cpu_features() -> str:
    """The host's features as llvmlite's ``get_host_cpu_features().flatten()``: sorted."""
    ok, text = _call_str("LLVMPY_GetHostCPUFeatures")
    feats = {f[1:]: f[0] for f in text.split(",") if f} if ok else {}
    return ",".join(sign + name for name, sign in sorted(feats.items()))


def load_library_permanently(path: str) -> None:
    failed, err = _call_str("LLVMPY_LoadLibraryPermanently", path.encode())
    if failed:
        raise CamllvmError(f"LLVM cannot load {path}: {err}")


def add_symbol(name: str, address: int) -> None:
    lib.LLVMPY_AddSymbol(name.encode(), c_void_p(address))


def target_machine(cpu: str, features: str, opt: int, reloc: str, codemodel: str) -> int:
    """A target machine for the host (llvmlite's Target.create_target_machine)."""
    triple = _call_str("LLVMPY_GetDefaultTargetTriple")[1]
    target, err = _call_str("LLVMPY_GetTargetFromTriple", triple.encode())
    if not target:
        raise CamllvmError(f"LLVM has no target for {triple}: {err}")
    tm = lib.LLVMPY_CreateTargetMachine(target, triple.encode(), cpu.encode(), features.encode(),
                                        opt, reloc.encode(), codemodel.encode(), 0, 0, b"")
    if not tm:
        raise CamllvmError(f"LLVM cannot make a target machine for {triple} ({cpu})")
    return tm


def emit_assembly(tm: int, module: int) -> str:
    buf, err = _call_str("LLVMPY_TargetMachineEmitToMemory", tm, module, 0)
    if not buf:
        raise RuntimeError(err)
    try:
        return string_at(lib.LLVMPY_GetBufferStart(buf), lib.LLVMPY_GetBufferSize(buf)).decode()
    finally:
        lib.LLVMPY_DisposeMemoryBuffer(buf)


def parse_assembly(text: str) -> int:
    """A module (in the global context); RuntimeError with LLVM's message if invalid."""
    mod, err = _call_str("LLVMPY_ParseAssembly", lib.LLVMPY_GetGlobalContext(), text.encode())
    if not mod:
        raise RuntimeError(err)
    return mod


def verify(module: int) -> None:
    failed, err = _call_str("LLVMPY_VerifyModule", module)
    if failed:
        raise RuntimeError(err)


def module_text(module: int) -> str:
    return _call_str("LLVMPY_PrintModuleToString", module)[1]


def dispose_module(module: int) -> None:
    lib.LLVMPY_DisposeModule(module)


class _CacheData(Structure):
    _fields_ = [("module_ptr", c_void_p), ("buf_ptr", c_void_p), ("buf_len", c_size_t)]


_Hook = CFUNCTYPE(None, py_object, POINTER(_CacheData))


@_Hook
def _notify_hook(owner: "MCJIT", data: "ctypes._Pointer[_CacheData]") -> None:
    if owner.notify is not None:
        owner.notify(string_at(data.contents.buf_ptr, data.contents.buf_len))


@_Hook
def _getbuffer_hook(owner: "MCJIT", data: "ctypes._Pointer[_CacheData]") -> None:
    """Nothing cached to give: LLVM compiles (cached objects are added as files)."""


class MCJIT:
    """An MCJIT execution engine; it owns the modules and the target machine given to it."""

    def __init__(self, tm: int) -> None:
        self.tm = tm
        self.ee, err = _call_str("LLVMPY_CreateMCJITCompiler", parse_assembly(""), tm, False)
        if not self.ee:
            raise CamllvmError(f"LLVM cannot make an MCJIT engine: {err}")
        self.notify = None
        self._cache = None

    def add_module(self, module: int) -> None:
        lib.LLVMPY_AddModule(self.ee, module)

    def finalize(self) -> None:
        lib.LLVMPY_FinalizeObject(self.ee)

    def address(self, name: str) -> int:
        return lib.LLVMPY_GetFunctionAddress(self.ee, name.encode())

    def add_object(self, data: bytes) -> None:
        obj = lib.LLVMPY_CreateObjectFile(data, len(data))
        lib.LLVMPY_MCJITAddObjectFile(self.ee, obj)  # (takes the object's binary)
        lib.LLVMPY_DisposeObjectFile(obj)

    def set_object_cache(self, notify) -> None:  # type: ignore[no-untyped-def]
        """notify(object bytes) is called with the code of every module compiled."""
        self.notify = notify
        hooks = ctypes.cast(_notify_hook, c_void_p), ctypes.cast(_getbuffer_hook, c_void_p)
        self._cache = lib.LLVMPY_CreateObjectCache(*hooks, self)
        lib.LLVMPY_SetObjectCache(self.ee, self._cache)


#: Pass names (engine.OPT1_PASSES) -> the function that adds the pass.
PASSES = {
    "always_inline": "LLVMPY_module_AddAlwaysInlinerPass",
    "sroa": "LLVMPY_module_AddSROAPass",
    "instcombine": "LLVMPY_module_AddInstCombinePass",
    "reassociate": "LLVMPY_module_AddReassociatePass",
    "gvn": "LLVMPY_module_AddNewGVNPass",
    "simplifycfg": "LLVMPY_module_AddSimplifyCFGPass",
    "dse": "LLVMPY_module_AddDSEPass",
}


class Optimiser:
    """New-pass-manager pipelines: a list of passes, or LLVM's default at ``speed`` >= 2."""

    def __init__(self, tm: int, speed: int, passes: tuple[str, ...]) -> None:
        self.pb = lib.LLVMPY_CreatePassBuilder(tm, lib.LLVMPY_CreatePipelineTuningOptions())
        self.speed, self.passes = speed, passes

    def run(self, module: int) -> None:
        if self.speed >= 2:
            mpm = lib.LLVMPY_buildPerModuleDefaultPipeline(self.pb, self.speed)
        else:
            mpm = lib.LLVMPY_CreateNewModulePassManager()
            for name in self.passes:
                getattr(lib, PASSES[name])(mpm)
        lib.LLVMPY_RunNewModulePassManager(mpm, module, self.pb)
        lib.LLVMPY_DisposeNewModulePassManger(mpm)
