"""Benchmark runner: ``python -m camllvm.bench [--runs N] [--quick] [--only NAME,...]``.

Each program ``bench/NAME.ml`` is compiled with ``ocamlc`` and ``ocamlopt`` (cached
under ``.cache/bench/`` by source hash), checked to print the same thing under
ocamlrun, camllvm (default: tiered mode) and natively, then run round-robin N times under
the three. Times are CPU times (user + sys) of the child process from ``os.wait4``.
camllvm runs twice per round: *cold* with ``--no-cache`` (everything included:
start-up, compiling every function that runs, running), and *cached* with the
code cache filled by the unmeasured check run; *warm* is the cached time less
what it reports with ``--stats`` as loading (LLVM's library and engines, then the
cached code) and the Python start-up overhead (measured once per session on a hello
program). Results: a table on stdout, ``results.md``,
``results.png`` (ratios, log scale) and ``results.json`` (raw samples) in ``--out``.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import math
import os
import platform
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO / "bench"
CACHE_DIR = REPO / ".cache" / "bench"
DEFAULT_CAMLLVM = REPO / ".venv" / "bin" / "camllvm"
CAMLLVM_OPTIONS = ("run", "--stats")  # the default mode (tiered), as users run it
#: Runs of each command when measuring the start-up overhead on the hello program.
OVERHEAD_RUNS = 5
#: Floor for a warm time, so that a ratio stays finite when the subtraction overshoots.
MIN_WARM = 0.001
HELLO_SOURCE = 'let () = print_endline "hello"\n'
QUICK_RE = re.compile(r"quick-size:\s*(\S+?)\s*(?:\*\)|$)", re.MULTILINE)
STATS_TIME_RE = re.compile(r"^camllvm stats: time (.*)$", re.MULTILINE)
STATS_ITEM_RE = re.compile(r"([A-Za-z][A-Za-z ]*?)\s+([0-9]+(?:\.[0-9]*)?)s\b")
FUNCS_RE = re.compile(r"^camllvm stats: functions compiled (\d+)", re.MULTILINE)
CACHED_RE = re.compile(r"^camllvm stats: .*from the code cache (\d+)", re.MULTILINE)
LINKED_RE = re.compile(r"from its library (\d+)\), OSR code from it (\d+)")
TOOLS = ("ocamlrun", "camllvm", "fresh", "native")  # fresh: camllvm with --no-cache


class BenchError(Exception):
    """A benchmark could not be built or run, or its outputs disagree."""


# ---------------------------------------------------------------------------
# Programs and builds


@dataclass(frozen=True)
class Program:
    """One benchmark source file and the size its ``quick-size:`` comment names."""

    name: str
    source: Path
    quick_size: str | None


@dataclass(frozen=True)
class Build:
    """The bytecode and native executables of one program."""

    program: Program
    byte: Path
    native: Path


def parse_quick_size(text: str) -> str | None:
    """The value of the first ``quick-size: N`` in a source's comments, if any."""
    m = QUICK_RE.search(text)
    return m.group(1) if m else None


def discover(bench_dir: Path, only: Sequence[str] = ()) -> list[Program]:
    """Programs ``bench_dir/*.ml`` sorted by name, restricted to ``only`` when given."""
    found = {p.stem: p for p in sorted(bench_dir.glob("*.ml"))}
    unknown = [n for n in only if n not in found]
    if unknown:
        raise BenchError(f"unknown benchmark(s): {', '.join(unknown)} "
                         f"(have: {', '.join(found)})")
    names = list(only) if only else list(found)
    return [Program(n, found[n], parse_quick_size(found[n].read_text())) for n in names]


def tool_version(cmd: str) -> str:
    """``cmd -version`` output (part of the build cache key)."""
    return subprocess.run([cmd, "-version"], capture_output=True, text=True,
                          check=True).stdout.strip()


def source_key(text: str, versions: Sequence[str]) -> str:
    """Cache key: hash of the source text and the compilers' versions."""
    h = hashlib.sha256(text.encode())
    for v in versions:
        h.update(b"\0" + v.encode())
    return h.hexdigest()[:16]


def compile_in(workdir: Path, name: str, text: str) -> tuple[Path, Path]:
    """Compile ``name.ml`` (written into ``workdir``) with ocamlc and ocamlopt."""
    workdir.mkdir(parents=True, exist_ok=True)
    byte, native = workdir / f"{name}.byte", workdir / f"{name}.native"
    if byte.exists() and native.exists():
        return byte, native
    (workdir / f"{name}.ml").write_text(text)
    for cmd in (["ocamlc", "-o", byte.name], ["ocamlopt", "-o", native.name]):
        r = subprocess.run(cmd + [f"{name}.ml"], cwd=workdir, capture_output=True, text=True)
        if r.returncode != 0:
            raise BenchError(f"{' '.join(cmd)} {name}.ml failed:\n{r.stdout}{r.stderr}")
    return byte, native


def build(program: Program, cache: Path, versions: Sequence[str]) -> Build:
    """Compile one program into ``cache/NAME-KEY/`` unless already there."""
    text = program.source.read_text()
    workdir = cache / f"{program.name}-{source_key(text, versions)}"
    byte, native = compile_in(workdir, program.name, text)
    return Build(program, byte, native)


# ---------------------------------------------------------------------------
# Running and measuring


@dataclass(frozen=True)
class Sample:
    """One finished child process: CPU seconds, output and exit status (and wall seconds)."""

    cpu: float
    stdout: str
    stderr: str
    status: int
    wall: float = math.nan


def run_timed(cmd: Sequence[str], timeout: float) -> Sample:
    """Run ``cmd``; return its CPU time (user + sys, from ``os.wait4``) and output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)  # reaped: kill() is a no-op
        finally:
            timer.cancel()
        out.seek(0)
        err.seek(0)
        return Sample(usage.ru_utime + usage.ru_stime,
                      out.read().decode(errors="replace"), err.read().decode(errors="replace"),
                      proc.returncode, wall)


def parse_compile_time(stderr: str) -> float | None:
    """Sum of every ``NAME Xs`` in camllvm's ``camllvm stats: time ...`` lines (None if absent).

    Today: irgen, llvm parse, optimise, codegen. A new item (e.g. a code cache's load
    time) is summed with no change here.
    """
    lines = STATS_TIME_RE.findall(stderr)
    if not lines:
        return None
    return sum(float(v) for line in lines for _, v in STATS_ITEM_RE.findall(line))


def parse_function_counts(stderr: str) -> tuple[int, int, int]:
    """(functions compiled or loaded through LLVM, of which from the code cache, functions
    and loops installed from the hot library) in camllvm's stats (0 if absent)."""
    compiled = FUNCS_RE.search(stderr)
    cached = CACHED_RE.search(stderr)
    linked = LINKED_RE.search(stderr)
    return (int(compiled.group(1)) if compiled else 0, int(cached.group(1)) if cached else 0,
            int(linked.group(1)) + int(linked.group(2)) if linked else 0)  # fmt: skip


def strip_stats(stderr: str) -> str:
    """stderr without camllvm's ``camllvm stats:`` lines."""
    return "".join(line for line in stderr.splitlines(keepends=True)
                   if not line.startswith("camllvm stats:"))


def jit_command(camllvm: str, extra: Sequence[str] = ()) -> list[str]:
    """camllvm's command line up to the program: ``camllvm run --stats [extra]``."""
    return [camllvm, *CAMLLVM_OPTIONS, *extra]


def commands(b: Build, jit_cmd: Sequence[str], args: Sequence[str]) -> dict[str, list[str]]:
    """The three command lines for one program, keyed by tool."""
    return {
        "ocamlrun": ["ocamlrun", str(b.byte), *args],
        "camllvm": [*jit_cmd, str(b.byte), *args],
        "fresh": [*jit_cmd, "--no-cache", str(b.byte), *args],
        "native": [str(b.native), *args],
    }


def last_line(text: str) -> str:
    """The last non-empty line of ``text`` ('' if none): a program's checksum line."""
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def check_agree(name: str, samples: dict[str, Sample]) -> None:
    """Raise BenchError unless all tools printed the same stdout/stderr and exit code."""
    ref = samples["ocamlrun"]
    for tool, s in samples.items():
        got = (s.stdout, strip_stats(s.stderr), s.status)
        want = (ref.stdout, ref.stderr, ref.status)
        if got != want:
            raise BenchError(
                f"{name}: {tool} disagrees with ocamlrun\n"
                f"  ocamlrun: exit {ref.status}, stdout {ref.stdout!r}, stderr {ref.stderr!r}\n"
                f"  {tool}: exit {s.status}, stdout {s.stdout!r}, "
                f"stderr {strip_stats(s.stderr)!r}")


@dataclass
class Measurement:
    """All samples of one program: CPU seconds per tool, camllvm's compile times."""

    name: str
    cpu: dict[str, list[float]] = field(default_factory=lambda: {t: [] for t in TOOLS})
    cold_wall: list[float] = field(default_factory=list)  # the cold runs' wall-clock seconds
    compile: list[float] = field(default_factory=list)  # the cold (--no-cache) runs'
    load: list[float] = field(default_factory=list)  # the cached runs' (loading object code)
    #: parse_function_counts of each measured cached run.
    functions: list[tuple[int, int, int]] = field(default_factory=list)
    checksum: str = ""
    error: str | None = None


def round_robin(cmds: dict[str, list[str]], runs: int, timeout: float,
                on_round: Callable[[dict[str, Sample]], None]) -> None:
    """Run every tool once per round, ``runs`` rounds, passing each round's samples on."""
    for _ in range(runs):
        on_round({tool: run_timed(cmd, timeout) for tool, cmd in cmds.items()})


def measure_program(b: Build, jit_cmd: Sequence[str], args: Sequence[str], runs: int,
                    timeout: float) -> Measurement:
    """Check agreement once (unmeasured), then measure ``runs`` interleaved rounds."""
    m = Measurement(b.program.name)
    cmds = commands(b, jit_cmd, args)

    def record(samples: dict[str, Sample]) -> None:
        check_agree(m.name, samples)
        for tool, s in samples.items():
            m.cpu[tool].append(s.cpu)
        m.cold_wall.append(samples["fresh"].wall)
        compile_s = parse_compile_time(samples["fresh"].stderr)
        load_s = parse_compile_time(samples["camllvm"].stderr)
        if compile_s is None or load_s is None:
            raise BenchError(f"{m.name}: camllvm printed no 'camllvm stats: time' line")
        m.compile.append(compile_s)
        m.load.append(load_s)
        m.functions.append(parse_function_counts(samples["camllvm"].stderr))

    def check(samples: dict[str, Sample]) -> None:
        check_agree(m.name, samples)
        m.checksum = last_line(samples["ocamlrun"].stdout)

    try:
        round_robin(cmds, 1, timeout, check)
        round_robin(cmds, runs, timeout, record)
    except BenchError as e:
        m.error = str(e)
    return m


def measure_overhead(hello: Path, camllvm: str, jit_cmd: Sequence[str],
                     timeout: float) -> dict[str, float]:
    """Median CPU seconds of hello under ocamlrun, camllvm --jit=off and as measured."""
    cmds = {
        "ocamlrun": ["ocamlrun", str(hello)],
        "jit_off": [camllvm, "run", "--jit=off", str(hello)],
        "jit": [*jit_cmd, str(hello)],
    }
    times: dict[str, list[float]] = {k: [] for k in cmds}
    compiles: list[float] = []
    for _ in range(OVERHEAD_RUNS):
        for key, cmd in cmds.items():
            s = run_timed(cmd, timeout)
            if s.status != 0 or s.stdout != "hello\n":
                raise BenchError(f"hello under {' '.join(cmd)}: exit {s.status}, "
                                 f"stdout {s.stdout!r}, stderr {s.stderr!r}")
            times[key].append(s.cpu)
            if key == "jit":
                compiles.append(parse_compile_time(s.stderr) or 0.0)
    result = {k: median(v) for k, v in times.items()}
    result["jit_compile"] = median(compiles)
    result["overhead"] = max(0.0, result["jit_off"] - result["ocamlrun"])
    return result


# ---------------------------------------------------------------------------
# Statistics and rows


def median(values: Sequence[float]) -> float:
    """Median of a non-empty sequence (mean of the middle two for an even count)."""
    if not values:
        raise ValueError("median of no values")
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def geomean(values: Sequence[float]) -> float:
    """Geometric mean of positive values (nan when there are none)."""
    vals = [v for v in values if v > 0 and math.isfinite(v)]
    if not vals:
        return math.nan
    return math.exp(sum(math.log(v) for v in vals) / len(vals))


def ratio(a: float, b: float) -> float:
    """a / b, or nan when b is not positive."""
    return a / b if b > 0 else math.nan


def warm_times(cached: Sequence[float], load_s: Sequence[float], overhead: float) -> list[float]:
    """Per-run warm time: cached - code loading - start-up overhead, floored at MIN_WARM."""
    return [max(MIN_WARM, c - k - overhead) for c, k in zip(cached, load_s, strict=True)]


@dataclass(frozen=True)
class Row:
    """One line of the results table (medians over runs, in seconds)."""

    name: str
    ocamlrun: float
    cold: float
    cached: float
    warm: float
    compile: float
    native: float
    error: str | None = None
    cold_wall: float = math.nan  # wall-clock seconds of the cold run (compiles in the background)

    @property
    def run_over_warm(self) -> float:
        """ocamlrun / camllvm warm (> 1: camllvm's code is faster than the interpreter)."""
        return ratio(self.ocamlrun, self.warm)

    @property
    def run_over_cold(self) -> float:
        """ocamlrun / camllvm cold (> 1: camllvm is faster, compile time included)."""
        return ratio(self.ocamlrun, self.cold)

    @property
    def warm_over_native(self) -> float:
        """camllvm warm / ocamlopt (> 1: camllvm's code is slower than native)."""
        return ratio(self.warm, self.native)


def one_line(message: str, limit: int = 400) -> str:
    """A multi-line message on one line (lines joined by '; '), cut to ``limit`` characters."""
    text = "; ".join(line.strip() for line in message.splitlines() if line.strip())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def make_row(m: Measurement, overhead: float) -> Row:
    """Medians of one program's samples (an error row if it failed)."""
    if m.error is not None:
        nan = math.nan
        return Row(m.name, nan, nan, nan, nan, nan, nan, error=one_line(m.error))
    warm = warm_times(m.cpu["camllvm"], m.load, overhead)
    return Row(m.name, median(m.cpu["ocamlrun"]), median(m.cpu["fresh"]),
               median(m.cpu["camllvm"]), median(warm), median(m.compile),
               median(m.cpu["native"]), cold_wall=median(m.cold_wall) if m.cold_wall else math.nan)


RATIO_NAMES = ("run_over_warm", "run_over_cold", "warm_over_native")
HEADERS = ("program", "ocamlrun s", "camllvm cold s", "cold wall s", "camllvm cached s",
           "camllvm warm s", "compile s",
           "ocamlopt s", "ocamlrun/warm", "ocamlrun/cold", "warm/ocamlopt")


def geomeans(rows: Sequence[Row]) -> tuple[float, float, float]:
    """Geometric means of the three ratios over the rows that succeeded."""
    ok = [r for r in rows if r.error is None]
    g = [geomean([getattr(r, n) for r in ok]) for n in RATIO_NAMES]
    return g[0], g[1], g[2]


def fmt_time(x: float) -> str:
    """Seconds with 3 decimals ('-' for nan)."""
    return "-" if math.isnan(x) else f"{x:.3f}"


def fmt_ratio(x: float) -> str:
    """A ratio with 2 significant-ish decimals ('-' for nan)."""
    if math.isnan(x):
        return "-"
    return f"{x:.2f}" if x >= 0.1 else f"{x:.3f}"


def table_cells(rows: Sequence[Row]) -> list[list[str]]:
    """Header, one row per program and the geometric-mean row, as strings."""
    cells = [list(HEADERS)]
    for r in rows:
        if r.error is not None:
            cells.append([r.name, "FAILED"] + [""] * (len(HEADERS) - 2))
            continue
        cells.append([r.name, fmt_time(r.ocamlrun), fmt_time(r.cold), fmt_time(r.cold_wall),
                      fmt_time(r.cached), fmt_time(r.warm), fmt_time(r.compile), fmt_time(r.native),
                      fmt_ratio(r.run_over_warm), fmt_ratio(r.run_over_cold),
                      fmt_ratio(r.warm_over_native)])
    cells.append(["geomean", "", "", "", "", "", "", ""] + [fmt_ratio(g) for g in geomeans(rows)])
    return cells


def format_text(rows: Sequence[Row]) -> str:
    """Plain aligned table for the terminal (names left, numbers right)."""
    cells = table_cells(rows)
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADERS))]

    def line(row: list[str]) -> str:
        parts = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        return "  ".join(parts).rstrip()

    sep = "  ".join("-" * w for w in widths)
    out = [line(cells[0]), sep] + [line(c) for c in cells[1:-1]] + [sep, line(cells[-1])]
    return "\n".join(out) + "\n"


def format_markdown_table(rows: Sequence[Row]) -> str:
    """The same table as GitHub Markdown (geomean row in bold)."""
    cells = table_cells(rows)
    head = "| " + " | ".join(cells[0]) + " |"
    align = "|---|" + "---:|" * (len(HEADERS) - 1)
    body = ["| " + " | ".join(c) + " |" for c in cells[1:-1]]
    g = cells[-1]
    last = "| **geomean** | " + " | ".join(f"**{c}**" if c else "" for c in g[1:]) + " |"
    return "\n".join([head, align, *body, last]) + "\n"


# ---------------------------------------------------------------------------
# Report


def cpu_model(cpuinfo: str) -> str:
    """The first ``model name`` of /proc/cpuinfo text ('unknown' if none)."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return "unknown"


def machine_info() -> dict[str, str]:
    """nproc, CPU model, OS, OCaml, llvmlite and LLVM versions."""
    try:
        model = cpu_model(Path("/proc/cpuinfo").read_text())
    except OSError:
        model = platform.processor() or "unknown"
    try:
        import llvmlite
        import llvmlite.binding as llvm

        llvmlite_v = llvmlite.__version__
        llvm_v = ".".join(str(x) for x in llvm.llvm_version_info)
    except Exception:  # noqa: BLE001 - a report must not fail on a missing module
        llvmlite_v = llvm_v = "unknown"
    return {"nproc": str(os.cpu_count()), "cpu": model, "os": platform.platform(),
            "ocaml": tool_version("ocamlc"), "llvmlite": llvmlite_v, "llvm": llvm_v,
            "python": platform.python_version()}


def notes(meta: dict[str, object]) -> list[str]:
    """The explanations printed under the table."""
    ov, opts = meta["overhead"], meta.get("options", CAMLLVM_OPTIONS)
    assert isinstance(ov, dict) and isinstance(opts, (list, tuple))
    return [
        f"Times are CPU seconds (user + sys of the child, from `os.wait4`), medians of "
        f"{meta['runs']} interleaved run(s); ocamlrun, camllvm cold, camllvm cached and "
        f"ocamlopt's program run round-robin.",
        f"camllvm runs as `camllvm {' '.join(opts)} prog.byte`.",
        cache_note(meta.get("functions", (0, 0))),
        "*cold* = a run with `--no-cache`: start-up, compilation of everything compiled "
        "(in tiered mode: what got hot), and the run itself; *compile* = its irgen + llvm "
        "parse + optimise + codegen, as reported by `--stats`; *cold wall* = the same run's "
        "wall-clock seconds (the tiered mode compiles on a thread of its own: on a machine "
        "with a free core, compilation overlaps the run; the CPU time counts both).",
        f"*warm* = cached - loading LLVM and the cached code (`llvm load` and `codegen` "
        f"of its `--stats`) - Python start-up overhead; the "
        f"overhead, measured once "
        f"per session as CPU(`camllvm run --jit=off hello`) - CPU(`ocamlrun hello`), is "
        f"{ov['overhead']:.3f} s. A warm time is floored at {MIN_WARM} s.",
        f"For reference, hello under `camllvm {' '.join(opts)}`: {ov['jit']:.3f} s CPU "
        f"(of which {ov['jit_compile']:.3f} s compile) vs {ov['ocamlrun']:.3f} s "
        f"under ocamlrun; start-up work not covered by compile or overhead stays in *warm*.",
        "Ratios: ocamlrun/warm and ocamlrun/cold > 1 mean camllvm is faster than the "
        "interpreter; warm/ocamlopt > 1 means camllvm is slower than native code.",
    ]


def cache_note(functions: object) -> str:
    """How much of the measured camllvm runs' code came from camllvm's code cache."""
    counts = list(functions) if isinstance(functions, (list, tuple)) else []
    compiled, cached, linked = (counts + [0, 0, 0])[:3]
    return (f"Code cache: in the measured *cached* runs, {linked} functions and loops were "
            f"installed from hot libraries (dlopen, no LLVM), {cached} of {compiled} "
            f"function compilations were loaded from camllvm's code cache through LLVM, the "
            f"rest compiled (the cache is filled by the unmeasured check run unless "
            f"`--no-cache` is passed).")


def format_markdown(rows: Sequence[Row], meta: dict[str, object]) -> str:
    """The whole results.md document."""
    mi, opts = meta["machine"], meta.get("options", CAMLLVM_OPTIONS)
    assert isinstance(mi, dict) and isinstance(opts, (list, tuple))
    title = "# camllvm benchmarks" + (" (quick run)" if meta["quick"] else "")
    lines = [
        title, "",
        f"- date: {meta['date']}",
        f"- machine: {mi['nproc']} CPUs, {mi['cpu']}; {mi['os']}",
        f"- OCaml {mi['ocaml']}; llvmlite {mi['llvmlite']}, LLVM {mi['llvm']}; "
        f"Python {mi['python']}",
        f"- camllvm options: `{' '.join(opts)}`; runs: {meta['runs']}; "
        f"sizes: {'quick' if meta['quick'] else 'default'}",
        "", format_markdown_table(rows),
        "Notes:", "",
    ]
    lines += [f"- {n}" for n in notes(meta)]
    failed = [r for r in rows if r.error is not None]
    if failed:
        lines += ["", "Failures (see also stderr of the run):", ""]
        lines += [f"- {r.error}" for r in failed]
    lines += ["", "![ratios](results.png)" if not meta["quick"] else
              "![ratios](results-quick.png)", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# PNG writer and chart

#: 5x7 bitmap font: each entry is the character then 7 rows as 2 hex digits
#: (bit 4 = leftmost pixel). Lower-case text is drawn in upper case.
FONT_DATA = (
    "A0e11111f111111 B1e11111e11111e C0e11101010110e D1e11111111111e E1f10101e10101f "
    "F1f10101e101010 G0e11101711110f H1111111f111111 I0e04040404040e J0702020202120c "
    "K11121418141211 L1010101010101f M111b1515111111 N11111915131111 O0e11111111110e "
    "P1e11111e101010 Q0e11111115120d R1e11111e141211 S0f10100e01011e T1f040404040404 "
    "U1111111111110e V11111111110a04 W1111111515150a X11110a040a1111 Y11110a04040404 "
    "Z1f01020408101f 00e11131519110e 1040c040404040e 20e11010204081f 31f02040201110e "
    "402060a121f0202 51f101e0101110e 60608101e11110e 71f010204080808 80e11110e11110e "
    "90e11110f01020c .00000000000c0c /00010204081000 -0000001f000000 :000c0c000c0c00 "
    "(02040808080402 )08040202020408 =00001f001f0000 ,000000000c0408 _0000000000001f "
    ">08040201020408 <02040810080402"
)
GLYPH_W, GLYPH_H = 5, 7


def load_font() -> dict[str, list[int]]:
    """Decode FONT_DATA into character -> 7 row bitmasks."""
    font: dict[str, list[int]] = {" ": [0] * GLYPH_H}
    for entry in FONT_DATA.split():
        font[entry[0]] = [int(entry[1 + 2 * i:3 + 2 * i], 16) for i in range(GLYPH_H)]
    return font


FONT = load_font()
Color = tuple[int, int, int]


class Canvas:
    """An RGB image in memory with a few drawing primitives."""

    def __init__(self, width: int, height: int, bg: Color = (255, 255, 255)) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(bg) * (width * height))

    def rect(self, x0: int, y0: int, x1: int, y1: int, color: Color) -> None:
        """Fill [x0, x1) x [y0, y1), clipped to the image."""
        x0, x1 = max(0, min(x0, x1)), min(self.width, max(x0, x1))
        y0, y1 = max(0, min(y0, y1)), min(self.height, max(y0, y1))
        if x0 >= x1:
            return
        row = bytes(color) * (x1 - x0)
        for y in range(y0, y1):
            start = 3 * (y * self.width + x0)
            self.pixels[start:start + len(row)] = row

    def text(self, x: int, y: int, s: str, color: Color = (0, 0, 0), scale: int = 1) -> None:
        """Draw ``s`` with its top-left corner at (x, y); unknown characters are blank."""
        for ch in s.upper():
            for r, bits in enumerate(FONT.get(ch, FONT[" "])):
                for c in range(GLYPH_W):
                    if bits & (1 << (GLYPH_W - 1 - c)):
                        px, py = x + c * scale, y + r * scale
                        self.rect(px, py, px + scale, py + scale, color)
            x += (GLYPH_W + 1) * scale

    def png(self) -> bytes:
        """The image as PNG bytes (8-bit RGB, filter 0, one IDAT)."""
        return encode_png(self.width, self.height, bytes(self.pixels))


def text_width(s: str, scale: int = 1) -> int:
    """Pixel width of ``s`` drawn by Canvas.text."""
    return max(0, len(s) * (GLYPH_W + 1) * scale - scale)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC of type + data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(width: int, height: int, rgb: bytes) -> bytes:
    """PNG file bytes for ``width`` x ``height`` RGB pixels (row-major, 3 bytes each)."""
    if len(rgb) != 3 * width * height:
        raise ValueError("pixel data does not match the image size")
    stride = 3 * width
    raw = b"".join(b"\0" + rgb[y * stride:(y + 1) * stride] for y in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
            + png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b""))


SERIES: tuple[tuple[str, str, Color], ...] = (
    ("run_over_warm", "ocamlrun / camllvm warm", (52, 101, 164)),
    ("run_over_cold", "ocamlrun / camllvm cold", (115, 170, 220)),
    ("warm_over_native", "camllvm warm / ocamlopt", (204, 102, 51)),
)


CHART_HINT = ("blue above 1: camllvm faster than ocamlrun.  "
              "orange above 1: camllvm slower than ocamlopt.")


def log_range(values: Sequence[float]) -> tuple[int, int]:
    """Decades [lo, hi] (powers of ten) covering 1 and every finite positive value."""
    logs = [math.log10(v) for v in values if v > 0 and math.isfinite(v)] + [0.0]
    lo, hi = math.floor(min(logs)), math.ceil(max(logs))
    return lo, hi if hi > lo else lo + 1


def tick_label(exp: int, mult: int = 1) -> str:
    """'0.01', '0.5', '1', '20', ... for mult * 10**exp."""
    return f"{mult * 10.0 ** exp:.{-exp}f}" if exp < 0 else str(mult * 10 ** exp)


def draw_chart(rows: Sequence[Row], title: str) -> Canvas:
    """Grouped bars of the three ratios per program and their geometric means, log scale."""
    ok = [r for r in rows if r.error is None]
    groups = [(r.name, [getattr(r, s[0]) for s in SERIES]) for r in ok]
    groups.append(("geomean", list(geomeans(rows))))
    lo, hi = log_range([v for _, vals in groups for v in vals])
    group_w = max(66, max(text_width(n) for n, _ in groups) + 8)
    left, right, top, plot_h = 56, 16, 80, 60 * (hi - lo) + 120
    legend_w = sum(text_width(label) + 34 for _, label, _ in SERIES)
    width = left + right + max(group_w * len(groups), text_width(title, 2), legend_w,
                               text_width(CHART_HINT))
    height = top + plot_h + 40
    c = Canvas(width, height)
    c.text(left, 8, title, scale=2)
    lx = left
    for _, label, color in SERIES:
        c.rect(lx, 34, lx + 10, 44, color)
        c.text(lx + 14, 36, label)
        lx += text_width(label) + 34
    c.text(left, 54, CHART_HINT, (90, 90, 90))

    def y_of(v: float) -> int:
        return top + round((hi - math.log10(v)) / (hi - lo) * plot_h)

    for exp in range(lo, hi + 1):
        for mult in ((1, 2, 5) if exp < hi else (1,)):
            y = y_of(mult * 10.0 ** exp)
            c.rect(left, y, width - right, y + 1, (225, 225, 225) if mult > 1 else (190, 190, 190))
            if mult == 1 or hi - lo <= 2:  # few decades: label 2x and 5x lines too
                label = tick_label(exp, mult)
                c.text(left - 6 - text_width(label), y - 3, label)
    one = y_of(1.0)
    c.rect(left, one, width - right, one + 2, (0, 0, 0))
    c.rect(left - 1, top, left, top + plot_h + 1, (0, 0, 0))
    bar_w = (group_w - 12) // len(SERIES)
    for i, (name, vals) in enumerate(groups):
        gx = left + i * group_w + 6
        for j, v in enumerate(vals):
            if v > 0 and math.isfinite(v):
                c.rect(gx + j * bar_w, min(one, y_of(v)), gx + (j + 1) * bar_w - 1,
                       max(one, y_of(v)) + 1, SERIES[j][2])
        c.text(gx + (group_w - 12 - text_width(name)) // 2, top + plot_h + 10, name)
    return c


def write_results(out: Path, rows: Sequence[Row], meta: dict[str, object],
                  raw: list[dict[str, object]]) -> tuple[Path, Path]:
    """Write results(.md/.png/.json) (``results-quick.*`` for quick runs) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    stem = "results-quick" if meta["quick"] else "results"
    md, png = out / f"{stem}.md", out / f"{stem}.png"
    md.write_text(format_markdown(rows, meta))
    title = "camllvm: ratios per program (log scale)"
    png.write_bytes(draw_chart(rows, title).png())
    (out / f"{stem}.json").write_text(json.dumps({"meta": meta, "programs": raw}, indent=1))
    return md, png


# ---------------------------------------------------------------------------
# Command line


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The runner's options."""
    p = argparse.ArgumentParser(prog="python -m camllvm.bench", description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=3, help="measured rounds per program (default 3)")
    p.add_argument("--quick", action="store_true",
                   help="small sizes (each program's quick-size) and 1 run, for smoke tests")
    p.add_argument("--only", default="", help="comma-separated program names")
    p.add_argument("--camllvm", default=str(DEFAULT_CAMLLVM), help="camllvm command")
    p.add_argument("--out", default=str(BENCH_DIR / "results"), help="results directory")
    p.add_argument("--camllvm-args", default="",
                   help="extra camllvm run options, e.g. --camllvm-args='--no-cache --opt=2'")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per run (default 600)")
    args = p.parse_args(argv)
    if args.quick and "--runs" not in argv and not any(a.startswith("--runs=") for a in argv):
        args.runs = 1
    if args.runs < 1:
        p.error("--runs must be at least 1")
    return args


def check_tools(camllvm: str) -> None:
    """Fail early when a needed command is missing."""
    for tool in ("ocamlc", "ocamlopt", "ocamlrun"):
        if shutil.which(tool) is None:
            raise BenchError(f"{tool} not found on PATH")
    if shutil.which(camllvm) is None:
        raise BenchError(f"camllvm command not found: {camllvm}")


def log(msg: str) -> None:
    """Progress on stderr."""
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def raw_record(m: Measurement, b: Build, args: Sequence[str]) -> dict[str, object]:
    """One program's raw samples for results.json."""
    return {"name": m.name, "args": list(args), "cpu": m.cpu, "compile": m.compile,
            "load": m.load,
            "functions": m.functions,
            "checksum": m.checksum, "error": m.error, "byte": str(b.byte)}


def run_suite(args: argparse.Namespace) -> int:
    """Build, check, measure and report; 0 if every program agreed, 1 otherwise."""
    check_tools(args.camllvm)
    only = [n for n in args.only.split(",") if n]
    programs = discover(BENCH_DIR, only)
    versions = [tool_version("ocamlc"), tool_version("ocamlopt")]
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    hello, _ = compile_in(CACHE_DIR / f"hello-{source_key(HELLO_SOURCE, versions)}",
                          "hello", HELLO_SOURCE)
    log("measuring start-up overhead on hello ...")
    jit_cmd = jit_command(args.camllvm, shlex.split(args.camllvm_args))
    overhead = measure_overhead(hello, args.camllvm, jit_cmd, args.timeout)
    log(f"  overhead {overhead['overhead']:.3f} s")
    rows, raw, ms = [], [], []
    for i, prog in enumerate(programs, 1):
        b = build(prog, CACHE_DIR, versions)
        pargs = [prog.quick_size] if args.quick and prog.quick_size else []
        log(f"[{i}/{len(programs)}] {prog.name} {' '.join(pargs)}")
        m = measure_program(b, jit_cmd, pargs, args.runs, args.timeout)
        if m.error:
            log(f"!!! {prog.name} FAILED: {m.error}")
        row = make_row(m, overhead["overhead"])
        if row.error is None:
            log(f"  ocamlrun {row.ocamlrun:.3f} s, camllvm {row.cold:.3f} s cold "
                f"({row.compile:.3f} s compile), {row.cached:.3f} s cached, "
                f"native {row.native:.3f} s")
        rows.append(row)
        ms.append(m)
        raw.append(raw_record(m, b, pargs))
    meta: dict[str, object] = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_info(), "runs": args.runs, "quick": args.quick,
        "camllvm": args.camllvm, "options": jit_cmd[1:], "overhead": overhead,
        "functions": [sum(counts[i] for m in ms for counts in m.functions) for i in range(3)],
    }
    sys.stdout.write(format_text(rows))
    for n in notes(meta):
        sys.stdout.write(f"  * {n.replace('`', '').replace('*', '')}\n")
    md, png = write_results(Path(args.out), rows, meta, raw)
    log(f"wrote {md} and {png}")
    failed = [r.name for r in rows if r.error]
    if failed:
        log(f"!!! output mismatch or failure in: {', '.join(failed)}")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``python -m camllvm.bench``."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return run_suite(args)
    except BenchError as e:
        log(f"bench: {e}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
