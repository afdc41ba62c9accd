"""Command line: ``camllvm run|info|dis ...``, and ``camllvm [ocamlrun options] prog.byte args`` as a drop-in ocamlrun."""

from __future__ import annotations

import os
import sys

from camllvm import __version__
from camllvm.errors import CamllvmError

# A run's start-up imports neither typing, re nor pathlib (~17 ms of a 40 ms run); the
# type checkers know TYPE_CHECKING by name.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import NoReturn

    from camllvm.reader import Executable

USAGE = """\
usage: camllvm run [OPTIONS] PROG.byte [ARGS...]     run a bytecode executable
       camllvm [OPTIONS] PROG.byte [ARGS...]         the same (drop-in for ocamlrun;
                                                     ocamlrun's own options work too)
       camllvm info PROG.byte                        sections, primitives, libraries
       camllvm dis PROG.byte [--function PC|NAME]    disassemble functions and blocks
       camllvm --version

run options:
  --jit=tiered|all|off tiered: the interpreter runs cold code, functions called
                       often and hot loops are compiled by LLVM (default);
                       all: every function that runs is compiled by LLVM;
                       off: OCaml's interpreter runs everything
  --tier-calls=N       tiered: calls before a function is compiled (default 20000)
  --tier-loops=N       tiered: loop iterations before the loop is compiled and
                       entered where it runs (default 10000)
  --tier-delay=MS      tiered: compile nothing in the first MS milliseconds (default
                       0): LLVM's start-up and first compilations cost more than
                       runs of a few tenths of a second gain; longer runs lose
                       up to MS of native speed
  --sync-compile       tiered: compile hot code at once, the program waiting
                       (default: on a thread of its own, the interpreter going on)
  --jit-only=PC,...    compile only these functions, interpret the rest
  --jit-seed=N         compile a random half of the functions (chosen by N)
  --opt=0..3           LLVM optimisation level (default 1)
  --dump-ir=DIR        write each function's LLVM IR (before/after passes) to DIR
  --dump-asm=DIR       write each function's assembly to DIR
  --stats              print compile and tier statistics to stderr at exit
  --perf-map           write /tmp/perf-PID.map at exit (names native code for perf)
  --verify-ir          verify every generated LLVM module
  --no-cache           neither use nor fill the code cache (~/.cache/camllvm/code)
  --keep-dead-slots    compiled code leaves dead slots in its frames as the
                       interpreter does (default: it clears them before non-tail
                       recursive calls, so the GC keeps only what is live, as
                       for ocamlopt's code: recursions over big fresh lists
                       promote and mark far less; --clear-dead-slots says it
                       explicitly)
  --exact-alloc        allocate exactly as ocamlrun (no unboxed floats): same GC
                       counters and timing, slower float code; automatic when
                       the program reads the GC's counters, registers finalisers
                       or samples allocations, or OCAMLRUNPARAM has v=0x400
"""

SUBCOMMANDS = ("run", "info", "dis")
JIT_MODES = ("tiered", "all", "off")
#: Least C stack for the thread that runs native code (native frames nest in C).
NATIVE_C_STACK = 1 << 30
#: C stack bytes per byte of VM stack limit: a native frame nests below a VM frame of
#: at least 4 words (argument, return address, env, extra_args), so this leaves
#: 4 KiB of C frames per level.
C_PER_VM_BYTE = 128
#: ocamlrun's default stack limit (words), runtime/caml/config.h's Max_stack_def.
MAX_STACK_DEF = 1024 * 1024
SIZE_SUFFIXES = {"": 1, "k": 1 << 10, "M": 1 << 20, "G": 1 << 30}
# ocamlrun options (runtime/startup_byt.c, parse_command_line) that take an argument.
OCAMLRUN_OPTIONS_WITH_ARG = ("-I",)


def parse_size(text: str) -> int | None:
    """A number with ocamlrun's optional k/M/G multiplier (runtime/startup_aux.c's scanmult)."""
    suffix = text[-1:] if text[-1:] in SIZE_SUFFIXES else ""
    number = text[: len(text) - len(suffix)]
    hexadecimal = number.startswith("0x")
    digits = number[2:] if hexadecimal else number
    allowed = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
    if not digits or any(c not in allowed for c in digits):
        return None
    return int(digits, 16 if hexadecimal else 10) * SIZE_SUFFIXES[suffix]


def runparam(environ: Mapping[str, str], letter: str) -> int | None:
    """The value OCAMLRUNPARAM (else CAMLRUNPARAM) gives option ``letter`` (``l=8M``),
    as ocamlrun reads it: the last well-formed setting wins; None if there is none."""
    value = None
    for item in environ.get("OCAMLRUNPARAM", environ.get("CAMLRUNPARAM", "")).split(","):
        if item.startswith(letter + "="):
            value = parse_size(item[2:]) or value
    return value


def native_c_stack_bytes(environ: Mapping[str, str]) -> int:
    """The native thread's C stack: CAMLLVM_C_STACK if set, else sized from the VM
    stack limit (OCAMLRUNPARAM's l) so that the VM limit is met first, capped at half
    the machine's memory (beyond it, the guard zone raises Stack_overflow)."""
    explicit = parse_size(environ.get("CAMLLVM_C_STACK", ""))
    if explicit:
        return max(explicit, 1 << 20)
    words = runparam(environ, "l") or MAX_STACK_DEF
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (OSError, ValueError):
        memory = 1 << 34
    return max(NATIVE_C_STACK, min(words * 8 * C_PER_VM_BYTE, memory // 2))


#: Primitives through which a program sees how much it allocated, or when the GC ran
#: (finalisers, allocation sampling): compiled code then allocates exactly as
#: ocamlrun does (--exact-alloc), as unboxed floats allocate less.
ALLOCATION_OBSERVERS = frozenset({
    "caml_gc_minor_words", "caml_gc_counters", "caml_gc_quick_stat", "caml_gc_stat",
    "caml_get_minor_free", "caml_memprof_start", "caml_final_register",
    "caml_final_register_called_without_value"})  # fmt: skip
GC_STATS_AT_EXIT = 0x400  # OCAMLRUNPARAM's v flag that prints the GC's counters at exit


def allocation_observed(exe: Executable, lib: object, environ: Mapping[str, str],
                        clear_dead_slots: bool = False) -> bool:
    """Whether the program can tell unboxed floats from ocamlrun's boxes: its code calls
    an observer, or the run prints the GC's counters at exit (OCAMLRUNPARAM v=0x400),
    unless --clear-dead-slots asked for a GC that keeps less than ocamlrun's (then the
    counters are what the user wants to see)."""
    from camllvm.tier import calls_any

    if (runparam(environ, "v") or 0) & GC_STATS_AT_EXIT and not clear_dead_slots:
        return True
    return calls_any(lib, exe.code, exe.prims, ALLOCATION_OBSERVERS)  # type: ignore[arg-type]


class RunOptions:
    """What ``camllvm run`` was asked to do. (The classes of a run's start-up are
    plain: dataclasses, with the inspect module they import, cost ~25 ms a run.)"""

    def __init__(self) -> None:
        self.jit = "tiered"
        self.tier_calls = 0
        self.tier_loops = 0
        self.tier_delay = 0
        self.only: list[str] = []
        self.seed: int | None = None
        self.opt = 1
        self.dump_ir: str | None = None
        self.dump_asm: str | None = None
        self.stats = False
        self.perf_map = False
        self.verify = False
        self.cache = True
        self.exact_alloc = False
        self.sync_compile = False
        self.clear_dead_slots: bool | None = None  # None: the default (clear)
        self.program = ""
        self.args: list[str] = []


def parse_run(argv: Sequence[str]) -> RunOptions:
    """Parse ``run`` options up to the program; everything after it belongs to the program."""
    opts = RunOptions()
    i = 0
    while i < len(argv) and argv[i].startswith("--") and argv[i] != "--":
        set_option(opts, argv[i])
        i += 1
    if i < len(argv) and argv[i] == "--":
        i += 1
    if i >= len(argv):
        raise CamllvmError("run: no bytecode file specified")
    opts.program, opts.args = argv[i], list(argv[i + 1 :])
    return opts


def set_option(opts: RunOptions, arg: str) -> None:
    """Apply one ``--name[=value]`` run option."""
    name, has_value, value = arg.partition("=")
    flags = {"--stats": "stats", "--verify-ir": "verify", "--exact-alloc": "exact_alloc",
             "--perf-map": "perf_map", "--sync-compile": "sync_compile",
             "--clear-dead-slots": "clear_dead_slots"}
    if name in flags and not has_value:
        setattr(opts, flags[name], True)
    elif name == "--keep-dead-slots" and not has_value:
        opts.clear_dead_slots = False
    elif name == "--no-cache" and not has_value:
        opts.cache = False
    elif name == "--jit" and value in JIT_MODES:
        opts.jit = value
    elif name == "--jit-only" and value:
        opts.jit, opts.only = "only", value.split(",")
    elif name == "--jit-seed" and value.isdigit():
        opts.jit, opts.seed = "only", int(value)
    elif name in ("--tier-calls", "--tier-loops") and value.isdigit() and int(value) > 0:
        setattr(opts, name[2:].replace("-", "_"), int(value))
    elif name == "--tier-delay" and value.isdigit():
        opts.tier_delay = int(value)
    elif name == "--opt" and value in ("0", "1", "2", "3"):
        opts.opt = int(value)
    elif name in ("--dump-ir", "--dump-asm") and value:
        setattr(opts, name[2:].replace("-", "_"), value)
    else:
        raise CamllvmError(f"run: unknown or malformed option {arg!r} (see camllvm --help)")


def find_program(name: str) -> str:
    """Resolve a program name as ocamlrun does (caml_search_exe_in_path: PATH if no '/')."""
    if "/" in name:
        return name
    for directory in os.environ.get("PATH", "").split(":"):
        candidate = os.path.join(directory or ".", name)
        if os.path.isfile(candidate):
            return candidate
    return name


def start_program(argv0: str, ocamlrun_argv: Sequence[str], program: str | None,
                  include_dirs: Sequence[str], opts: RunOptions | None = None) -> NoReturn:
    """Check the program, then hand ``ocamlrun_argv`` to the runtime's caml_main."""
    from camllvm.runtime.bridge import Runtime
    from camllvm.runtime.process import prepare_for_ocaml

    exe = None
    if program is not None:
        from camllvm.reader import read_executable

        exe = read_executable(find_program(program))  # bad input fails before any build
    runtime = Runtime.load()
    if exe is not None:
        from camllvm.runtime.linkcheck import check_links

        check_links(exe, runtime, include_dirs)
    c_stack = 0
    # Under ocamldebug (CAML_DEBUG_SOCKET) the debugger patches the code and steps the
    # interpreter: no compiled code may run.
    debugged = "CAML_DEBUG_SOCKET" in os.environ
    if opts is not None and exe is not None and opts.jit != "off" and not debugged:
        start_jit(exe, runtime, opts)
        c_stack = native_c_stack_bytes(os.environ)
    prepare_for_ocaml()
    sys.stdout.flush()
    sys.stderr.flush()
    runtime.run_main([argv0, *ocamlrun_argv], c_stack)


#: Objects C code calls back into for the whole run (see start_jit).
_RUNNING: list[object] = []


def start_jit(exe: object, runtime: object, opts: RunOptions) -> None:
    from camllvm.jit import Jit, JitOptions
    from camllvm.runtime.build import cache_root

    dump_ir = dump_asm = None
    if opts.dump_ir or opts.dump_asm:  # (pathlib only then)
        from pathlib import Path

        dump_ir = Path(opts.dump_ir) if opts.dump_ir else None
        dump_asm = Path(opts.dump_asm) if opts.dump_asm else None
    options = JitOptions(
        mode=opts.jit, only=opts.only, seed=opts.seed,
        tier_calls=opts.tier_calls, tier_loops=opts.tier_loops, tier_delay=opts.tier_delay,
        opt=opts.opt, dump_ir=dump_ir, dump_asm=dump_asm, stats=opts.stats,
        perf_map=opts.perf_map,
        verify=opts.verify,
        cache_dir=os.path.join(cache_root(), "code") if opts.cache else None,
        unbox_floats=not (opts.exact_alloc or allocation_observed(exe, runtime.lib, os.environ,
                                                                   opts.clear_dead_slots is True)),
        background=not opts.sync_compile,
        clear_dead_slots=opts.clear_dead_slots is not False)  # fmt: skip
    jit = Jit(exe, runtime, options)  # type: ignore[arg-type]
    jit.install()
    # The runtime holds only ctypes callbacks into it, which it references itself: a
    # cycle Python's collector would free while the program runs.
    _RUNNING.append(jit)


def cmd_run(argv0: str, argv: Sequence[str]) -> NoReturn:
    opts = parse_run(argv)
    # "--" keeps a program name starting with '-' from being read as an option.
    lead = ["--"] if opts.program.startswith("-") else []
    start_program(argv0, [*lead, opts.program, *opts.args], opts.program, (), opts)


def drop_in(argv0: str, argv: Sequence[str]) -> NoReturn:
    """``camllvm [ocamlrun options] prog args``: find the program the way ocamlrun will."""
    include_dirs: list[str] = []
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        if argv[i] == "--":
            i += 1
            break
        if argv[i] in OCAMLRUN_OPTIONS_WITH_ARG and i + 1 < len(argv):
            include_dirs.append(argv[i + 1])
            i += 1
        i += 1
    program = argv[i] if i < len(argv) else None
    start_program(argv0, argv, program, include_dirs, RunOptions())


def cmd_info(argv: Sequence[str]) -> int:
    from camllvm.inspector import info_text
    from camllvm.reader import read_executable

    if len(argv) != 1:
        raise CamllvmError("info: expected exactly one bytecode file")
    sys.stdout.write(info_text(read_executable(argv[0])))
    return 0


def cmd_dis(argv: Sequence[str]) -> int:
    import argparse

    from camllvm.inspector import dis_lines
    from camllvm.reader import read_executable

    parser = argparse.ArgumentParser(prog="camllvm dis")
    parser.add_argument("program")
    parser.add_argument("--function", default=None, help="entry pc or name of one function")
    ns = parser.parse_args(argv)
    out = sys.stdout
    for line in dis_lines(read_executable(ns.program), ns.function):
        out.write(line + "\n")
    return 0


def dispatch(argv: Sequence[str]) -> int:
    argv0, rest = argv[0], list(argv[1:])
    if not rest or rest[0] in ("-h", "--help", "help"):
        (sys.stdout if rest else sys.stderr).write(USAGE)
        return 0 if rest else 2
    if rest[0] == "--version":
        print(f"camllvm {__version__} (OCaml 4.13 bytecode)")
        return 0
    if rest[0] == "run":
        cmd_run(argv0, rest[1:])
    if rest[0].startswith("--") and rest[0] != "--":
        # camllvm's own long options (`camllvm --jit=off prog`); ocamlrun's use one dash.
        cmd_run(argv0, rest)
    if rest[0] == "info":
        return cmd_info(rest[1:])
    if rest[0] == "dis":
        return cmd_dis(rest[1:])
    drop_in(argv0, rest)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: every error is one line on stderr, never a traceback."""
    argv = list(sys.argv if argv is None else argv)
    try:
        return dispatch(argv)
    except CamllvmError as err:
        print(f"camllvm: {err}", file=sys.stderr)
        return err.exit_code
    except BrokenPipeError:
        # `camllvm dis prog | head`: the reader went away; stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # noqa: BLE001 - the promise is one line, not a traceback
        if os.environ.get("CAMLLVM_DEBUG"):
            raise
        print(f"camllvm: internal error: {type(err).__name__}: {err} "
              "(set CAMLLVM_DEBUG=1 for a traceback)", file=sys.stderr)  # fmt: skip
        return 3


if __name__ == "__main__":
    sys.exit(main())
