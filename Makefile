# camllvm: `make demo` and `make test` bootstrap everything they need first.
PY      := .venv/bin/python
CAMLLVM := .venv/bin/camllvm
PYTEST_ARGS ?=

.PHONY: all bootstrap demo test bench fuzz clean

all: demo

bootstrap:
	@tools/bootstrap.sh

demo: bootstrap
	@mkdir -p .cache/demo
	ocamlc -g examples/demo.ml -o .cache/demo/demo.byte
	@echo "--- ocamlrun:"
	ocamlrun .cache/demo/demo.byte 25
	@echo "--- camllvm (OCaml's interpreter behind camllvm's loader):"
	$(CAMLLVM) run .cache/demo/demo.byte 25
	@echo "--- camllvm --jit=all (native code through LLVM):"
	$(CAMLLVM) run --jit=all --stats .cache/demo/demo.byte 25
	@echo "--- camllvm info:"
	$(CAMLLVM) info .cache/demo/demo.byte | head -n 12
	@echo "--- camllvm dis (function fib):"
	$(CAMLLVM) dis .cache/demo/demo.byte --function fib | head -n 30

test: bootstrap
	$(PY) -m pytest -q -n auto $(PYTEST_ARGS)

# Benchmarks: ocamlrun vs camllvm (warm and cold) vs ocamlopt, interleaved runs;
# writes bench/results/results.md and results.png. BENCH_ARGS=--quick for a smoke run.
bench: bootstrap
	$(PY) -m camllvm.bench $(BENCH_ARGS)

# Differential fuzzing: random OCaml programs, ocamlrun vs camllvm's JIT modes;
# differences are kept in fuzz-failures/. FUZZ_ARGS="--seeds 0:1000" for a campaign.
fuzz: bootstrap
	$(PY) tools/fuzz.py $(FUZZ_ARGS)

clean:
	rm -rf .cache .pytest_cache
