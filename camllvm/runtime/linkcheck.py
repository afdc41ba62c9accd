"""Check before start-up that every shared library and primitive a program names can be found.

The runtime itself would stop with a two-line fatal error; camllvm reports
the first problem in one line instead. The search mirrors 4.13's
``caml_build_primitive_table`` (runtime/dynlink.c): ``-I`` directories,
``CAML_LD_LIBRARY_PATH``, the executable's ``DLPT`` section, then ``ld.conf``.
"""

from __future__ import annotations

import ctypes
import os

from camllvm.errors import LinkError
from camllvm.reader import Executable
from camllvm.runtime.bridge import Runtime

TYPE_CHECKING = False  # (typing's constant; typing itself is not imported at start-up)
if TYPE_CHECKING:
    from collections.abc import Sequence


def _ld_conf_dirs() -> list[str]:
    """Directories listed in <stdlib>/ld.conf (OCAMLLIB, then CAMLLIB, then the default)."""
    stdlib = os.environ.get("OCAMLLIB") or os.environ.get("CAMLLIB") or "/usr/lib/ocaml"
    try:
        with open(os.path.join(stdlib, "ld.conf"), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return []
    return [line for line in text.splitlines() if line]


def search_path(exe: Executable, include_dirs: Sequence[str] = ()) -> list[str]:
    """The runtime's search path for shared libraries, in its order."""
    env = os.environ.get("CAML_LD_LIBRARY_PATH", "")
    return [*include_dirs, *(d for d in env.split(":") if d), *exe.dll_paths, *_ld_conf_dirs()]


def resolve_dll(name: str, path: Sequence[str]) -> str:
    """Where the runtime will dlopen ``name`` from (caml_search_dll_in_path)."""
    filename = name + ".so"
    if "/" in filename:
        return filename
    for directory in path:
        candidate = os.path.join(directory, filename)
        if os.path.isfile(candidate):
            return candidate
    return filename  # left to the dynamic linker's own search, as the runtime does


def check_links(exe: Executable, runtime: Runtime, include_dirs: Sequence[str] = ()) -> None:
    """Raise LinkError naming the first library or primitive the runtime could not find."""
    path = search_path(exe, include_dirs)
    libs: list[ctypes.CDLL] = []
    for name in exe.dlls:
        try:
            libs.append(ctypes.CDLL(resolve_dll(name, path), mode=os.RTLD_NOW | ctypes.RTLD_GLOBAL))
        except OSError as err:
            reason = " ".join(str(err).split())
            raise LinkError(f"{exe.path}: cannot load shared library {name}: {reason}") from None
    builtin = runtime.builtin_primitives()
    for prim in exe.prims:
        if prim in builtin or any(hasattr(lib, prim) for lib in libs):
            continue
        where = ", ".join(exe.dlls) or "no shared libraries"
        raise LinkError(f"{exe.path}: unknown C primitive '{prim}' (not in the runtime nor in {where})")
