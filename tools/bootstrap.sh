#!/usr/bin/env bash
# Install whatever camllvm needs that this machine lacks (Debian 12), idempotently:
# OCaml 4.13 (ocaml-nox), a C toolchain, a .venv with camllvm + llvmlite + pytest,
# and the runtime library (built into the cache by digest).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! command -v ocamlc >/dev/null || [ ! -f /usr/lib/ocaml/libcamlrun_pic.a ]; then
  echo "bootstrap: installing ocaml-nox"; apt_install ocaml-nox
fi
if ! command -v gcc >/dev/null || ! command -v ar >/dev/null; then
  echo "bootstrap: installing gcc"; apt_install gcc binutils libc6-dev
fi
PYTHON=${PYTHON:-python3}
if ! command -v "$PYTHON" >/dev/null; then
  echo "bootstrap: installing python3"; apt_install python3 python3-venv; PYTHON=python3
fi
if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -m venv .venv 2>/dev/null; then
    rm -rf .venv; echo "bootstrap: installing python3-venv"; apt_install python3-venv
    "$PYTHON" -m venv .venv
  fi
fi
stamp=.venv/.camllvm-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ ! -x .venv/bin/camllvm ]; then
  echo "bootstrap: installing camllvm into .venv"
  # compat mode: a plain .pth path entry; the default import-hook finder costs ~20 ms per start
  .venv/bin/python -m pip install -q --disable-pip-version-check --config-settings editable_mode=compat -e '.[test]'
  touch "$stamp"
fi
# pip's launcher imports re to tidy argv[0] for Windows (~3 ms of every run's ~25 ms
# start-up): ours only imports camllvm.
launcher="#!$PWD/.venv/bin/python
import sys
from camllvm.cli import main
sys.exit(main())"
if [ "$(cat .venv/bin/camllvm)" != "$launcher" ]; then
  printf '%s\n' "$launcher" > .venv/bin/camllvm.tmp && chmod 755 .venv/bin/camllvm.tmp
  mv .venv/bin/camllvm.tmp .venv/bin/camllvm
fi
# Byte-compile camllvm now: with PYTHONDONTWRITEBYTECODE set (as on our CI) every
# start would otherwise recompile the sources (~40 ms of a 0.1 s start-up).
.venv/bin/python -m compileall -q camllvm >/dev/null
.venv/bin/python -m camllvm.runtime.build >/dev/null
