"""Split an OCaml 4.13 bytecode executable into its named sections (caml/exec.h)."""

from __future__ import annotations

import os
import stat
import struct

from camllvm.errors import BytecodeFormatError

# (Every run reads its program first: no typing, re, contextlib or collections here,
# ~17 ms of a 40 ms start-up with pathlib; type checkers know TYPE_CHECKING by name.)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from typing import BinaryIO

#: Magic of executables made by OCaml 4.13 (EXEC_MAGIC in caml/exec.h).
EXEC_MAGIC = "Caml1999X030"
EXEC_MAGIC_LENGTH = 12
#: uint32 section count + magic (TRAILER_SIZE in caml/exec.h).
TRAILER_SIZE = 4 + EXEC_MAGIC_LENGTH
#: 4-byte name + uint32 length (struct section_descriptor).
DESCRIPTOR_SIZE = 8



def _is_magic(blob: bytes, kinds: bytes) -> bool:
    """``blob`` is "Caml1999" + one of ``kinds`` + 3 digits: the magic of another OCaml
    release's executable (kinds b"X") or of a .cmo/.cma/.cmi/... file (any letter),
    utils/config.mlp."""
    return (len(blob) == EXEC_MAGIC_LENGTH and blob.startswith(b"Caml1999")
            and blob[8:9] in kinds and blob[9:].isdigit())  # fmt: skip


_LETTERS = bytes(range(ord("A"), ord("Z") + 1)) + bytes(range(ord("a"), ord("z") + 1))


class Section:
    """One entry of the table of contents, located in the file."""

    __slots__ = ("name", "offset", "length")

    def __init__(self, name: str, offset: int, length: int) -> None:
        self.name = name  # 4 chars, e.g. "CODE"
        self.offset = offset  # absolute file offset of the section's first byte
        self.length = length

    def __repr__(self) -> str:
        return f"Section({self.name!r}, {self.offset}, {self.length})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Section) and (self.name, self.offset, self.length) == (
            other.name, other.offset, other.length)  # fmt: skip

    def __hash__(self) -> int:
        return hash((self.name, self.offset, self.length))


class Executable:
    """A bytecode executable split into sections; the raw bytes are kept per name."""

    __slots__ = ("path", "magic", "sections", "raw")

    def __init__(self, path: str, magic: str, sections: tuple[Section, ...],
                 raw: Mapping[str, bytes]) -> None:  # fmt: skip
        set_field = object.__setattr__  # (read-only afterwards)
        set_field(self, "path", path)
        set_field(self, "magic", magic)
        set_field(self, "sections", sections)  # in file order
        set_field(self, "raw", raw)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Executable is read-only ({name})")

    def __repr__(self) -> str:
        return f"Executable({self.path!r}, {self.magic!r}, {self.sections!r})"

    @property
    def code(self) -> bytes:
        """The CODE section: 32-bit little-endian words as ocamlc wrote them."""
        return self.raw.get("CODE", b"")

    @property
    def prims(self) -> list[str]:
        """Names of the C primitives, in the numbering C_CALL operands use."""
        return _nul_separated(self.raw.get("PRIM", b""))

    @property
    def dlls(self) -> list[str]:
        """Shared libraries to load (DLLS), e.g. ``dllunix``."""
        return _nul_separated(self.raw.get("DLLS", b""))

    @property
    def dll_paths(self) -> list[str]:
        """Extra directories where the DLLS are searched (DLPT, from ``-dllpath``)."""
        return _nul_separated(self.raw.get("DLPT", b""))

    @property
    def data(self) -> bytes:
        """The DATA section: the marshalled table of global values."""
        return self.raw.get("DATA", b"")

    def section(self, name: str) -> Section | None:
        """The descriptor of section ``name``, or None if there is none."""
        for sec in self.sections:
            if sec.name == name:
                return sec
        return None


def _nul_separated(blob: bytes) -> list[str]:
    """Split a section of NUL-terminated strings (bytelink.ml writes one NUL after each)."""
    names = blob.split(b"\0")
    if names and names[-1] == b"":
        names.pop()
    return [os.fsdecode(n) for n in names]


def _fail(path: str, problem: str) -> BytecodeFormatError:
    return BytecodeFormatError(f"{path}: {problem}")


class _os_errors:  # noqa: N801 - used as a function: with _os_errors(path): ...
    """Turn the OS's complaints about ``path`` into one-line BytecodeFormatErrors."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, e: BaseException | None, tb: object) -> None:
        if isinstance(e, FileNotFoundError):
            raise _fail(self.path, "no such file") from None
        if isinstance(e, IsADirectoryError):
            raise _fail(self.path, "is a directory, not a bytecode executable") from None
        if isinstance(e, PermissionError):
            raise _fail(self.path, "permission denied") from None
        if isinstance(e, OSError):
            raise _fail(self.path, f"cannot read: {e.strerror or e}") from None


#: Sections read only when first asked for: the debug information (ocamlc.byte's is 17
#: of its 20 MB) serves inspection and names, while a run needs code, data and names.
LAZY_SECTIONS = frozenset({"DBUG"})


def _read_at(path: str, f: BinaryIO, offset: int, length: int) -> bytes:
    f.seek(offset)
    data = f.read(length)
    if len(data) != length:
        raise _fail(path, "file changed while being read")
    return data


class _SectionBytes:
    """The bytes of each section by name (a read-only mapping): LAZY_SECTIONS are read
    from the file on first use (reopened, as ocamlrun does for backtraces), the rest up
    front."""

    def __init__(self, path: str, eager: dict[str, bytes], lazy: dict[str, Section]) -> None:
        self._path = path
        self._bytes = eager
        self._lazy = lazy

    def __getitem__(self, name: str) -> bytes:
        if name not in self._bytes:
            sec = self._lazy[name]  # (KeyError: no such section)
            with _os_errors(self._path), open(self._path, "rb") as f:
                self._bytes[name] = _read_at(self._path, f, sec.offset, sec.length)
        return self._bytes[name]

    def __iter__(self) -> Iterator[str]:
        return iter([*self._bytes, *(n for n in self._lazy if n not in self._bytes)])

    def __len__(self) -> int:
        return len(self._bytes.keys() | self._lazy.keys())

    def __contains__(self, name: object) -> bool:
        return name in self._bytes or name in self._lazy

    def get(self, name: str, default: bytes | None = None) -> bytes | None:
        return self[name] if name in self else default

    def keys(self) -> list[str]:
        return list(self)


def read_trailer(path: str, head: bytes, tail: bytes, size: int) -> tuple[int, str]:
    """Section count and magic from the last 16 bytes (runtime/startup_byt.c read_trailer).

    ``head`` (the first bytes of the file) only serves to recognise object files.
    """
    if size == 0:
        raise _fail(path, "empty file, not an OCaml bytecode executable")
    if size < TRAILER_SIZE or len(tail) < TRAILER_SIZE:
        raise _fail(path, f"file too short ({size} bytes), not an OCaml bytecode executable")
    magic_bytes = tail[-EXEC_MAGIC_LENGTH:]
    if magic_bytes != EXEC_MAGIC.encode():
        if _is_magic(magic_bytes, b"X"):
            other = magic_bytes.decode("ascii")
            problem = f"built by another OCaml version (magic {other}, expected {EXEC_MAGIC})"
            raise _fail(path, problem)
        if _is_magic(head[:EXEC_MAGIC_LENGTH], _LETTERS):
            kind = head[:EXEC_MAGIC_LENGTH].decode("ascii")
            raise _fail(path, f"an OCaml compiled file (magic {kind}), not a bytecode executable")
        raise _fail(path, "not an OCaml bytecode executable")
    (count,) = struct.unpack_from(">I", tail, len(tail) - TRAILER_SIZE)
    return count, EXEC_MAGIC


def read_sections(path: str, toc: bytes, toc_start: int, count: int) -> tuple[Section, ...]:
    """Locate every section from the table of contents ``toc`` (at file offset
    ``toc_start``); they end where it starts (exec.h)."""
    if toc_start < 0:
        raise _fail(path, f"section table of {count} entries is larger than the file (truncated?)")
    entries: list[tuple[str, int]] = []
    for i in range(count):
        raw_name, length = struct.unpack_from(">4sI", toc, i * DESCRIPTOR_SIZE)
        try:
            name = raw_name.decode("ascii")
        except UnicodeDecodeError:
            raise _fail(path, f"section {i} has a non-ASCII name {raw_name!r}") from None
        if not name.isprintable():
            raise _fail(path, f"section {i} has an unprintable name {raw_name!r}")
        entries.append((name, length))
    total = sum(length for _, length in entries)
    offset = toc_start - total
    if offset < 0:
        raise _fail(
            path,
            f"sections total {total} bytes but only {toc_start} precede the section table"
            " (truncated file?)",
        )
    sections = []
    for name, length in entries:
        sections.append(Section(name, offset, length))
        offset += length
    return tuple(sections)


def _check_sections(path: str, sections: tuple[Section, ...]) -> None:
    """Reject what ocamlrun would misread: duplicates, no CODE, partial words."""
    seen: set[str] = set()
    for sec in sections:
        if sec.name in seen:
            raise _fail(path, f"duplicate section {sec.name}")
        seen.add(sec.name)
    code = next((s for s in sections if s.name == "CODE"), None)
    if code is None:
        raise _fail(path, "no CODE section")
    if code.length % 4:
        raise _fail(path, f"CODE section length {code.length} is not a multiple of 4")


def read_executable(path: str | os.PathLike[str]) -> Executable:
    """Read and validate ``path``; raise BytecodeFormatError with one line on bad input."""
    path = os.fspath(path)
    with _os_errors(path):
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError
        if not stat.S_ISREG(mode):
            raise _fail(path, "not a regular file, not an OCaml bytecode executable")
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(EXEC_MAGIC_LENGTH)
            f.seek(max(size - TRAILER_SIZE, 0))
            count, magic = read_trailer(path, head, f.read(TRAILER_SIZE), size)
            toc_start = size - TRAILER_SIZE - count * DESCRIPTOR_SIZE
            toc = _read_at(path, f, toc_start, count * DESCRIPTOR_SIZE) if toc_start >= 0 else b""
            sections = read_sections(path, toc, toc_start, count)
            _check_sections(path, sections)
            eager = {s.name: _read_at(path, f, s.offset, s.length)
                     for s in sections if s.name not in LAZY_SECTIONS}  # fmt: skip
    lazy = {s.name: s for s in sections if s.name in LAZY_SECTIONS}
    return Executable(path, magic, sections, _SectionBytes(path, eager, lazy))
