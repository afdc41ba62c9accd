"""Digests for cache keys, without importing hashlib on every run's start-up (hashlib
loads OpenSSL: ~4 ms). SHA-256 for short texts; BLAKE2b for a program's code, which
for ocamlc.byte is 2.6 MB: CPython's own SHA-256 takes 15 ms there, BLAKE2b 5 ms."""

try:
    from _sha256 import sha256  # CPython <= 3.11's own implementation
except ImportError:
    try:
        from _sha2 import sha256  # CPython >= 3.12
    except ImportError:
        from hashlib import sha256

try:
    from _blake2 import blake2b  # CPython's own
except ImportError:
    from hashlib import blake2b

__all__ = ["blake2b", "sha256"]
