"""Build camllvm's runtime library from Debian's OCaml bytecode runtime, cached by digest.

The library is every object of ``libcamlrun_pic.a`` except ``main``, the table
of built-in primitives that ``ocamlrun`` defines (generated from ``ocamlrun
-p``), and ``shim.c``, linked with ``--wrap=caml_interprete`` so that every
entry into bytecode goes through our hook.
"""

from __future__ import annotations

import os
import sys

from camllvm.digest import sha256
from camllvm.errors import CamllvmError

# (Finding the built library is part of every run's start-up: plain strings and os.path,
# as pathlib, typing and re cost ~17 ms of a 40 ms run; building imports what it needs.
# TYPE_CHECKING is typing's constant without importing typing: type checkers know it.)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

#: Bump when the way the library is built changes, so caches are rebuilt.
BUILD_VERSION = "3"
LIBRARY_NAME = "libcamllvm_rt.so"
_HERE = os.path.dirname(os.path.abspath(__file__))
SHIM_SOURCE = os.path.join(_HERE, "shim.c")
GLUE_SOURCE = os.path.join(_HERE, "jitglue.c")
TIER_SOURCE = os.path.join(_HERE, "tier.c")


class OcamlInstall:
    """Where the OCaml runtime we build from lives."""

    def __init__(self, stdlib_dir: str, ocamlrun: str) -> None:
        self.stdlib_dir = stdlib_dir  # /usr/lib/ocaml: libcamlrun_pic.a, caml/*.h, ld.conf
        self.ocamlrun = ocamlrun  # the ocamlrun whose primitive table we reproduce

    @property
    def archive(self) -> str:
        return os.path.join(self.stdlib_dir, "libcamlrun_pic.a")


def find_ocaml() -> OcamlInstall:
    """Locate OCaml's runtime (``CAMLLVM_OCAML_STDLIB`` overrides /usr/lib/ocaml)."""
    stdlib = os.environ.get("CAMLLVM_OCAML_STDLIB", "/usr/lib/ocaml")
    install = OcamlInstall(stdlib, _on_path("ocamlrun") or "/usr/bin/ocamlrun")
    for needed in (install.archive, install.ocamlrun, os.path.join(stdlib, "caml", "mlvalues.h")):
        if not os.path.isfile(needed):
            raise CamllvmError(
                f"OCaml 4.13 runtime not found: {needed} is missing (install Debian's ocaml-nox)"
            )
    return install


def _on_path(command: str) -> str | None:
    """shutil.which for a plain name (shutil, subprocess and tempfile are imported only
    to build: ~15 ms of every run's start-up otherwise)."""
    for folder in os.get_exec_path():
        path = os.path.join(folder, command)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def cache_root() -> str:
    """``$CAMLLVM_CACHE_DIR``, else ``$XDG_CACHE_HOME/camllvm``, else ``~/.cache/camllvm``."""
    if "CAMLLVM_CACHE_DIR" in os.environ:
        return os.environ["CAMLLVM_CACHE_DIR"]
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(xdg, "camllvm")


def runtime_digest(install: OcamlInstall) -> str:
    """Digest of everything the library is made from (changes force a rebuild).

    Debian's files are identified by size and modification time (a package
    update changes both; hashing them cost ~35 ms per run), ours by content.
    """
    h = sha256(BUILD_VERSION.encode())
    for installed in (install.archive, install.ocamlrun):
        st = os.stat(installed)
        h.update(f"{installed}:{st.st_size}:{st.st_mtime_ns}".encode())
    for part in (SHIM_SOURCE, GLUE_SOURCE, TIER_SOURCE, os.path.abspath(__file__)):
        with open(part, "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:20]


def library_path(install: OcamlInstall | None = None) -> str:
    """Path of the runtime library, building it first if it is not cached yet."""
    install = install or find_ocaml()
    target = os.path.join(cache_root(), f"runtime-{runtime_digest(install)}", LIBRARY_NAME)
    if not os.path.isfile(target):
        from pathlib import Path

        build_library(install, Path(target))
    return target


def primitive_names(install: OcamlInstall) -> list[str]:
    """The built-in primitives of this ocamlrun, in its own order (``ocamlrun -p``)."""
    import subprocess

    out = subprocess.run([install.ocamlrun, "-p"], capture_output=True, text=True, check=True)
    return [line for line in out.stdout.split() if line]


#: Primitives through which a program can see when a value dies (finalisers, weak
#: pointers, ephemerons, memprof) -> jitglue.c's wrapper, which the interpreter's table
#: and compiled code call instead: its first call turns dead-slot clearing off
#: (camllvm/liveness.py).
OBSERVED_PRIMITIVES = {name: "camllvm_" + name[len("caml_"):] for name in (
    "caml_final_register", "caml_final_register_called_without_value",
    "caml_weak_create", "caml_ephe_create", "caml_memprof_start")}  # fmt: skip


def primitive_table_source(names: list[str]) -> str:
    """C source of ``caml_builtin_cprim`` / ``caml_names_of_builtin_cprim`` (as ocamlrun's prims.c)."""
    symbols = [OBSERVED_PRIMITIVES.get(n, n) for n in names]
    lines = ["typedef long value;", "typedef value (*c_primitive)();"]
    lines += [f"extern value {n}();" for n in symbols]
    lines.append("c_primitive caml_builtin_cprim[] = {")
    lines += [f"  {n}," for n in symbols]
    lines += ["  0 };", "char * caml_names_of_builtin_cprim[] = {"]
    lines += [f'  "{n}",' for n in names]
    lines.append("  0 };")
    return "\n".join(lines) + "\n"


def _run(cmd: list[str], cwd: Path) -> None:
    import subprocess

    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        first = detail[0] if detail else f"exit code {proc.returncode}"
        raise CamllvmError(f"building the runtime library failed: {' '.join(cmd[:2])}: {first}")


def build_library(install: OcamlInstall, target: Path) -> None:
    """Compile and link the library in a temporary directory, then rename it into place."""
    import shutil
    import tempfile
    from pathlib import Path

    target.parent.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="build-", dir=target.parent.parent))
    try:
        objdir = work / "objs"
        objdir.mkdir()
        _run(["ar", "x", install.archive], objdir)
        objects = sorted(p.name for p in objdir.glob("*.o") if not p.name.startswith("main."))
        (work / "prims.c").write_text(primitive_table_source(primitive_names(install)))
        shutil.copy(SHIM_SOURCE, work / "shim.c")
        shutil.copy(GLUE_SOURCE, work / "jitglue.c")
        shutil.copy(TIER_SOURCE, work / "tier.c")
        cflags = ["-O2", "-fPIC", "-fno-strict-aliasing", "-D_GNU_SOURCE", f"-I{install.stdlib_dir}"]
        for src in ("prims.c", "shim.c", "jitglue.c", "tier.c"):
            _run(["gcc", *cflags, "-c", src, "-o", src[:-2] + ".o"], work)
        _run(["gcc", "-shared", "-o", LIBRARY_NAME, "prims.o", "shim.o", "jitglue.o", "tier.o",
              *(f"objs/{o}" for o in objects),
              "-Wl,--wrap=caml_interprete", "-Wl,--wrap=caml_debuginfo_location",
              "-Wl,--wrap=caml_fatal_uncaught_exception", "-Wl,--wrap=caml_init_domain",
              "-Wl,--wrap=caml_register_code_fragment",
              "-Wl,--wrap=__longjmp_chk", "-Wl,--wrap=exit", "-lm", "-ldl", "-lpthread"], work)  # fmt: skip
        final = work / "final"
        final.mkdir()
        (work / LIBRARY_NAME).rename(final / LIBRARY_NAME)
        try:
            final.rename(target.parent)
        except OSError:
            if not target.is_file():  # lost a race only if the winner succeeded
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    """``python -m camllvm.runtime.build``: build (if needed) and print the library path."""
    try:
        print(library_path())
    except CamllvmError as err:
        print(f"camllvm: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
