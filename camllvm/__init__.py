"""camllvm: run OCaml 4.13 bytecode executables through an LLVM JIT on OCaml's own runtime."""

__version__ = "0.1.0"
