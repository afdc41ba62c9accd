"""The runtime bridge: OCaml's own bytecode runtime built into a shared library, loaded with ctypes."""
