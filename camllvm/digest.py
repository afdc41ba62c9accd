"""SHA-256 for cache keys and digests, without importing hashlib on every run's start-up
(hashlib loads OpenSSL: ~4 ms); the digests are the same."""

try:
    from _sha256 import sha256  # CPython <= 3.11's own implementation
except ImportError:
    try:
        from _sha2 import sha256  # CPython >= 3.12
    except ImportError:
        from hashlib import sha256

__all__ = ["sha256"]
