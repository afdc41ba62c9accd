(* test: flags=-g; env=OCAMLRUNPARAM=b; exit=2 *)
(* Tiered mode's on-stack replacement: hot loops at toplevel and in functions called once,
   entered with values in the accumulator, env and stack; loops inside try (the compiled
   code pops the interpreter's trap at POPTRAP), exceptions from compiled loop code caught
   by interpreted handlers, loops whose function was entered with extra arguments
   (over-application), float and allocation-heavy loop bodies, and an uncaught exception
   with a backtrace from inside a replaced loop. *)

exception Found of int

(* A toplevel loop: the code after it (to the toplevel's STOP) is compiled. *)
let total = ref 0
let () =
  for i = 1 to 30000 do
    total := !total + (i land 7)
  done;
  Printf.printf "toplevel loop: %d\n" !total

(* A while loop in a function called once, accumulating in locals. *)
let sum_squares n =
  let i = ref 0 and acc = ref 0 in
  while !i < n do
    acc := !acc + !i * !i;
    incr i
  done;
  !acc

let () = Printf.printf "sum_squares: %d\n" (sum_squares 50000)

(* A loop inside a try: it ends normally (POPTRAP popped by compiled code), then raises. *)
let in_try n =
  let r = ref 0 in
  (try
     for i = 1 to n do
       r := !r + i
     done;
     r := - !r
   with Not_found -> r := 0);
  (try
     for i = 1 to n do
       if i = n - 3 then raise (Found i);
       r := !r + 1
     done
   with Found k -> r := !r * 1000 + k);
  !r

let () = Printf.printf "in_try: %d\n" (in_try 40000)

(* The handler belongs to an interpreted caller; the loop raises from compiled code. *)
let search arr x =
  for i = 0 to Array.length arr - 1 do
    if arr.(i) = x then raise (Found i)
  done;
  -1

let () =
  let arr = Array.init 60000 (fun i -> (i * 7919) mod 60000) in
  let r = try search arr 12345 with Found i -> i in
  Printf.printf "search: %d\n" r

(* A function over-applied: its loop runs with extra arguments pending; the result
   (a closure) is applied to them after the loop. *)
let make_adder n =
  let s = ref 0 in
  for i = 1 to n do s := !s + (i mod 3) done;
  fun a b -> !s + a + b

let () = Printf.printf "over-applied: %d\n" (make_adder 25000 1 2)

(* Floats and allocation in the loop body, under the minor GC. *)
let floats n =
  let x = ref 0.0 and l = ref [] in
  for i = 1 to n do
    x := !x +. sqrt (float_of_int i);
    if i mod 1000 = 0 then l := !x :: !l
  done;
  (!x, List.length !l)

let () =
  let x, k = floats 30000 in
  Printf.printf "floats: %.6f %d\n" x k

(* Nested loops: the inner one gets hot first; the outer one is replaced later. *)
let nested () =
  let c = ref 0 in
  for i = 1 to 300 do
    for j = 1 to 300 do
      if (i + j) mod 5 = 0 then incr c
    done
  done;
  !c

let () = Printf.printf "nested: %d\n" (nested ())

(* A loop in a function called many times: replaced once, then the function is compiled. *)
let small_loop k =
  let s = ref 0 in
  for i = 1 to 50 do s := !s + i * k done;
  !s

let () =
  let t = ref 0 in
  for k = 1 to 3000 do t := !t + small_loop k done;
  Printf.printf "small loops: %d\n" !t

(* Uncaught, from a replaced loop: the backtrace names the loop's function. *)
let fail_late n =
  let r = ref 0 in
  for i = 1 to n do
    r := !r + i;
    if i = n then failwith (Printf.sprintf "late failure at %d" !r)
  done

let () = fail_late 20000
