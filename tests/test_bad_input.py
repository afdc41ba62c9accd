"""Bad input: camllvm prints one line naming the file and the problem, exits non-zero, no traceback.

For every case we also check that ocamlrun rejects the same input, so the
test cannot pass on an input that was not really bad.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CAMLLVM = os.environ.get("CAMLLVM_CMD") or str(REPO / ".venv" / "bin" / "camllvm")
MAGIC = b"Caml1999X030"


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=120, **kw)


def assert_one_line_error(args: list[str], mentions: str, **kw) -> str:
    proc = run([CAMLLVM, *args], **kw)
    lines = proc.stderr.splitlines()
    assert proc.returncode != 0, proc
    assert len(lines) == 1, f"expected one line on stderr, got: {proc.stderr!r}"
    assert lines[0].startswith("camllvm: "), lines
    assert mentions in lines[0], lines
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    return lines[0]


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid bytecode executable to break in various ways."""
    d = tmp_path_factory.mktemp("good")
    (d / "ok.ml").write_text('let () = print_endline "ok"\n')
    subprocess.run(["ocamlc", "ok.ml", "-o", "ok.byte"], cwd=d, check=True)
    return d / "ok.byte"


def check_bad_file(path: Path, mentions: str) -> str:
    assert run(["ocamlrun", str(path)]).returncode != 0, "ocamlrun accepted this input"
    line = assert_one_line_error(["run", "--jit=off", str(path)], mentions)
    assert_one_line_error([str(path)], mentions)  # drop-in form
    return line


#: Root reads any file: a permission check needs root without its capability to
#: override file modes (util-linux's setpriv drops it from the bounding set).
WITHOUT_DAC_OVERRIDE = (["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
                        if os.geteuid() == 0 else [])  # fmt: skip


def test_good_file_runs(good: Path) -> None:
    proc = run([CAMLLVM, "run", str(good)])
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "ok\n", "")


def test_missing_file(tmp_path: Path) -> None:
    check_bad_file(tmp_path / "nope.byte", "nope.byte")


def test_directory(tmp_path: Path) -> None:
    check_bad_file(tmp_path, str(tmp_path))


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.byte").write_bytes(b"")
    check_bad_file(tmp_path / "empty.byte", "empty.byte")


def test_text_file(tmp_path: Path) -> None:
    (tmp_path / "t.ml").write_text("let () = print_endline \"not compiled\"\n" * 20)
    check_bad_file(tmp_path / "t.ml", "t.ml")


def test_elf_binary(tmp_path: Path) -> None:
    elf = tmp_path / "elf"
    shutil.copy(sys.executable if os.path.isfile(sys.executable) else "/bin/ls", elf)
    check_bad_file(elf, "elf")


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.999])
def test_truncated(good: Path, tmp_path: Path, keep: float) -> None:
    data = good.read_bytes()
    bad = tmp_path / "trunc.byte"
    bad.write_bytes(data[: int(len(data) * keep)])
    check_bad_file(bad, "trunc.byte")


def test_truncated_in_trailer(good: Path, tmp_path: Path) -> None:
    data = good.read_bytes()
    bad = tmp_path / "trail.byte"
    bad.write_bytes(data[:-5])
    check_bad_file(bad, "trail.byte")


def test_corrupted_section_table(good: Path, tmp_path: Path) -> None:
    data = bytearray(good.read_bytes())
    count_at = len(data) - len(MAGIC) - 4
    data[count_at : count_at + 4] = (0x7FFFFFF).to_bytes(4, "big")  # absurd section count
    bad = tmp_path / "table.byte"
    bad.write_bytes(bytes(data))
    check_bad_file(bad, "table.byte")


def test_corrupted_section_length(good: Path, tmp_path: Path) -> None:
    data = bytearray(good.read_bytes())
    nsect = int.from_bytes(data[-16:-12], "big")
    first_len_at = len(data) - 16 - 8 * nsect + 4
    data[first_len_at : first_len_at + 4] = (0xFFFFFFF0).to_bytes(4, "big")
    bad = tmp_path / "seclen.byte"
    bad.write_bytes(bytes(data))
    check_bad_file(bad, "seclen.byte")


def test_other_ocaml_version(good: Path, tmp_path: Path) -> None:
    data = good.read_bytes()
    bad = tmp_path / "old.byte"
    bad.write_bytes(data[: -len(MAGIC)] + b"Caml1999X029")
    line = check_bad_file(bad, "old.byte")
    assert "Caml1999X029" in line


def test_unknown_primitive(tmp_path: Path) -> None:
    (tmp_path / "p.ml").write_text(
        'external f : int -> int = "camllvm_no_such_primitive"\nlet () = print_int (f 1)\n'
    )
    # ocamlc refuses unknown primitives unless told they exist (-use-prims).
    known = run(["ocamlrun", "-p"]).stdout + "camllvm_no_such_primitive\n"
    (tmp_path / "prims.txt").write_text(known)
    subprocess.run(["ocamlc", "-use-prims", "prims.txt", "p.ml", "-o", "p.byte"],
                   cwd=tmp_path, check=True)  # fmt: skip
    line = check_bad_file(tmp_path / "p.byte", "camllvm_no_such_primitive")
    assert "p.byte" in line


def test_missing_shared_library(tmp_path: Path) -> None:
    # ocamlc opens the library at link time: give it one, then take it away.
    (tmp_path / "d.ml").write_text('let () = print_endline "x"\n')
    (tmp_path / "stub.c").write_text("int camllvm_stub_marker;\n")
    lib = tmp_path / "dllcamllvm_missing.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "stub.c", "-o", lib.name], cwd=tmp_path, check=True)
    subprocess.run(["ocamlc", "-I", ".", "-dllib", "-lcamllvm_missing", "d.ml", "-o", "d.byte"],
                   cwd=tmp_path, check=True)  # fmt: skip
    lib.unlink()
    line = check_bad_file(tmp_path / "d.byte", "dllcamllvm_missing")
    assert "d.byte" in line


def test_unreadable_file(good: Path, tmp_path: Path) -> None:
    bad = tmp_path / "secret.byte"
    shutil.copy(good, bad)
    bad.chmod(0)
    cmd = [*WITHOUT_DAC_OVERRIDE, CAMLLVM, "run", "--jit=off", str(bad)]
    assert run([*WITHOUT_DAC_OVERRIDE, "ocamlrun", str(bad)]).returncode != 0
    proc = run(cmd)
    assert proc.returncode == 2 and proc.stdout == "", proc
    assert proc.stderr == f"camllvm: {bad}: permission denied\n", proc


@pytest.mark.parametrize("sub", ["info", "dis"])
def test_inspector_bad_input(tmp_path: Path, sub: str) -> None:
    (tmp_path / "x.txt").write_text("hello\n")
    assert_one_line_error([sub, str(tmp_path / "x.txt")], "x.txt")
    assert_one_line_error([sub, str(tmp_path / "missing")], "missing")


def test_run_without_program() -> None:
    assert_one_line_error(["run"], "no bytecode file")


def test_run_unknown_option(good: Path) -> None:
    assert_one_line_error(["run", "--frobnicate", str(good)], "--frobnicate")
