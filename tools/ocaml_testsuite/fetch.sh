#!/bin/sh
# Download OCaml 4.13.1's sources (Debian's source package, the exact version of the
# installed ocamlc) into $OCAML_TESTSUITE_DIR/apt with a private apt configuration
# (the system's apt sources are left alone), and unpack them: the testsuite is then
# in apt/ocaml-4.13.1/testsuite/tests.
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
base=${OCAML_TESTSUITE_DIR:-$repo/.cache/ocaml-testsuite}
apt=$base/apt
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main" > "$apt/sources.list"
opts="-o Dir::Etc::SourceList=$apt/sources.list -o Dir::Etc::SourceParts=/dev/null
      -o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt/cache"
# shellcheck disable=SC2086
apt-get $opts update
cd "$apt"
# shellcheck disable=SC2086
apt-get $opts source --download-only ocaml=4.13.1-4
rm -rf ocaml-4.13.1
tar xzf ocaml_4.13.1.orig.tar.gz
test -d ocaml-4.13.1/testsuite/tests
echo "testsuite in $apt/ocaml-4.13.1/testsuite/tests"
