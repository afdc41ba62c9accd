"""Random OCaml programs for differential fuzzing (tools/fuzz.py, tests/test_fuzz.py).

Each program is a chain of functions ``f0 .. fn`` of two ints and a *fuel* argument
(calls go to an earlier function or to the function itself with less fuel, so every
program terminates), whose bodies mix what the JIT lowers differently: tagged integer
arithmetic with edge values, shifts by any count, division by zero, branches and
``match`` (SWITCH), closures and partial application, exceptions raised and caught
(OCaml's own and ours), arrays and bounds errors, strings, floats (printed in hex, so
every bit counts), lists and the stdlib's higher-order functions, refs and loops.
The main program prints each function's result (or the exception it raised) for a
few argument pairs. Nothing here knows the expected output: ocamlrun gives it.
"""

from __future__ import annotations

import random

EDGE_INTS = ("0", "1", "(-1)", "2", "3", "7", "42", "(-37)", "max_int", "min_int",
             "(1 lsl 30)", "0x3FFFFFFF", "(-0x40000000)", "1000003")
EDGE_FLOATS = ("0.0", "(-0.0)", "1.5", "(-2.25)", "1e300", "nan", "infinity", "3.0e-310")
PRELUDE = """\
exception E of int
exception F of string * int
let arr = Array.init 8 (fun i -> i * i - 5)
let farr = [| 0.5; -1.25; 3.0; 1e10 |]
let strs = [| "camllvm"; ""; "x"; "hello, world" |]
let lst = [3; -1; 4; 1; -5; 9; 2; 6]
let cell = ref 11
type rcd = { mutable cnt : int; mutable fl : float }
"""


class Generator:
    """One program from one seed: ``Generator(seed).program()``."""

    def __init__(self, seed: int, functions: int = 7, depth: int = 4) -> None:
        self.rng = random.Random(seed)
        self.functions = functions
        self.depth = depth
        self.names = 0

    def fresh(self, stem: str) -> str:
        self.names += 1
        return f"{stem}{self.names}"

    def pick(self, options):  # noqa: ANN001, ANN201
        return self.rng.choice(options)

    # ---- expressions of type int ----

    def int_expr(self, env: list[str], d: int, fn: int) -> str:
        """An int expression over the int variables ``env``; ``fn`` is the function
        being defined (calls may go to f0..f{fn}), -1 outside functions."""
        if d <= 0 or self.rng.random() < 0.15:
            return self.leaf(env)
        kinds = [self.binop, self.binop, self.cond, self.let_in, self.match, self.divide,
                 self.closure, self.exception, self.array, self.string, self.float_int,
                 self.list_fold, self.loop, self.compare, self.arity, self.tail_loop,
                 self.boxed, self.record, self.escape, self.objects, self.variants,
                 self.library, self.closures_as_data]
        if fn >= 0:
            kinds += [self.call, self.call, self.partial]
        return self.pick(kinds)(env, d - 1, fn)

    def leaf(self, env: list[str]) -> str:
        if env and self.rng.random() < 0.7:
            return self.pick(env)
        if self.rng.random() < 0.5:
            return self.pick(EDGE_INTS)
        return f"({self.rng.randint(-20, 100)})"

    def binop(self, env: list[str], d: int, fn: int) -> str:
        op = self.pick(("+", "-", "*", "land", "lor", "lxor", "lsl", "lsr", "asr", "+", "-"))
        return f"({self.int_expr(env, d, fn)} {op} {self.int_expr(env, d, fn)})"

    def divide(self, env: list[str], d: int, fn: int) -> str:
        op = self.pick(("/", "mod"))
        return (f"(try {self.int_expr(env, d, fn)} {op} {self.int_expr(env, d, fn)} "
                f"with Division_by_zero -> {self.leaf(env)})")

    def cond(self, env: list[str], d: int, fn: int) -> str:
        return (f"(if {self.bool_expr(env, d, fn)} then {self.int_expr(env, d, fn)} "
                f"else {self.int_expr(env, d, fn)})")

    def bool_expr(self, env: list[str], d: int, fn: int) -> str:
        r = self.rng.random()
        if r < 0.6:
            op = self.pick(("<", "<=", ">", ">=", "=", "<>"))
            return f"({self.int_expr(env, d, fn)} {op} {self.int_expr(env, d, fn)})"
        if r < 0.8:
            return f"({self.bool_expr(env, d - 1, fn)} {self.pick(('&&', '||'))} {self.bool_expr(env, d - 1, fn)})"
        return f"(not ({self.int_expr(env, d, fn)} land 1 = 0))"

    def compare(self, env: list[str], d: int, fn: int) -> str:
        a, b = self.int_expr(env, d, fn), self.int_expr(env, d, fn)
        return self.pick((f"(compare {a} {b})", f"(min {a} {b})", f"(max {a} {b})",
                          f"(abs {a})", f"(Hashtbl.hash ({a}, {b}))", f"(succ {a})"))

    def let_in(self, env: list[str], d: int, fn: int) -> str:
        x = self.fresh("v")
        return f"(let {x} = {self.int_expr(env, d, fn)} in {self.int_expr(env + [x], d, fn)})"

    def match(self, env: list[str], d: int, fn: int) -> str:
        n = self.rng.randint(2, 6)
        arms = " | ".join(f"{k} -> {self.int_expr(env, d - 1, fn)}" for k in range(n))
        x = self.fresh("m")
        return (f"(match {self.int_expr(env, d, fn)} land 7 with {arms} "
                f"| {x} -> {self.int_expr(env + [x], d - 1, fn)})")

    def closure(self, env: list[str], d: int, fn: int) -> str:
        g, x, y = self.fresh("g"), self.fresh("x"), self.fresh("y")
        shape = self.rng.random()
        if shape < 0.4:
            return (f"(let {g} {x} = {self.int_expr(env + [x], d, fn)} in "
                    f"{g} {self.int_expr(env, d, fn)} + {g} {self.int_expr(env, d, fn)})")
        if shape < 0.7:
            return (f"(let {g} {x} {y} = {self.int_expr(env + [x, y], d, fn)} in "
                    f"let h = {g} {self.int_expr(env, d, fn)} in h {self.leaf(env)} - h {self.leaf(env)})")
        return (f"(List.fold_left (fun {x} {y} -> {self.int_expr(env + [x, y], d, fn)}) "
                f"{self.leaf(env)} (List.map (fun {x} -> {x} * 3) lst))")

    def exception(self, env: list[str], d: int, fn: int) -> str:
        x = self.fresh("e")
        raise_ = self.pick((f"raise (E {self.int_expr(env, d, fn)})",
                            f"raise (F (\"f\", {self.int_expr(env, d, fn)}))",
                            "raise Not_found", f"failwith (string_of_int {self.leaf(env)})",
                            f"List.assoc {self.leaf(env)} [(1, 2); (5, 8)]",
                            f"arr.({self.int_expr(env, d, fn)})"))
        return (f"(try (if {self.bool_expr(env, d, fn)} then {raise_} else {self.int_expr(env, d, fn)}) "
                f"with E {x} -> {x} + 1 | F (_, {x}) -> {x} - 1 | Not_found -> 77 "
                f"| Failure s -> String.length s | Invalid_argument _ -> -99)")

    def escape(self, env: list[str], d: int, fn: int) -> str:
        """An exception that leaves the function (through native frames, to the main
        program's handler: its backtrace is printed when recorded)."""
        cond = self.bool_expr(env, d, fn)
        exn = self.pick((f"raise (E {self.leaf(env)})", f"arr.({self.leaf(env)})",
                         f"failwith \"f{fn}\"", "raise Exit", f"(1 / ({self.leaf(env)} land 0))"))
        return f"(if {cond} then {exn} else {self.int_expr(env, d, fn)})"

    def objects(self, env: list[str], d: int, fn: int) -> str:
        """Immediate objects: instance variables, methods calling each other (send)."""
        return (f"(let o = object (self) val mutable v = {self.leaf(env)} "
                f"method get = v method add k = v <- v + k; self#get "
                f"method twice k = self#add k + self#add k end in "
                f"o#twice {self.int_expr(env, d, fn)} + o#add {self.leaf(env)})")

    def variants(self, env: list[str], d: int, fn: int) -> str:
        """Polymorphic variants with and without payload, options, lazy values."""
        a, b = self.int_expr(env, d, fn), self.int_expr(env, d, fn)
        return self.pick((
            f"(match (if {self.bool_expr(env, d, fn)} then `A {a} else if {b} land 1 = 0 then `B ({a}, {b}) "
            f"else `C) with `A x -> x | `B (x, y) -> x - y | `C -> 17)",
            f"(match List.find_opt (fun x -> x > {a}) lst with Some x -> x | None -> {b})",
            f"(let l = lazy ({a} * 3) in Lazy.force l + Lazy.force l)"))

    def library(self, env: list[str], d: int, fn: int) -> str:
        """Hashtbl, Buffer, Printf formats, String functions that raise, Fun.protect."""
        a, b = self.int_expr(env, d, fn), self.int_expr(env, d, fn)
        return self.pick((
            f"(let h = Hashtbl.create 8 in Hashtbl.replace h {a} {b}; Hashtbl.replace h {b} 5; "
            f"(try Hashtbl.find h {self.leaf(env)} with Not_found -> -1) + Hashtbl.length h)",
            f"(let bf = Buffer.create 4 in Buffer.add_string bf (string_of_int {a}); "
            f"Buffer.add_char bf 'x'; Hashtbl.hash (Buffer.contents bf))",
            f"(String.length (Printf.sprintf \"%5d|%-3s|%.3f|%x|%c\" {a} \"ab\" (float_of_int {b}) {b} "
            f"(Char.chr ({a} land 127))))",
            f"(try String.length (String.sub \"abcdefgh\" ({a} land 7) ({b} land 7)) "
            f"with Invalid_argument _ -> -3)",
            f"(Fun.protect ~finally:(fun () -> cell := !cell + 1) (fun () -> {a}))"))

    def closures_as_data(self, env: list[str], d: int, fn: int) -> str:
        """Closures compared, hashed and marshalled: they must stay bytecode closures."""
        a = self.int_expr(env, d, fn)
        return self.pick((
            f"(let g = (fun x -> x + {a}) in String.length (Marshal.to_string g [Marshal.Closures]))",
            f"(let g = (fun x -> x * {a}) in let s = Marshal.to_string (g, {a}) [Marshal.Closures] in "
            f"let (h, v) = (Marshal.from_string s 0 : (int -> int) * int) in h v)",
            f"(Hashtbl.hash (Marshal.to_string (f{max(fn, 0)}, {a}) [Marshal.Closures]))"
            if fn >= 0 else f"(Hashtbl.hash {a})",
            f"(try if compare (fun x -> x) (fun x -> x) = 0 then 1 else 2 with Invalid_argument _ -> {a})"))

    def array(self, env: list[str], d: int, fn: int) -> str:
        i = self.int_expr(env, d, fn)
        if self.rng.random() < 0.5:
            return f"arr.(({i}) land 7)"
        return f"(arr.(({i}) land 7) <- {self.int_expr(env, d, fn)}; arr.(({self.leaf(env)}) land 7))"

    def string(self, env: list[str], d: int, fn: int) -> str:
        s = f"strs.(({self.int_expr(env, d, fn)}) land 3)"
        return self.pick((f"(String.length {s})",
                          f"(let s = {s} ^ string_of_int {self.leaf(env)} in Char.code s.[String.length s - 1])",
                          f"(Hashtbl.hash {s})",
                          f"(String.length (Printf.sprintf \"%d/%x\" {self.leaf(env)} {self.leaf(env)}))"))

    def float_expr(self, env: list[str], d: int, fn: int) -> str:
        if d <= 0 or self.rng.random() < 0.25:
            return self.pick(EDGE_FLOATS + ("farr.(1)", f"(float_of_int {self.leaf(env)})"))
        r = self.rng.random()
        if r < 0.6:
            op = self.pick(("+.", "-.", "*.", "/."))
            return f"({self.float_expr(env, d - 1, fn)} {op} {self.float_expr(env, d - 1, fn)})"
        if r < 0.8:
            f = self.pick(("sqrt", "abs_float", "floor", "Float.of_int (truncate", "exp"))
            close = ")" if "(" in f else ""
            return f"({f} {self.float_expr(env, d - 1, fn)}{close})"
        return (f"(if {self.float_expr(env, d - 1, fn)} < {self.float_expr(env, d - 1, fn)} "
                f"then {self.float_expr(env, d - 1, fn)} else farr.(({self.leaf(env)}) land 3))")

    def float_int(self, env: list[str], d: int, fn: int) -> str:
        f = self.float_expr(env, d, fn)
        return self.pick((f"(int_of_float {f})", f"(compare {f} {self.float_expr(env, d, fn)})",
                          f"(Hashtbl.hash {f})", f"(String.length (Printf.sprintf \"%h\" {f}))",
                          f"(if classify_float {f} = FP_nan then 1 else 0)"))

    def list_fold(self, env: list[str], d: int, fn: int) -> str:
        x = self.fresh("l")
        return self.pick((f"(List.length (List.filter (fun {x} -> {self.int_expr(env + [x], d, fn)} > 0) lst))",
                          f"(List.fold_right (fun {x} a -> a * 7 + {x}) (List.init (({self.leaf(env)}) land 15) (fun {x} -> {x})) 0)",
                          f"(List.nth lst (({self.int_expr(env, d, fn)}) land 7))",
                          f"(let s = List.sort compare (List.map (fun {x} -> {x} lxor {self.leaf(env)}) lst) in List.hd s)"))

    def loop(self, env: list[str], d: int, fn: int) -> str:
        r, i = self.fresh("r"), self.fresh("i")
        if self.rng.random() < 0.6:
            return (f"(let {r} = ref {self.leaf(env)} in for {i} = 0 to ({self.int_expr(env, d, fn)}) land 15 do "
                    f"{r} := !{r} + {self.int_expr(env + [i, '!' + r], d, fn)} done; !{r})")
        return (f"(let {r} = ref 0 and {i} = ref ({self.leaf(env)} land 31) in while !{i} > 0 do "
                f"decr {i}; {r} := !{r} lxor {self.int_expr(env + ['!' + i], d, fn)}; cell := !cell + 1 done; !{r} + !cell)")

    def arity(self, env: list[str], d: int, fn: int) -> str:
        """Calls of 5 arguments (APPLY n, APPTERM n), partial and over-application."""
        g, xs = self.fresh("k"), [self.fresh("z") for _ in range(5)]
        e = [self.int_expr(env, d - 1, fn) for _ in range(5)]
        shape = self.rng.randrange(3)
        if shape == 2:  # (fun x -> fun y z -> ..) applied to 3: over-application
            body = self.int_expr(env + xs[:3], d, fn)
            return f"(let {g} {xs[0]} = (fun {xs[1]} {xs[2]} -> {body}) in {g} {e[0]} {e[1]} {e[2]})"
        body = self.int_expr(env + xs, d, fn)
        if shape == 1:
            return f"(let {g} {' '.join(xs)} = {body} in let h = {g} {e[0]} {e[1]} in h {e[2]} {e[3]} {e[4]})"
        return f"(let {g} {' '.join(xs)} = {body} in {g} {' '.join(e)})"

    def tail_loop(self, env: list[str], d: int, fn: int) -> str:
        """A tail-recursive local function (self tail calls: APPTERM to itself)."""
        go, i, acc = self.fresh("go"), self.fresh("i"), self.fresh("acc")
        step = self.int_expr(env + [i, acc], d, fn)
        return (f"(let rec {go} {i} {acc} = if {i} <= 0 then {acc} else {go} ({i} - 1) ({step}) in "
                f"{go} (({self.leaf(env)}) land 31) {self.leaf(env)})")

    def boxed(self, env: list[str], d: int, fn: int) -> str:
        """Int64, Int32 and nativeint arithmetic (boxed: C primitives under ocamlrun)."""
        a, b = self.int_expr(env, d, fn), self.int_expr(env, d, fn)
        m = self.pick(("Int64", "Int32", "Nativeint"))
        op = self.pick(("add", "sub", "mul", "logxor", "div", "rem"))
        return (f"(try {m}.to_int ({m}.{op} ({m}.of_int {a}) ({m}.shift_left ({m}.of_int {b}) 3)) "
                f"with Division_by_zero -> 5)")

    def record(self, env: list[str], d: int, fn: int) -> str:
        """Records with mutable and float fields, Bytes, float arrays written."""
        return self.pick((
            f"(let rc = {{ cnt = {self.int_expr(env, d, fn)}; fl = {self.float_expr(env, d, fn)} }} in "
            f"rc.cnt <- rc.cnt + {self.leaf(env)}; rc.fl <- rc.fl *. 2.0; rc.cnt + truncate rc.fl)",
            f"(let by = Bytes.make 5 'a' in Bytes.set by (({self.leaf(env)}) land 3) 'z'; "
            f"Hashtbl.hash (Bytes.to_string by) + Char.code (Bytes.get by 2))",
            f"(farr.(({self.leaf(env)}) land 3) <- {self.float_expr(env, d, fn)}; truncate farr.(0))"))

    def call(self, env: list[str], d: int, fn: int) -> str:
        j = self.rng.randint(0, fn)
        return f"(f{j} (fuel - 1) {self.int_expr(env, d, fn)} {self.int_expr(env, d, fn)})"

    def partial(self, env: list[str], d: int, fn: int) -> str:
        j = self.rng.randint(0, fn)
        return (f"(let p = f{j} (fuel - 1) {self.int_expr(env, d, fn)} in "
                f"p {self.leaf(env)} + p {self.leaf(env)})")

    # ---- the program ----

    def function(self, i: int) -> str:
        body = self.int_expr(["a", "b"], self.depth, i)
        base = self.int_expr(["a", "b"], 2, -1)
        return f"let rec f{i} fuel a b =\n  if fuel <= 0 then {base} else\n  {body}\n"

    def program(self) -> str:
        """Half the programs record backtraces (printed after each exception caught by
        the main program, so their frames must be ocamlrun's: compile with -g); some
        end with an uncaught exception (exit code 2, its message, its backtrace)."""
        parts = [PRELUDE] + [self.function(i) for i in range(self.functions)]
        args = [(self.pick(EDGE_INTS), self.pick(EDGE_INTS)) for _ in range(4)]
        args += [(str(self.rng.randint(-50, 50)), str(self.rng.randint(-50, 50))) for _ in range(3)]
        calls = "; ".join(f"({a}, {b})" for a, b in args)
        traces = self.rng.random() < 0.5
        parts.append(
            f"let () = Printexc.record_backtrace {str(traces).lower()}\n"
            "let show name f =\n"
            "  List.iter (fun (a, b) ->\n"
            "    match f 4 a b with\n"
            "    | v -> Printf.printf \"%s %d\\n\" name v\n"
            "    | exception e ->\n"
            "      Printf.printf \"%s raised %s\\n%s\" name (Printexc.to_string e) (Printexc.get_backtrace ()))\n"
            f"    [{calls}]\n"
            "let () =\n"
            + "".join(f"  show \"f{i}\" f{i};\n" for i in range(self.functions))
            + "  Printf.printf \"cell %d, arr %s\\n%!\" !cell\n"
            "    (String.concat \",\" (Array.to_list (Array.map string_of_int arr)))\n")
        if self.rng.random() < 0.3:
            last = self.functions - 1
            parts.append(f"let () = ignore (f{last} 3 {self.pick(EDGE_INTS)} 1 / (f0 0 0 0 * 0))\n"
                         if self.rng.random() < 0.5 else
                         f"let () = raise (E (f{last} 3 {self.pick(EDGE_INTS)} 2))\n")
        return "\n".join(parts)
