"""ctypes view of camllvm's runtime library: load it, check a program's links, start it."""

from __future__ import annotations

import ctypes
import os

from camllvm.runtime import build

TYPE_CHECKING = False  # (typing's constant; typing itself is not imported at start-up)
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import NoReturn


class StateLayout:
    """Byte offsets of Caml_state fields (read from the runtime, caml/domain_state.tbl).
    Its repr is part of every code cache key (Jit._source_key)."""

    FIELDS = ("young_limit", "young_ptr", "stack_threshold", "extern_sp", "trapsp",
              "external_raise", "exn_bucket", "backtrace_active", "local_roots",
              "stack_high", "young_start", "young_end")  # fmt: skip
    __slots__ = FIELDS

    def __init__(self, **offsets: int) -> None:
        for name in self.FIELDS:
            setattr(self, name, offsets[name])

    def __repr__(self) -> str:
        return "StateLayout(" + ", ".join(f"{n}={getattr(self, n)}" for n in self.FIELDS) + ")"


# Signature of caml_interprete (and of our hook): value (code_t prog, asize_t size).
INTERP_FN = ctypes.CFUNCTYPE(ctypes.c_long, ctypes.c_void_p, ctypes.c_size_t)


class Runtime:
    """OCaml's bytecode runtime, loaded once per process with RTLD_GLOBAL.

    RTLD_GLOBAL matters: stub libraries (dllunix.so, ...) that the runtime
    dlopens later resolve their ``caml_*`` symbols against it.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.lib = ctypes.CDLL(path, mode=os.RTLD_NOW | ctypes.RTLD_GLOBAL)
        lib = self.lib
        lib.camllvm_main.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
        lib.camllvm_main.restype = None
        lib.camllvm_set_hook.argtypes = [INTERP_FN]
        lib.camllvm_set_hook.restype = None
        lib.camllvm_real_interprete.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        lib.camllvm_real_interprete.restype = ctypes.c_long
        lib.camllvm_main_big_stack.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t]
        lib.camllvm_main_big_stack.restype = None

    @classmethod
    def load(cls) -> Runtime:
        """Load the cached runtime library (building it first if needed)."""
        return cls(build.library_path())

    def builtin_primitives(self) -> set[str]:
        """Names of the primitives built into the runtime (what ``ocamlrun -p`` lists)."""
        names = (ctypes.c_char_p * 4096).in_dll(self.lib, "caml_names_of_builtin_cprim")
        found: set[str] = set()
        for name in names:
            if name is None:
                break
            found.add(name.decode())
        return found

    def interp_entries(self) -> int:
        """How many times the program entered OCaml's own interpreter."""
        return ctypes.c_long.in_dll(self.lib, "camllvm_interp_entries").value

    def run_main(self, argv: Sequence[str], c_stack_bytes: int = 0) -> NoReturn:
        """Run ``caml_main(argv)`` as ocamlrun's ``main`` does; exits the process.

        With ``c_stack_bytes``, on a new thread with that much C stack (native
        code grows the C stack where the interpreter only grows the VM stack).
        """
        encoded = [os.fsencode(a) for a in argv]
        c_argv = (ctypes.c_char_p * (len(encoded) + 1))(*encoded, None)
        if c_stack_bytes:
            self.lib.camllvm_main_big_stack(c_argv, c_stack_bytes)
        else:
            self.lib.camllvm_main(c_argv)
        raise AssertionError("camllvm_main returned")  # caml_do_exit never returns
