"""User-facing errors: each one becomes a single line on stderr and a non-zero exit."""

from __future__ import annotations


class CamllvmError(Exception):
    """An error caused by the input or the environment, reported as one line.

    The message should name the file (or function and pc) it concerns; the CLI
    prints ``camllvm: <message>`` and exits with ``exit_code``.
    """

    exit_code = 2


class BytecodeFormatError(CamllvmError):
    """The file is not a well-formed OCaml 4.13 bytecode executable."""


class LinkError(CamllvmError):
    """A primitive or shared library named by the executable cannot be found."""


class AnalysisError(CamllvmError):
    """The bytecode breaks an invariant that ocamlc-produced code keeps."""
