"""Fast tests of the benchmark runner's pure functions (no benchmark is run)."""

from __future__ import annotations

import math
import struct
import zlib

import pytest

from camllvm import bench
from camllvm.bench import Measurement, Row, Sample

STATS = (
    "camllvm stats: functions compiled 36, IR lines 47843\n"
    "camllvm stats: time irgen 0.025s, llvm parse 0.042s, optimise 0.042s, codegen 0.215s\n"
    "camllvm stats: interpreter entries 0, native entries 1, crossings 0\n"
)


def meta(quick: bool = False) -> dict[str, object]:
    """A results metadata dict like run_suite's."""
    machine = {"nproc": "2", "cpu": "Test CPU", "os": "Linux", "ocaml": "4.13.1",
               "llvmlite": "0.50.0", "llvm": "22.1.0", "python": "3.11"}
    overhead = {"ocamlrun": 0.001, "jit_off": 0.04, "jit": 0.1, "jit_compile": 0.01,
                "overhead": 0.039}
    return {"date": "2024-01-01T00:00:00+00:00", "machine": machine, "runs": 3,
            "quick": quick, "overhead": overhead,
            "options": ["run", "--jit=all", "--stats", "--no-cache"], "functions": [40, 30]}


def rows() -> list[Row]:
    """Two good rows and a failed one."""
    nan = math.nan
    return [Row("fib", 2.0, 3.0, 1.2, 1.0, 1.5, 0.25),
            Row("mandelbrot", 2.0, 1.0, 0.6, 0.5, 0.3, 0.1),
            Row("broken", nan, nan, nan, nan, nan, nan, error="broken: camllvm disagrees")]


# --- sizes and stats ----------------------------------------------------------


def test_parse_quick_size() -> None:
    text = "(* Fib.\n   argv.(1) = n (default 37).  quick-size: 20 *)"
    assert bench.parse_quick_size(text) == "20"
    assert bench.parse_quick_size("(* quick-size:7*)\nlet x = 1") == "7"
    assert bench.parse_quick_size("let () = ()") is None


def test_every_benchmark_has_a_quick_size() -> None:
    programs = bench.discover(bench.BENCH_DIR)
    assert len(programs) >= 14
    for p in programs:
        assert p.quick_size is not None and p.quick_size.isdigit(), p.name


def test_discover_rejects_unknown_names() -> None:
    with pytest.raises(bench.BenchError, match="nosuch"):
        bench.discover(bench.BENCH_DIR, ["nosuch"])


def test_parse_compile_time() -> None:
    assert bench.parse_compile_time(STATS) == pytest.approx(0.025 + 0.042 + 0.042 + 0.215)
    extra = "camllvm stats: time irgen 1s, cache load 0.5s, codegen 0.25s\n"
    assert bench.parse_compile_time(extra) == pytest.approx(1.75)
    assert bench.parse_compile_time("Fatal error\n") is None


def test_parse_function_counts() -> None:
    assert bench.parse_function_counts(STATS) == (36, 0, 0)
    cached = ("camllvm stats: functions compiled 21, IR lines 39332, from the code cache 20\n"
              "camllvm stats: tier-ups 2, on-stack replacements 4, installed at start from the "
              "hot list 3 (from its library 3), OSR code from it 2\n")  # fmt: skip
    assert bench.parse_function_counts(cached) == (21, 20, 5)
    assert bench.parse_function_counts("") == (0, 0, 0)


def test_strip_stats_keeps_program_stderr() -> None:
    assert bench.strip_stats("warning\n" + STATS + "end\n") == "warning\nend\n"


def test_check_agree() -> None:
    same = {t: Sample(1.0, "42\n", "", 0) for t in bench.TOOLS}
    same["camllvm"] = Sample(2.0, "42\n", STATS, 0)
    bench.check_agree("p", same)
    with pytest.raises(bench.BenchError, match="native disagrees"):
        bench.check_agree("p", {**same, "native": Sample(0.1, "41\n", "", 0)})
    with pytest.raises(bench.BenchError, match="camllvm disagrees"):
        bench.check_agree("p", {**same, "camllvm": Sample(0.1, "42\n", STATS, 2)})


def test_last_line() -> None:
    assert bench.last_line("a\nchecksum 3\n\n") == "checksum 3"
    assert bench.last_line("") == ""


# --- statistics ------------------------------------------------------------------


def test_median() -> None:
    assert bench.median([3.0]) == 3.0
    assert bench.median([5.0, 1.0, 3.0]) == 3.0
    assert bench.median([4.0, 1.0, 3.0, 2.0]) == 2.5
    with pytest.raises(ValueError):
        bench.median([])


def test_geomean_and_ratio() -> None:
    assert bench.geomean([2.0, 8.0]) == pytest.approx(4.0)
    assert bench.geomean([0.5, 2.0, math.nan]) == pytest.approx(1.0)
    assert math.isnan(bench.geomean([]))
    assert bench.ratio(3.0, 1.5) == 2.0
    assert math.isnan(bench.ratio(1.0, 0.0))


def test_warm_times_subtract_and_floor() -> None:
    warm = bench.warm_times([2.0, 0.05], [0.5, 0.04], 0.1)
    assert warm == pytest.approx([1.4, bench.MIN_WARM])


def test_make_row_uses_medians() -> None:
    m = Measurement("p")
    m.cpu = {"ocamlrun": [2.0, 2.2, 1.9], "camllvm": [3.0, 3.5, 2.5],
             "fresh": [4.0, 4.5, 3.9], "native": [0.2, 0.3, 0.1]}
    m.compile = [1.0, 1.2, 1.1]
    m.load = [0.5, 0.5, 0.5]
    r = bench.make_row(m, overhead=0.5)
    assert (r.ocamlrun, r.cold, r.cached, r.native, r.compile) == (2.0, 4.0, 3.0, 0.2, 1.1)
    assert r.warm == pytest.approx(2.0)
    assert r.run_over_warm == pytest.approx(2.0 / 2.0)
    assert r.run_over_cold == pytest.approx(2.0 / 4.0)
    assert r.warm_over_native == pytest.approx(2.0 / 0.2)
    m.error = "p: native disagrees with ocamlrun\n  details\n"
    assert bench.make_row(m, 0.0).error == "p: native disagrees with ocamlrun; details"
    assert bench.one_line("x" * 500, limit=10) == "xxxxxxx..."


def test_geomeans_skip_failed_rows() -> None:
    g = bench.geomeans(rows())
    assert g[0] == pytest.approx(math.sqrt(2.0 * 4.0))
    assert g[1] == pytest.approx(math.sqrt(2.0 / 3.0 * 2.0))
    assert g[2] == pytest.approx(math.sqrt(4.0 * 5.0))


# --- tables ------------------------------------------------------------------------


def test_format_text_is_aligned() -> None:
    text = bench.format_text(rows())
    lines = text.splitlines()
    assert lines[0].split()[0] == "program"
    assert lines[-1].startswith("geomean")
    assert "FAILED" in text
    fib = next(line for line in lines if line.startswith("fib"))
    assert fib.split() == ["fib", "2.000", "3.000", "-", "1.200", "1.000", "1.500", "0.250",
                           "2.00", "0.67", "4.00"]
    # Right-aligned numbers: every full row ends at the same column as the header.
    assert len(fib) == len(lines[0])


def test_format_markdown_table() -> None:
    md = bench.format_markdown_table(rows()).splitlines()
    assert all(line.count("|") == len(bench.HEADERS) + 1 for line in md)
    assert md[1] == "|---|" + "---:|" * (len(bench.HEADERS) - 1)
    assert md[-1].startswith("| **geomean** |") and "**2.83**" in md[-1]


def test_format_markdown_document() -> None:
    doc = bench.format_markdown(rows(), meta())
    assert "Test CPU" in doc and "LLVM 22.1.0" in doc and "--jit=all --stats --no-cache" in doc
    assert "30 of 40 function compilations" in doc
    assert "0.039 s" in doc and "results.png" in doc
    assert "- broken: camllvm disagrees" in doc
    assert "(quick run)" in bench.format_markdown(rows(), meta(quick=True))


def test_fmt() -> None:
    assert bench.fmt_time(math.nan) == "-"
    assert bench.fmt_time(1.23456) == "1.235"
    assert bench.fmt_ratio(12.345) == "12.35"
    assert bench.fmt_ratio(0.0123) == "0.012"


def test_cpu_model() -> None:
    info = "processor\t: 0\nmodel name\t: Fancy CPU @ 3GHz\nflags\t: x\n"
    assert bench.cpu_model(info) == "Fancy CPU @ 3GHz"
    assert bench.cpu_model("") == "unknown"


def test_parse_args_quick_means_one_run() -> None:
    assert bench.parse_args(["--quick"]).runs == 1
    assert bench.parse_args(["--quick", "--runs", "2"]).runs == 2
    assert bench.parse_args([]).runs == 3
    assert bench.parse_args(["--only", "fib,tak"]).only == "fib,tak"
    assert bench.parse_args(["--camllvm-args=--no-cache"]).camllvm_args == "--no-cache"
    assert bench.jit_command("c", ["--opt=2"]) == ["c", "run", "--stats", "--opt=2"]


def test_run_timed_reports_output_and_status() -> None:
    s = bench.run_timed(["sh", "-c", "echo out; echo err >&2; exit 3"], timeout=30)
    assert (s.stdout, s.stderr, s.status) == ("out\n", "err\n", 3)
    assert s.cpu >= 0.0


# --- PNG -----------------------------------------------------------------------------


def read_png(data: bytes) -> tuple[int, int, bytes]:
    """Check signature, chunk CRCs and layout; return width, height and raw scanlines."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks.append((kind, body))
        pos += 12 + length
    assert pos == len(data)
    assert [k for k, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    w, h, depth, ctype, comp, filt, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, ctype, comp, filt, interlace) == (8, 2, 0, 0, 0)
    raw = zlib.decompress(chunks[1][1])
    assert len(raw) == h * (1 + 3 * w)
    return w, h, raw


def test_encode_png_round_trip() -> None:
    rgb = bytes(range(2 * 3 * 3))  # 3 x 2 pixels
    w, h, raw = read_png(bench.encode_png(3, 2, rgb))
    assert (w, h) == (3, 2)
    assert raw == b"\0" + rgb[:9] + b"\0" + rgb[9:]
    with pytest.raises(ValueError):
        bench.encode_png(3, 2, b"\0")


def test_canvas_text_and_rect() -> None:
    c = bench.Canvas(40, 10)
    c.rect(-5, -5, 2, 2, (255, 0, 0))  # clipped
    assert c.pixels[0:3] == b"\xff\x00\x00"
    c.text(3, 1, "1", (0, 0, 0))
    # '1' has its top pixel at column 2 of the glyph.
    off = 3 * (1 * 40 + 3 + 2)
    assert c.pixels[off:off + 3] == b"\x00\x00\x00"
    assert bench.text_width("ab") == 11
    read_png(c.png())


def test_font_glyphs() -> None:
    for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./-:()=,_<> ":
        rows_ = bench.FONT[ch]
        assert len(rows_) == bench.GLYPH_H and all(0 <= r < 32 for r in rows_), ch


def test_chart_is_a_valid_png() -> None:
    canvas = bench.draw_chart(rows(), "test chart")
    w, h, _ = read_png(canvas.png())
    assert (w, h) == (canvas.width, canvas.height)
    assert bench.log_range([0.02, 3.0]) == (-2, 1)
    assert bench.log_range([1.0]) == (0, 1)
    assert bench.tick_label(-2) == "0.01" and bench.tick_label(2) == "100"
    assert bench.tick_label(-1, 5) == "0.5" and bench.tick_label(1, 2) == "20"
