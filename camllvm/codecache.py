"""Compiled code kept between runs: object files keyed by digest, and per-program shared
libraries of the hot list's objects.

Nothing here imports LLVM: a run whose hot functions are all in its hot library
loads them with dlopen and never pays LLVM's ~85 ms start-up (nor pathlib's: paths
are strings, as on the rest of the start-up path).
"""

from __future__ import annotations

import ctypes
import os
import sys

from camllvm.digest import sha256


class CodeCache:
    """Object code on disk, keyed by the digest of everything that determines it.

    The key covers the IR text itself, the optimisation level, LLVM's version,
    the host CPU and its features, and camllvm's code generator; files are
    written to a temporary name and renamed, so concurrent runs are safe.
    """

    def __init__(self, root: str, salt: str) -> None:
        self.root = root
        self.salt = salt

    def key(self, what: str) -> str:
        """Key for ``what`` (a complete description of the module's source) under our salt."""
        return sha256((self.salt + "\0" + what).encode()).hexdigest()

    def path(self, key: str) -> str:
        return os.path.join(self.root, key[:2], f"{key}.o")

    def load(self, key: str) -> bytes | None:
        try:
            with open(self.path(key), "rb") as f:
                return f.read()
        except OSError:
            return None

    def store(self, key: str, data: bytes) -> None:
        """Never raises: LLVM calls it through a ctypes callback, which would print the
        exception on the program's stderr (seen when the program has used up its file
        descriptors: even the import below fails)."""
        path = self.path(key)
        try:
            import tempfile  # (only a run that compiles needs it: ~5 ms of start-up)

            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except (OSError, ImportError):
            pass  # a cache that cannot be written only costs time


_digests: dict[str, str] = {}  # (computed once a run: the engine's salt and hot libraries)


def generator_digest() -> str:
    """Digest of the camllvm sources that shape generated code."""
    if "generator" not in _digests:
        _digests["generator"] = _generator_digest()
    return _digests["generator"]


def _generator_digest() -> str:
    h = sha256()
    here = os.path.dirname(os.path.abspath(__file__))
    for name in ("irgen.py", "liveness.py", "primitives.py", "engine.py", "jit.py", "glue.py",
                 "symbols.py"):
        with open(os.path.join(here, name), "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:16]


def _llvm_library() -> str:
    """Identity of the LLVM that compiles (llvmlite's shared library: path, size, date),
    found without importing llvmlite."""
    for entry in sys.path:
        lib = os.path.join(entry or ".", "llvmlite", "binding", "libllvmlite.so")
        try:
            st = os.stat(lib)
        except OSError:
            continue
        return f"{lib}:{st.st_size}:{st.st_mtime_ns}"
    return "no llvmlite"


def _host_cpu() -> str:
    """The first processor's model and flags (/proc/cpuinfo): code compiled for one CPU
    must not be loaded on another one (a cache directory may be shared)."""
    lines = []
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if not line.strip():
                    break
                if line.startswith(("vendor_id", "model", "cpu family", "flags")):
                    lines.append(line.strip())
    except OSError:
        return "unknown cpu"
    return "\n".join(lines)


def runtime_identity(runtime_library: str) -> str:
    """The runtime library's build (its directory is named after the digest of its
    sources, runtime/build.py): compiled code calls its glue (camllvm_actions, ...) and
    reads its symbols (camllvm_domain_state), so code made for one build is not loaded
    with another, even when the IR generator did not change."""
    return os.path.basename(os.path.dirname(os.path.abspath(runtime_library)))


def code_fingerprint(opt_level: int, runtime_library: str) -> str:
    """Changes whenever the engine's cache salt could (generator, runtime, optimisation
    level, LLVM, host CPU), computed without LLVM: it names hot libraries."""
    if "host" not in _digests:
        _digests["host"] = f"{_llvm_library()}|{_host_cpu()}"
    return "|".join([generator_digest(), runtime_identity(runtime_library), str(opt_level),
                     _digests["host"]])  # fmt: skip


class HotLibrary:
    """The objects of a hot list linked into one shared library, named after the list's
    exact contents and the code fingerprint, so that a library is only ever loaded for
    the very list it was linked from; a newer list gets a new library (the older ones of
    the same list are removed)."""

    def __init__(self, hot_list: str, contents: bytes, fingerprint: str) -> None:
        digest = sha256(fingerprint.encode() + b"\0" + contents).hexdigest()[:24]
        self._dir, name = os.path.split(hot_list)
        self._stem = os.path.splitext(name)[0]
        self.path = os.path.join(self._dir, f"{self._stem}-{digest}.so")
        self._handle: ctypes.CDLL | None = None

    def exists(self) -> bool:
        return os.path.isfile(self.path)

    def open(self) -> bool:
        """dlopen the library (its undefined symbols resolve against the runtime, loaded
        RTLD_GLOBAL); False if it is missing or cannot be loaded."""
        try:
            self._handle = ctypes.CDLL(self.path, mode=os.RTLD_NOW | os.RTLD_LOCAL)
        except OSError:
            return False
        return True

    def addresses(self, names: list[str]) -> dict[str, int] | None:
        """Addresses of ``names`` in the opened library (None if one is missing)."""
        assert self._handle is not None
        found = {}
        for name in names:
            try:
                found[name] = ctypes.cast(getattr(self._handle, name), ctypes.c_void_p).value
            except AttributeError:
                return None
        return found if all(found.values()) else None

    def link(self, objects: list[str]) -> bool:
        """Link ``objects`` (large code model, absolute relocations: hence ``-z notext``)
        into the library; stale libraries of the same list are removed."""
        import subprocess  # (only a run that compiled needs it: ~8 ms of start-up)

        tmp = os.path.join(self._dir, f".tmp-{os.getpid()}-{os.path.basename(self.path)}")
        cmd = ["ld", "-shared", "-Bsymbolic", "-z", "notext", "-o", tmp, *objects]
        try:
            done = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, check=False)  # fmt: skip
            if done.returncode != 0:
                os.unlink(tmp)
                return False
            for old in os.listdir(self._dir):  # (a run that has one open keeps its mapping)
                if old.startswith(self._stem + "-") and old.endswith(".so"):
                    os.unlink(os.path.join(self._dir, old))
            os.replace(tmp, self.path)
        except OSError:
            return False
        return True


#: The code cache's size limit (``CAMLLVM_CACHE_MAX_MB``, default 2 GiB): a run that
#: compiled prunes it, at most once a day, in a detached process (prune_later).
DEFAULT_MAX_MB = 2048
PRUNE_EVERY_S = 24 * 3600


def cache_limit() -> int:
    """The limit in bytes (a malformed setting means the default)."""
    text = os.environ.get("CAMLLVM_CACHE_MAX_MB", "")
    return (int(text) if text.isdigit() else DEFAULT_MAX_MB) << 20


def _entries(root: str) -> list[tuple[float, int, str]]:
    """(last use, size, path) of every object file and hot library under ``root``; last
    use is the later of access and modification time (relatime updates access times
    at least daily)."""
    found = []
    for sub in os.scandir(root):
        if not sub.is_dir(follow_symlinks=False):
            continue
        for entry in os.scandir(sub.path):
            if entry.name.endswith((".o", ".so")) and entry.is_file(follow_symlinks=False):
                st = entry.stat(follow_symlinks=False)
                found.append((max(st.st_atime, st.st_mtime), st.st_size, entry.path))
    return found


def prune(root: str, limit: int) -> int:
    """Remove the least recently used objects and libraries until ``root`` holds at most
    80 % of ``limit`` bytes (when it holds more than ``limit``); returns bytes removed.
    A library or a hot list missing an object only costs a compilation: the next run
    compiles what it needs again."""
    entries = sorted(_entries(root))
    total = sum(size for _, size, _ in entries)
    removed = 0
    if total <= limit:
        return 0
    for _, size, path in entries:
        if total - removed <= limit * 0.8:
            break
        try:
            os.unlink(path)
            removed += size
        except OSError:
            pass
    return removed


def prune_later(root: str) -> None:
    """At most once a day (a marker file's date), prune ``root`` in a detached process:
    walking a big cache takes seconds, which no run should wait for."""
    marker = os.path.join(root, ".pruned")
    import time

    try:
        if time.time() - os.stat(marker).st_mtime < PRUNE_EVERY_S:
            return
    except OSError:
        pass
    import subprocess

    try:
        os.makedirs(root, exist_ok=True)
        with open(marker, "w", encoding="utf-8"):
            pass
        subprocess.Popen([sys.executable, "-m", "camllvm.codecache", "prune", root],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    except OSError:
        pass  # (an unpruned cache only costs disk)


def main(argv: list[str]) -> int:
    """``python -m camllvm.codecache prune ROOT``: what prune_later starts."""
    if len(argv) != 2 or argv[0] != "prune":
        sys.stderr.write("usage: python -m camllvm.codecache prune CODE_CACHE_DIR\n")
        return 2
    os.nice(19)  # (the runs go first)
    prune(argv[1], cache_limit())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
