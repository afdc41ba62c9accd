"""The JIT's own promises, beyond output equality: no interpreter in --jit=all,
inspection output, options, optimisation levels."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import harness
from harness import ProgramSpec

PROGRAMS = harness.all_programs()
CAMLLVM = harness.camllvm_cmd()
STATS = re.compile(r"interpreter entries (\d+), native entries (\d+), crossings (\d+)")
WARM = re.compile(r"installed at start from the hot list (\d+)")

pytestmark = pytest.mark.skipif(harness.is_standin(), reason="needs the real camllvm")


def stats_of(stderr: bytes) -> tuple[int, int, int]:
    found = STATS.findall(stderr.decode(errors="replace"))
    assert found, f"no --stats line in {stderr[-400:]!r}"
    return tuple(int(x) for x in found[-1])  # type: ignore[return-value]


@pytest.mark.parametrize("spec", PROGRAMS, ids=[p.name for p in PROGRAMS])
def test_jit_all_never_enters_the_interpreter(spec: ProgramSpec, tmp_path: Path) -> None:
    """--jit=all compiles everything that runs, callbacks from C included."""
    byte = harness.build(spec).byte
    argv = harness.camllvm_run_argv("--jit=all --stats", str(byte), spec.args)
    result = harness.run_program(spec, argv, "default", tmp_path, "stats")
    interp, native, _ = stats_of(result.stderr)
    assert interp == 0, f"{spec.name}: {interp} entries into the bytecode interpreter"
    assert native >= 1


def _fib_program() -> harness.Built:
    src = ("let rec fib n = if n < 2 then n else fib (n - 1) + fib (n - 2)\n"
           "let () = Printf.printf \"%d\\n\" (fib 25)\n")  # fmt: skip
    return harness.compile_source("jit_fib", src, ["-g"])


def _run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*CAMLLVM, *args], capture_output=True, timeout=300, cwd=cwd)


RAISE_ONLY = """\
let f e = raise e
let g () = let e = Not_found in let h () = raise e in h ()
let show name k =
  try k () with x -> Printf.printf "%s: %s\\n" name (Printexc.to_string x); Printexc.print_backtrace stdout
let () =
  Printexc.record_backtrace true;
  show "f" (fun () -> f Exit);
  show "g" g
"""


@pytest.mark.parametrize("native", ["f", "Jit_raise_only.g.h", "f,Jit_raise_only.g.h"])
def test_raise_only_function_native_caller_interpreted(native: str) -> None:
    """A function whose first two code words include its RAISE ("ACC0; RAISE"): the
    JIT patches those words to enter native code; backtraces must still see a raise
    there ("Raised at", not "Raised by primitive operation at")."""
    byte = str(harness.compile_source("jit_raise_only", RAISE_ONLY, ["-g"]).byte)
    ref = subprocess.run([harness.ocamlrun(), byte], capture_output=True)
    got = _run(["run", f"--jit-only={native}", "--no-cache", byte])
    assert (got.returncode, got.stdout, got.stderr) == (ref.returncode, ref.stdout, ref.stderr)
    assert ref.stdout.count(b"Raised at") == 2


EMFILE = """\
let rec fill acc = match open_in Sys.argv.(0) with
  | c -> fill (c :: acc) | exception Sys_error _ -> acc
let chans = fill []
let f x = x + 1
let () =
  let s = ref 0 in
  for i = 1 to 30000 do s := !s + f i done;
  Printf.printf "%d %b\\n" !s (chans <> []);
  raise Exit
"""


@pytest.mark.parametrize("mode", ["", "--tier-calls=2 --tier-loops=2",
                                  "--sync-compile --tier-calls=2 --tier-loops=2", "--jit=all"])
def test_program_that_uses_up_file_descriptors(mode: str, tmp_path: Path) -> None:
    """Code made hot after the program used every file descriptor: compiling needs
    files (lazy imports, the code cache, the compiling thread's modules, the cache's
    pruning at exit); the interpreter runs what cannot be compiled, as ocamlrun."""
    import resource

    byte = str(harness.compile_source("jit_emfile", EMFILE, []).byte)

    def few_fds() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    env = {**os.environ, "CAMLLVM_CACHE_DIR": str(tmp_path / "cache")}
    ref = subprocess.run([harness.ocamlrun(), byte], capture_output=True, preexec_fn=few_fds)
    subprocess.run([*CAMLLVM, "run", "--jit=off", byte], capture_output=True, env=env)  # (builds)
    got = subprocess.run([*CAMLLVM, "run", *mode.split(), byte], capture_output=True, env=env,
                         preexec_fn=few_fds, timeout=300)  # fmt: skip
    assert (got.returncode, got.stdout, got.stderr) == (ref.returncode, ref.stdout, ref.stderr)
    assert ref.returncode == 2 and ref.stdout == b"450045000 true\n"


EMFILE_FIRST = """\
let () =
  Printexc.record_backtrace true;
  let opened = ref 0 in
  try
    while true do ignore (open_in Sys.argv.(0)); incr opened done
  with Sys_error _ ->
    let bt = Printexc.get_raw_backtrace () in
    Printf.printf "%b\\n%!" (!opened > 100);
    Printexc.raise_with_backtrace Exit bt
"""


@pytest.mark.parametrize("mode", ["", "--jit=all"])
def test_code_compiled_after_the_file_descriptors_are_used_up(mode: str, tmp_path: Path) -> None:
    """Code first compiled after every file descriptor is taken (the handler, Printexc)
    in a run that loaded the code before from the cache: storing the new object fails,
    even the lazy import of tempfile; LLVM
    reports the object through a ctypes callback, which must not raise (ctypes would
    print the exception on the program's stderr). OCaml's testsuite: backtrace/pr2195."""
    import resource

    byte = str(harness.compile_source("jit_emfile_first", EMFILE_FIRST, ["-g"]).byte)

    def few_fds() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    env = {**os.environ, "CAMLLVM_CACHE_DIR": str(tmp_path / "cache"), "OCAMLRUNPARAM": "b"}
    ref = subprocess.run([harness.ocamlrun(), byte], capture_output=True, env=env,
                         preexec_fn=few_fds)  # fmt: skip
    subprocess.run([*CAMLLVM, "run", "--jit=off", byte], capture_output=True, env=env)  # (builds)
    # The second run finds the code before the loop in the cache: it has imported
    # nothing for storing when the handler's code is compiled.
    for _ in range(2):
        got = subprocess.run([*CAMLLVM, "run", *mode.split(), byte], capture_output=True, env=env,
                             preexec_fn=few_fds, timeout=300)  # fmt: skip
        assert (got.returncode, got.stdout, got.stderr) == (ref.returncode, ref.stdout, ref.stderr)
    assert ref.returncode == 2 and ref.stdout == b"true\n"


@pytest.mark.parametrize("opt", ["0", "1", "2", "3"])
def test_opt_levels_agree_with_ocamlrun(opt: str) -> None:
    byte = str(_fib_program().byte)
    ref = subprocess.run([harness.ocamlrun(), byte], capture_output=True)
    got = _run(["run", "--jit=all", f"--opt={opt}", "--no-cache", "--verify-ir", byte])
    assert (got.returncode, got.stdout, got.stderr) == (ref.returncode, ref.stdout, ref.stderr)
    assert ref.stdout == b"75025\n"


def test_dump_ir_and_asm(tmp_path: Path) -> None:
    byte = str(_fib_program().byte)
    got = _run(["run", "--jit=all", f"--dump-ir={tmp_path}/ir", f"--dump-asm={tmp_path}/asm", byte])
    assert got.returncode == 0 and got.stdout == b"75025\n"
    ir_files = sorted(p.name for p in (tmp_path / "ir").iterdir())
    fib_ir = [n for n in ir_files if n.endswith("Jit_fib.fib.ll")]
    assert fib_ir and fib_ir[0].replace(".ll", ".opt.ll") in ir_files
    assert "pc00000000-toplevel.ll" in ir_files
    assert any(p.name.endswith("Jit_fib.fib.s") for p in (tmp_path / "asm").iterdir())
    text = (tmp_path / "ir" / fib_ir[0]).read_text()
    assert "define preserve_nonecc { i64, ptr } @caml_" in text and "0x" not in text  # no addresses


def test_jit_only_by_name_crosses_tiers() -> None:
    byte = str(_fib_program().byte)
    got = _run(["run", "--jit-only=fib", "--stats", byte])
    assert got.returncode == 0 and got.stdout == b"75025\n"
    interp, _, crossings = stats_of(got.stderr)
    assert interp >= 1 and crossings >= 1  # the toplevel is interpreted, fib is native


@pytest.mark.parametrize("option", ["--jit=sometimes", "--opt=7", "--jit-only=no_such_fn",
                                    "--jit-seed=x", "--dump-ir", "--tier-calls=0",
                                    "--tier-loops=x"])  # fmt: skip
def test_bad_jit_options_are_one_line_errors(option: str) -> None:
    got = _run(["run", option, str(_fib_program().byte)])
    lines = got.stderr.decode().splitlines()
    assert got.returncode == 2 and len(lines) == 1 and lines[0].startswith("camllvm: ")
    assert b"Traceback" not in got.stderr and got.stdout == b""


TIER = re.compile(r"functions compiled (\d+).*tier-ups (\d+), on-stack replacements (\d+)", re.S)


def tier_stats(stderr: bytes) -> tuple[int, int, int]:
    found = TIER.search(stderr.decode(errors="replace"))
    assert found, f"no --stats lines in {stderr[-400:]!r}"
    return int(found[1]), int(found[2]), int(found[3])


def test_tiered_mode_compiles_only_what_is_hot() -> None:
    """The default mode: fib 25 (250k calls) gets fib compiled, the toplevel stays
    interpreted; lower thresholds make fewer calls enough."""
    byte = str(_fib_program().byte)
    got = _run(["run", "--stats", "--no-cache", "--sync-compile", byte])
    assert got.returncode == 0 and got.stdout == b"75025\n"
    compiled, tier_ups, osr = tier_stats(got.stderr)
    assert (compiled, tier_ups, osr) == (1, 1, 0)
    interp, _, crossings = stats_of(got.stderr)
    assert interp >= 1 and crossings >= 1
    got = _run(["run", "--stats", "--no-cache", "--sync-compile", "--tier-calls=300000", byte])
    assert got.returncode == 0 and tier_stats(got.stderr) == (0, 0, 0)


def test_tiered_mode_replaces_a_hot_toplevel_loop() -> None:
    """A loop in the toplevel, run once, is entered natively by on-stack replacement."""
    src = ("let s = ref 0\n"
           "let () = for i = 1 to 200_000 do s := !s + i land 3 done; print_int !s\n")
    byte = str(harness.compile_source("tier_loop", src, []).byte)
    got = _run(["run", "--stats", "--no-cache", "--sync-compile", byte])
    assert got.returncode == 0 and got.stdout == b"300000"
    assert tier_stats(got.stderr) == (1, 1, 1)


def test_tiered_mode_compiles_in_the_background() -> None:
    """By default hot code compiles on a thread of its own while the interpreter goes on,
    and the interpreter enters it once it is there: here fib is called for 3 s of CPU,
    and both a function and a loop get installed."""
    src = ("let rec fib n = if n < 2 then n else fib (n - 1) + fib (n - 2)\n"
           "let () = let s = ref 0 in\n"
           "  while Sys.time () < 3.0 do s := !s + fib 15 done; print_int (fib 20)\n")  # fmt: skip
    byte = str(harness.compile_source("tier_background", src, []).byte)
    got = _run(["run", "--stats", "--no-cache", byte])
    assert got.returncode == 0 and got.stdout == b"6765"
    compiled, tier_ups, osr = tier_stats(got.stderr)
    assert compiled >= 2 and tier_ups >= 2 and osr >= 1, got.stderr
    _, _, crossings = stats_of(got.stderr)
    assert crossings >= 1, got.stderr


def test_warm_start_installs_what_earlier_runs_made_hot() -> None:
    """With the code cache, a run lists the functions it made hot; the next run of the
    same program with the same thresholds installs them before the program starts (no
    interpreted calls of fib at all), other thresholds keep a list of their own."""
    nonce = (os.getpid() << 20 ^ time.time_ns()) % 2**30  # code no earlier run has listed
    src = (f"let nonce = ref {nonce}\n"  # (in the code: CONSTINT)
           "let rec fib n = if n < 2 then n else fib (n - 1) + fib (n - 2)\n"
           "let () = Printf.printf \"%d\\n\" (fib 22)\n")  # fmt: skip
    byte = str(harness.compile_source("warm_start", src, []).byte)
    want = subprocess.run(["ocamlrun", byte], capture_output=True).stdout
    runs = [_run(["run", "--stats", "--sync-compile", "--tier-calls=500", byte]) for _ in range(2)]
    for got in runs:
        assert got.returncode == 0 and got.stdout == want == b"17711\n", got.stderr
    first, second = (int(WARM.search(r.stderr.decode()).group(1)) for r in runs)
    assert (first, second) == (0, 1), [r.stderr for r in runs]
    # fib got hot in the first run; in the second no call of it was interpreted
    assert [tier_stats(r.stderr)[1] for r in runs] == [1, 0], [r.stderr for r in runs]
    other = _run(["run", "--stats", "--sync-compile", "--tier-calls=600", byte])
    assert other.stdout == want and int(WARM.search(other.stderr.decode()).group(1)) == 0


LIBRARY = re.compile(r"hot list (\d+) \(from its library (\d+)\), OSR code from it (\d+)")


def test_hot_library_runs_listed_code_without_llvm(tmp_path: Path) -> None:
    """At exit, a run that compiled links the hot list's objects (functions and OSR code)
    into a shared library; the next run installs them from it and never loads LLVM. A
    library that cannot be loaded only costs LLVM's start-up."""
    src = ("let rec fib n = if n < 2 then n else fib (n - 1) + fib (n - 2)\n"
           "let () =\n"
           "  let s = ref 0 in\n"
           "  for i = 1 to 100_000 do s := !s + i land 7 done;\n"
           "  Printf.printf \"%d %d\\n\" (fib 22) !s\n")  # fmt: skip
    byte = str(harness.compile_source("hot_library", src, []).byte)
    want = subprocess.run(["ocamlrun", byte], capture_output=True).stdout
    env = {**os.environ, "CAMLLVM_CACHE_DIR": str(tmp_path / "cache")}

    def run() -> tuple[int, int, int, bool]:
        got = subprocess.run([*CAMLLVM, "run", "--stats", "--sync-compile", "--tier-calls=500",
                              "--tier-loops=500", byte], capture_output=True, timeout=300,
                             env=env)  # fmt: skip
        assert got.returncode == 0 and got.stdout == want == b"17711 350000\n", got.stderr
        warm, library, loops = (int(n) for n in LIBRARY.search(got.stderr.decode()).groups())
        return warm, library, loops, b"llvm load 0.000s" in got.stderr

    assert run() == (0, 0, 0, False)  # compiles fib and the loop, links the library at exit
    libraries = list((tmp_path / "cache" / "code" / "hot").glob("*.so"))
    assert len(libraries) == 1
    assert run() == (1, 1, 1, True)
    libraries[0].write_bytes(b"not a shared library")
    assert run() == (1, 0, 0, False)  # from the code cache, through LLVM


def test_tier_delay_compiles_nothing_before_it_ends() -> None:
    """--tier-delay=MS: fib 25 (hot after 20000 of its 250k calls) is compiled without a
    delay, not within a delay longer than the run; the output is the same."""
    byte = str(_fib_program().byte)
    runs = [_run(["run", "--stats", "--no-cache", "--sync-compile", delay, byte])
            for delay in ("--tier-delay=0", "--tier-delay=60000")]  # fmt: skip
    assert [r.stdout for r in runs] == [b"75025\n"] * 2, [r.stderr for r in runs]
    assert [tier_stats(r.stderr)[:2] for r in runs] == [(1, 1), (0, 0)], [r.stderr for r in runs]


def test_tiered_hello_compiles_nothing() -> None:
    """A short run stays in the interpreter: no compilation at all (not even the glue)."""
    src = 'let () = print_endline "hello"\n'
    byte = str(harness.compile_source("tier_hello", src, []).byte)
    got = _run(["run", "--stats", byte])
    assert got.returncode == 0 and got.stdout == b"hello\n"
    assert tier_stats(got.stderr) == (0, 0, 0)
    assert b"codegen 0.000s" in got.stderr


def test_perf_map_names_compiled_functions() -> None:
    """--perf-map writes perf's /tmp/perf-PID.map: hex start and size, pc and source name."""
    byte = str(_fib_program().byte)
    proc = subprocess.Popen([*CAMLLVM, "run", "--jit=all", "--perf-map", byte],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    out, err = proc.communicate(timeout=300)
    perf_map = Path(f"/tmp/perf-{proc.pid}.map")
    try:
        assert proc.returncode == 0 and out == b"75025\n", err
        lines = perf_map.read_text().splitlines()
    finally:
        perf_map.unlink(missing_ok=True)
    assert all(re.fullmatch(r"[0-9a-f]+ [0-9a-f]+ pc\d+:\S*", line) for line in lines), lines
    assert any(line.endswith(":Jit_fib.fib") for line in lines)
    assert any(line.endswith(" pc0:toplevel") for line in lines)


_SIEVE = """
let rec filter p = function [] -> [] | a :: r -> if p a then a :: filter p r else filter p r
let rec interval a b = if a > b then [] else a :: interval (a + 1) b
let sieve n =
  let rec again = function
    | [] -> []
    | x :: r as l -> if x * x > n then l else x :: again (filter (fun m -> m mod x <> 0) r)
  in
  again (interval 2 n)
let () = for _ = 1 to 20 do ignore (sieve 20000) done; print_endline "done"
"""


def _promoted_words(argv: list[str]) -> int:
    env = {**os.environ, "OCAMLRUNPARAM": "v=0x400"}
    proc = subprocess.run(argv, capture_output=True, timeout=300, env=env)
    assert proc.stdout == b"done\n", proc.stderr[-400:]
    found = re.search(rb"promoted_words: (\d+)", proc.stderr)
    assert found, proc.stderr[-400:]
    return int(found.group(1))


def test_gc_counters_at_exit_are_ocamlruns() -> None:
    """OCAMLRUNPARAM v=0x400 prints the GC's counters at exit: compiled code then
    allocates exactly as ocamlrun (no unboxed floats), in every mode."""
    src = ("let () = let v = ref 0.5 in\n"
           "  for i = 1 to 100000 do v := !v *. 0.999 +. float_of_int (i land 3) done;\n"
           "  Printf.printf \"%.3f\\n\" !v\n")  # fmt: skip
    byte = str(harness.compile_source("jit_gc_at_exit", src, []).byte)
    env = {**os.environ, "OCAMLRUNPARAM": "v=0x400"}
    ref = subprocess.run([harness.ocamlrun(), byte], capture_output=True, env=env)
    assert b"minor_words: " in ref.stderr
    for mode in (["--jit=all"], ["--jit=tiered", "--tier-loops=2", "--sync-compile"]):
        got = subprocess.run([*CAMLLVM, "run", *mode, byte], capture_output=True, env=env)
        assert (got.returncode, got.stdout, got.stderr) == (ref.returncode, ref.stdout, ref.stderr)


def test_tiered_mode_compiles_deep_recursions_early() -> None:
    """A function that calls itself non-tail and allocates (the sieve's `again`, ~700
    calls here) is compiled after 1/16 of the call threshold (tier.c DEEP_FACTOR), so
    that its frames, which hold each intermediate list, get cleared: at a threshold of
    4000 it would never be compiled, and the run would promote what ocamlrun does."""
    byte = str(harness.compile_source("dead_slots_sieve", _SIEVE, []).byte)
    reference = _promoted_words([harness.ocamlrun(), byte])
    tiered = _promoted_words([*CAMLLVM, "run", "--tier-calls=4000", "--sync-compile",
                              "--clear-dead-slots", byte])  # fmt: skip
    assert tiered * 2 < reference, (tiered, reference)


def test_compiled_frames_keep_only_live_slots() -> None:
    """ocamlc's frames keep dead locals (here each `filter` frame keeps the input cell,
    so the whole fresh input list is promoted, and `again` keeps ``r`` while `filter`
    runs); compiled code clears them before its calls (the default, or
    --clear-dead-slots) and promotes what ocamlopt's code would (5.35M words under
    ocamlrun, 0.34M native, 0.31M cleared; 0.61M when only `filter`'s were).
    --exact-alloc keeps ocamlrun's frames, and so does the default when the run prints
    the GC's counters (v=0x400 implies --exact-alloc unless --clear-dead-slots is
    explicit)."""
    byte = str(harness.compile_source("dead_slots_sieve", _SIEVE, []).byte)
    reference = _promoted_words([harness.ocamlrun(), byte])
    cleared = _promoted_words([*CAMLLVM, "run", "--jit=all", "--clear-dead-slots", byte])
    exact = _promoted_words([*CAMLLVM, "run", "--jit=all", "--clear-dead-slots", "--exact-alloc",
                             byte])  # fmt: skip
    default = _promoted_words([*CAMLLVM, "run", "--jit=all", byte])
    assert cleared * 12 < reference, (cleared, reference)
    assert exact * 10 > reference * 9, (exact, reference)
    assert default * 10 > reference * 9, (default, reference)


BACKTRACE = """\
let rec depth n f = if n = 0 then f () else 1 + depth (n - 1) f
let fail () = failwith "deep"
let () =
  let s = ref 0 in
  for i = 1 to 2000 do s := !s + depth 20 (fun () -> i) done;
  Printf.printf "%d\\n%!" !s;
  ignore (depth 5 fail)
"""

TAKE_ADDRESS = """\
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                      ctypes.c_int, ctypes.c_long]
# PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE
address = int(sys.argv[1], 0)
assert libc.mmap(address, 4096, 1, 0x2 | 0x20 | 0x100000, -1, 0) == address
from camllvm.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("taken", ["", "0x40000000", "0x20000000", "0x1fff0000"],
                         ids=["free", "code", "table", "domain"])  # fmt: skip
def test_code_and_table_at_fixed_addresses_or_not(taken: str, tmp_path: Path) -> None:
    """shim.c moves the program's code to a fixed address (0x40000000), so that
    compiled code pushes return addresses as constants, and jitglue.c puts the table
    of native entries at another (0x20000000), so that a closure's entry is one
    load; the domain state goes to a third (0x1fff0000). Where the code's address is
    taken, the code stays where caml_load_code put it, the table is malloc'd, and
    compiled code loads both; where only the table's is, only the table is malloc'd;
    where the domain state's is, it stays at its symbol. All exact (backtraces read
    the pushed addresses)."""
    byte = str(harness.compile_source("jit_code_address", BACKTRACE, ["-g"]).byte)
    env = {**os.environ, "OCAMLRUNPARAM": "b"}
    ref = subprocess.run([harness.ocamlrun(), byte], capture_output=True, env=env)
    argv = ["run", "--jit=all", "--no-cache", f"--dump-ir={tmp_path}", byte]
    if taken:
        cmd = [sys.executable, "-c", TAKE_ADDRESS, taken, "camllvm", *argv]
    else:
        cmd = [*CAMLLVM, *argv]
    got = subprocess.run(cmd, capture_output=True, env=env, timeout=300)
    assert (got.returncode, got.stdout, got.stderr) == (ref.returncode, ref.stdout, ref.stderr)
    assert ref.returncode == 2 and b"Called from Jit_code_address.depth" in ref.stderr
    depth = next(tmp_path.glob("*Jit_code_address.depth.ll")).read_text()
    assert ("load ptr, ptr @caml_start_code" in depth) == (taken == "0x40000000")
    assert ("load ptr, ptr @camllvm_table" in depth) == (taken in ("0x40000000", "0x20000000"))
    assert ("ptr @camllvm_domain_state" in depth) == (taken == "0x1fff0000")
