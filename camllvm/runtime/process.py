"""Give the OCaml program the process ocamlrun would give it, undoing what Python changed at start-up."""

from __future__ import annotations

import _signal as signal  # (the signal module wraps it in enums: enum costs ~3 ms a run)
import os

# Python ignores SIGPIPE and SIGXFSZ and catches SIGINT; ocamlrun leaves them
# at their defaults, so a program killed by a closed pipe or ^C must die the same way.
_RESET_SIGNALS = ("SIGPIPE", "SIGXFSZ", "SIGINT")


def _initial_environment() -> dict[bytes, bytes] | None:
    """The environment this process was started with (Linux: /proc/self/environ)."""
    try:
        with open("/proc/self/environ", "rb") as f:
            entries = f.read().split(b"\0")
    except OSError:
        return None
    return dict(e.split(b"=", 1) for e in entries if b"=" in e)


def undo_locale_coercion() -> None:
    """Remove LC_CTYPE when Python set it itself (PEP 538 C-locale coercion).

    The OCaml program sees our environment (Sys.getenv, Unix.environment);
    it must be the one the user gave.
    """
    if b"LC_CTYPE" not in os.environb:
        return
    initial = _initial_environment()
    if initial is not None and b"LC_CTYPE" not in initial:
        del os.environb[b"LC_CTYPE"]


def prepare_for_ocaml() -> None:
    """Restore signal dispositions and environment to what ocamlrun would inherit."""
    for name in _RESET_SIGNALS:
        signum = getattr(signal, name, None)
        if signum is not None:
            signal.signal(signum, signal.SIG_DFL)
    undo_locale_coercion()
