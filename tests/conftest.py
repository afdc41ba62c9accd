"""pytest configuration for camllvm's tests: command-line options and markers."""

from __future__ import annotations

import os

import pytest

MARKERS = {
    "differential": "runs an OCaml program under ocamlrun and camllvm and compares",
    "asm": "hand-assembled bytecode for opcodes ocamlc never emits",
    "coverage": "checks that the test programs cover the instruction set",
}

#: Test file stem -> marker applied to every test in it.
FILE_MARKERS = {
    "test_differential": "differential",
    "test_coverage": "coverage",
    "test_debian_programs": "differential",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    """--camllvm-cmd / --camllvm-modes: same as the CAMLLVM_CMD / CAMLLVM_MODES env vars."""
    group = parser.getgroup("camllvm")
    group.addoption("--camllvm-cmd", default=None,
                    help="command under test (default: <repo>/.venv/bin/camllvm)")
    group.addoption("--camllvm-modes", default=None,
                    help="';'-separated mode strings, e.g. --camllvm-modes='--jit=off;--jit=all' "
                         "(use the '=' form: the value starts with '--')")


def pytest_configure(config: pytest.Config) -> None:
    """Register markers; turn options into the env vars harness.py reads (before collection)."""
    for name, doc in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {doc}")
    cmd = config.getoption("--camllvm-cmd")
    if cmd:
        os.environ["CAMLLVM_CMD"] = cmd
    modes = config.getoption("--camllvm-modes")
    if modes:
        os.environ["CAMLLVM_MODES"] = modes


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by file so ``-m differential`` / ``-m asm`` / ``-m coverage`` select them."""
    for item in items:
        stem = item.path.stem
        marker = FILE_MARKERS.get(stem) or ("asm" if stem.startswith("test_asm") else None)
        if marker:
            item.add_marker(getattr(pytest.mark, marker))
