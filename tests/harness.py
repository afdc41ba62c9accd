"""Shared helpers of the differential tests: program metadata, cached ocamlc builds, paired runs.

The oracle is always a real ``ocamlrun`` run of the same bytecode file with the
same arguments, stdin, environment and a fresh working directory; nothing here
stores expected output.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TESTS_DIR = REPO / "tests"
PROGRAMS_DIR = TESTS_DIR / "programs"
CACHE_DIR = Path(os.environ.get("CAMLLVM_TEST_CACHE", REPO / ".cache" / "test-bytecode"))

#: Bumped whenever the way programs are compiled changes, so old cache entries are ignored.
COMPILE_SCHEME = "1"

#: The camllvm execution modes every differential test runs in. THE one place to
#: extend (``--jit=all``, ``--jit-only=... --jit-seed=N``); ``CAMLLVM_MODES``
#: (``;``-separated) or ``pytest --camllvm-modes`` override it.
#: The tiered modes use tiny thresholds, so that every function and loop that runs
#: twice or more moves from the interpreter to native code while it runs (the last
#: one: loops first, through on-stack replacement, functions seldom); two compile at
#: once (--sync-compile), one in the background as by default (code arrives while
#: the interpreter goes on, at moments that vary from run to run).
DEFAULT_MODES: tuple[str, ...] = ("--jit=off", "--jit=all --verify-ir --clear-dead-slots",
                                  "--jit-seed=1", "--jit-seed=2 --keep-dead-slots",
                                  "--jit=tiered --tier-calls=1 --tier-loops=1 --verify-ir --sync-compile",
                                  "--jit=tiered --tier-calls=2 --tier-loops=3",
                                  "--jit=tiered --tier-calls=1000 --tier-loops=2 --sync-compile")

#: Heap settings each program also runs under (merged into OCAMLRUNPARAM).
#: ``s=4k`` makes the minor heap tiny so minor GCs happen all the time.
HEAP_SETTINGS: dict[str, str | None] = {"default": None, "s4k": "s=4k", "b": "b"}

DEFAULT_TIMEOUT = 60.0

#: ocamlc arguments for each library a program may name in ``libs=``.
LIB_ARGS: dict[str, tuple[str, ...]] = {
    "unix": ("unix.cma",),
    "str": ("str.cma",),
    "threads": ("-I", "+threads", "unix.cma", "threads.cma"),
}


# --------------------------------------------------------------------------
# Modes and the command under test


def modes() -> list[str]:
    """Mode option strings (each shell-split into argv words), from the env or the default."""
    env = os.environ.get("CAMLLVM_MODES")
    if env is not None and env.strip():
        return [m.strip() for m in env.split(";") if m.strip()]
    return list(DEFAULT_MODES)


def mode_id(mode: str) -> str:
    """A pytest id for a mode usable in ``-k`` expressions: ``--jit=off`` -> ``jit_off``."""
    words = ["".join(c if c.isalnum() or c in ".-" else "_" for c in w.lstrip("-"))
             for w in shlex.split(mode)]
    return "+".join(words) or "none"


def camllvm_cmd() -> list[str]:
    """The camllvm command: ``CAMLLVM_CMD`` (shell-split) if set, else the repo's venv script."""
    env = os.environ.get("CAMLLVM_CMD")
    if env is not None and env.strip():
        return shlex.split(env)
    return [str(REPO / ".venv" / "bin" / "camllvm")]


def is_standin() -> bool:
    """True when CAMLLVM_CMD is plain ocamlrun standing in for camllvm (it has no ``run``)."""
    cmd = camllvm_cmd()
    return len(cmd) == 1 and os.path.basename(cmd[0]) in ("ocamlrun", "ocamlrund", "ocamlruni")


def camllvm_run_argv(mode: str, byte: str, args: Sequence[str]) -> list[str]:
    """argv for ``camllvm run MODE prog.byte args`` (a stand-in ocamlrun ignores the mode)."""
    if is_standin():
        return [*camllvm_cmd(), byte, *args]
    return [*camllvm_cmd(), "run", *shlex.split(mode), byte, *args]


def camllvm_dropin_argv(byte: str, args: Sequence[str]) -> list[str]:
    """argv for ``camllvm prog.byte args`` (no subcommand, like ocamlrun)."""
    return [*camllvm_cmd(), byte, *args]


def ocamlrun() -> str:
    """Path of the reference interpreter."""
    path = shutil.which("ocamlrun")
    if path is None:
        raise RuntimeError("ocamlrun not found on PATH")
    return path


# --------------------------------------------------------------------------
# Program metadata


@dataclasses.dataclass(frozen=True)
class ProgramSpec:
    """One test program and how to build and run it (from its ``(* test: ... *)`` header)."""

    name: str
    path: Path
    args: tuple[str, ...] = ()
    stdin: Path | None = None
    libs: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    exit: int = 0
    files: tuple[Path, ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    heaps: tuple[str, ...] = tuple(HEAP_SETTINGS)

    def ocamlc_args(self) -> list[str]:
        """Compiler arguments before the source file: libraries then flags."""
        out: list[str] = []
        for lib in self.libs:
            for word in LIB_ARGS[lib]:
                if word.endswith(".cma") and word in out:
                    continue
                out.append(word)
        return [*out, *self.flags]


class MetadataError(ValueError):
    """A malformed ``(* test: ... *)`` header."""


METADATA_KEYS = ("args", "stdin", "libs", "flags", "env", "exit", "files", "timeout", "heaps")


def parse_metadata(path: Path) -> ProgramSpec:
    """Read the header comment ``(* test: key=value; key=value *)`` of a program.

    Keys (all optional): ``args`` (shell words), ``stdin`` (file in programs/ fed
    as stdin), ``libs`` (unix, str, threads), ``flags`` (ocamlc flags), ``env``
    (shell words NAME=VALUE; OCAMLRUNPARAM is merged with the heap setting),
    ``exit`` (exit code ocamlrun must give, default 0), ``files`` (files of
    programs/ copied into the working directory), ``timeout`` (seconds),
    ``heaps`` (subset of HEAP_SETTINGS names). The header may span lines; a
    program without one uses the defaults.
    """
    text = path.read_text()
    fields: dict[str, object] = {"name": path.stem, "path": path}
    stripped = text.lstrip()
    if stripped.startswith("(* test:"):
        end = stripped.find("*)")
        if end < 0:
            raise MetadataError(f"{path}: unterminated test header")
        body = stripped[len("(* test:") : end]
        for item in body.split(";"):
            item = item.strip()
            if not item:
                continue
            key, sep, value = item.partition("=")
            key = key.strip()
            if not sep or key not in METADATA_KEYS:
                raise MetadataError(f"{path}: bad test header item {item!r}")
            fields.update(_metadata_field(path, key, value.strip()))
    return ProgramSpec(**fields)  # type: ignore[arg-type]


def _metadata_field(path: Path, key: str, value: str) -> dict[str, object]:
    """Convert one header item into ProgramSpec fields."""
    words = shlex.split(value)
    if key == "args":
        return {"args": tuple(words)}
    if key == "stdin":
        return {"stdin": _program_file(path, value)}
    if key == "files":
        return {"files": tuple(_program_file(path, w) for w in words)}
    if key == "libs":
        bad = [w for w in words if w not in LIB_ARGS]
        if bad:
            raise MetadataError(f"{path}: unknown libs {bad}")
        return {"libs": tuple(words)}
    if key == "flags":
        return {"flags": tuple(words)}
    if key == "env":
        pairs = []
        for w in words:
            name, sep, val = w.partition("=")
            if not sep:
                raise MetadataError(f"{path}: env item {w!r} is not NAME=VALUE")
            pairs.append((name, val))
        return {"env": tuple(pairs)}
    if key == "exit":
        return {"exit": int(value)}
    if key == "timeout":
        return {"timeout": float(value)}
    if key == "heaps":
        bad = [w for w in words if w not in HEAP_SETTINGS]
        if bad:
            raise MetadataError(f"{path}: unknown heaps {bad}")
        return {"heaps": tuple(words)}
    raise MetadataError(f"{path}: unhandled key {key}")


def _program_file(path: Path, name: str) -> Path:
    """A fixture file next to the program; it must exist."""
    p = path.parent / name
    if not p.is_file():
        raise MetadataError(f"{path}: fixture {name} not found")
    return p


@functools.cache
def all_programs() -> tuple[ProgramSpec, ...]:
    """Every tests/programs/*.ml, sorted by name."""
    return tuple(parse_metadata(p) for p in sorted(PROGRAMS_DIR.glob("*.ml")))


# --------------------------------------------------------------------------
# Compilation with a content-addressed cache


@functools.cache
def ocamlc_version() -> str:
    """``ocamlc -version`` (part of every cache key)."""
    return subprocess.run(
        ["ocamlc", "-version"], check=True, capture_output=True, text=True
    ).stdout.strip()


@functools.cache
def ocamlc_where() -> str:
    """``ocamlc -where``: the standard library directory (std_exit.cmo lives there)."""
    return subprocess.run(
        ["ocamlc", "-where"], check=True, capture_output=True, text=True
    ).stdout.strip()


@dataclasses.dataclass(frozen=True)
class Built:
    """A compiled program: the executable and the .cmo of its main unit."""

    byte: Path
    cmo: Path


def compile_source(name: str, source: str, ocamlc_args: Sequence[str] = ()) -> Built:
    """Compile ``source`` as ``<name>.ml`` with ocamlc, reusing a cached result.

    The key hashes the source, the arguments and the ocamlc version. The build
    happens in a private temporary directory inside the cache directory (so the
    debug info says ``File "<name>.ml"``) and results are renamed into place, so
    concurrent test processes never see half-written files.
    """
    key_text = "\0".join([COMPILE_SCHEME, ocamlc_version(), name, *ocamlc_args, source])
    key = hashlib.sha256(key_text.encode()).hexdigest()[:20]
    byte = CACHE_DIR / f"{name}-{key}.byte"
    cmo = CACHE_DIR / f"{name}-{key}.cmo"
    if byte.exists() and cmo.exists():
        return Built(byte, cmo)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE_DIR, prefix=".build-") as tmp:
        (Path(tmp) / f"{name}.ml").write_text(source)
        cmd = ["ocamlc", *ocamlc_args, f"{name}.ml", "-o", f"{name}.byte"]
        proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"ocamlc failed for {name}.ml ({shlex.join(cmd)}):\n{proc.stderr}")
        os.replace(Path(tmp) / f"{name}.cmo", cmo)
        os.replace(Path(tmp) / f"{name}.byte", byte)
    return Built(byte, cmo)


def build(spec: ProgramSpec) -> Built:
    """Compile one test program (cached)."""
    return compile_source(spec.name, spec.path.read_text(), spec.ocamlc_args())


# --------------------------------------------------------------------------
# Running


@dataclasses.dataclass(frozen=True)
class RunResult:
    """What one process did."""

    argv: tuple[str, ...]
    returncode: int | None  # None: killed after the timeout
    stdout: bytes
    stderr: bytes

    def describe(self) -> str:
        """One line: the command and how it ended."""
        how = "timed out" if self.returncode is None else f"exit {self.returncode}"
        return f"{shlex.join(self.argv)}  ->  {how}"


def run_process(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    stdin: bytes = b"",
    timeout: float = DEFAULT_TIMEOUT,
) -> RunResult:
    """Run argv to completion in its own process group; kill the whole group on timeout."""
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
        rc: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        out, err = proc.communicate()
        rc = None
    return RunResult(tuple(argv), rc, out, err)


def _kill_group(pgid: int) -> None:
    """SIGKILL the process group we created for one run."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def base_env() -> dict[str, str]:
    """The environment of every run: ours without any inherited OCAMLRUNPARAM."""
    env = dict(os.environ)
    for var in ("OCAMLRUNPARAM", "CAMLRUNPARAM"):
        env.pop(var, None)
    return env


def run_env(spec: ProgramSpec, heap: str) -> dict[str, str]:
    """Environment for a program under one heap setting (OCAMLRUNPARAM parts merged with ',')."""
    env = base_env()
    params: list[str] = []
    for name, value in spec.env:
        if name in ("OCAMLRUNPARAM", "CAMLRUNPARAM"):
            params.append(value)
        else:
            env[name] = value
    extra = HEAP_SETTINGS[heap]
    if extra:
        params.append(extra)
    if params:
        env["OCAMLRUNPARAM"] = ",".join(params)
    return env


def fresh_cwd(spec: ProgramSpec, parent: Path, label: str) -> Path:
    """A new empty working directory holding copies of the program's fixture files."""
    cwd = Path(tempfile.mkdtemp(dir=parent, prefix=f"{label}-"))
    for f in spec.files:
        shutil.copy(f, cwd / f.name)
    return cwd


def run_program(spec: ProgramSpec, argv: Sequence[str], heap: str, parent: Path,
                label: str) -> RunResult:
    """Run a built program (full argv) with its stdin, environment and a fresh cwd."""
    stdin = spec.stdin.read_bytes() if spec.stdin else b""
    return run_process(
        argv,
        env=run_env(spec, heap),
        cwd=fresh_cwd(spec, parent, label),
        stdin=stdin,
        timeout=spec.timeout,
    )


_reference_cache: dict[tuple[str, str], RunResult] = {}


def reference_run(spec: ProgramSpec, heap: str, parent: Path) -> RunResult:
    """The ocamlrun result for (program, heap), computed once per test process."""
    key = (spec.name, heap)
    if key not in _reference_cache:
        argv = [ocamlrun(), str(build(spec).byte), *spec.args]
        _reference_cache[key] = run_program(spec, argv, heap, parent, "ocamlrun")
    return _reference_cache[key]


# --------------------------------------------------------------------------
# Checking


def check_reference(spec: ProgramSpec, ref: RunResult) -> None:
    """Assert ocamlrun itself did what the program means to do (so a broken build cannot pass)."""
    assert ref.returncode == spec.exit, (
        f"ocamlrun gave exit {ref.returncode}, the program header expects {spec.exit}\n"
        f"{ref.describe()}\n--- stderr ---\n{ref.stderr.decode(errors='replace')[-3000:]}"
    )
    assert ref.stdout or ref.stderr, f"ocamlrun printed nothing: {ref.describe()}"


def difference(expected: RunResult, actual: RunResult, max_lines: int = 60) -> str | None:
    """A readable report of how ``actual`` differs from ``expected``, or None if identical."""
    parts: list[str] = []
    if expected.returncode != actual.returncode:
        parts.append(f"exit code: ocamlrun {expected.returncode}, camllvm {actual.returncode}")
    for stream in ("stdout", "stderr"):
        a, b = getattr(expected, stream), getattr(actual, stream)
        if a != b:
            parts.append(f"{stream} differs:\n" + _diff(a, b, stream, max_lines))
    if not parts:
        return None
    head = f"reference: {expected.describe()}\nactual:    {actual.describe()}"
    return head + "\n" + "\n".join(parts)


def _diff(a: bytes, b: bytes, stream: str, max_lines: int) -> str:
    """Unified diff of two byte streams (decoded leniently), cut to max_lines."""
    la = a.decode("utf-8", errors="backslashreplace").splitlines(keepends=True)
    lb = b.decode("utf-8", errors="backslashreplace").splitlines(keepends=True)
    lines = list(
        difflib.unified_diff(la, lb, f"ocamlrun {stream}", f"camllvm {stream}", n=2)
    )
    if not lines:  # differs only in a trailing newline or bytes repr
        lines = [f"- {a[-200:]!r}\n", f"+ {b[-200:]!r}\n"]
    if len(lines) > max_lines:
        lines = lines[:max_lines] + [f"... ({len(lines) - max_lines} more diff lines)\n"]
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def assert_same(expected: RunResult, actual: RunResult) -> None:
    """Fail with a diff unless both runs gave the same stdout, stderr and exit code."""
    diff = difference(expected, actual)
    if diff is not None:
        pytest.fail(diff, pytrace=False)
