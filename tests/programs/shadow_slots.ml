(* test: libs=unix *)
(* Stack words kept in registers by compiled code (irgen's shadow slots) must always
   equal the VM stack: loop variables across polls whose signal handler grows the
   stack (so it moves) and allocates (so the GC moves what the frame points to),
   self tail calls with 1 to 6 arguments, bounds-checked accesses, caml_modify,
   assignments on one branch of an if, and exceptions inside loops. *)

let rec deep n = if n = 0 then [] else n :: deep (n - 1)

let handled = ref 0

let handler _ =
  (* deep enough to reallocate the VM stack under the interrupted loop *)
  incr handled;
  let l = deep (50_000 + 10_000 * !handled) in
  ignore (Sys.opaque_identity (List.length l))

let loop_with_signals () =
  let me = Unix.getpid () in
  Sys.set_signal Sys.sigusr1 (Sys.Signal_handle handler);
  let acc = ref [] and sum = ref 0 and text = ref "" in
  for i = 1 to 200_000 do
    if i mod 40_000 = 0 then Unix.kill me Sys.sigusr1;
    sum := !sum + i * 3;
    if i mod 1000 = 0 then begin
      acc := (i, string_of_int i) :: !acc;
      text := snd (List.hd !acc)
    end
  done;
  Printf.printf "signals: handled %d, sum %d, %d pairs, last %s, head %d\n"
    !handled !sum (List.length !acc) !text (fst (List.hd !acc))

let rec f1 n = if n = 0 then 0 else f1 (n - 1)
let rec f2 n acc = if n = 0 then acc else f2 (n - 1) ((n, acc) :: [] |> List.length |> ( + ) acc)
let rec f4 n a b c = if n = 0 then a + b + c else f4 (n - 1) (a + 1) (b * 3 land 0xffff) (c lxor n)
let rec f5 n a b c l = if n = 0 then (a, b, c, List.length l)
  else f5 (n - 1) (b + 1) (a + 2) (c ^ "") (if n mod 7 = 0 then n :: l else l)
let rec f6 n a b c d e =
  if n = 0 then a + b + c + d + e
  else if n mod 3 = 0 then f6 (n - 1) b c d e a
  else f6 (n - 1) (a + n) b (c + 1) (d lxor a) (e + List.length [a; b])

let tail_calls () =
  Printf.printf "tails: %d %d %d %s %d\n" (f1 1_000_000) (f2 300_000 0) (f4 500_000 1 2 3)
    (let a, b, c, l = f5 300_000 0 1 "x" [] in Printf.sprintf "%d,%d,%s,%d" a b c l)
    (f6 400_000 1 2 3 4 5)

let arrays () =
  let a = Array.make 1000 0 and boxes = Array.make 100 (ref 0) in
  let total = ref 0 in
  for round = 1 to 300 do
    for i = 0 to Array.length a - 1 do
      a.(i) <- a.(i) + i * round;
      if i mod 10 = 0 then boxes.(i / 10) <- ref (a.(i) + round)
    done;
    total := !total + a.(round) + !(boxes.(round mod 100))
  done;
  (try a.(1000) <- 1 with Invalid_argument m -> Printf.printf "arrays: %s\n" m);
  Printf.printf "arrays: %d %d\n" !total a.(999)

let branches () =
  let x = ref 0 and y = ref 1 and z = ref [] in
  for i = 1 to 100_000 do
    if i land 1 = 0 then x := !x + i else y := !y * 3 land 0xfffff;
    if i mod 5000 = 0 then z := (!x, !y) :: !z
  done;
  Printf.printf "branches: %d %d %d\n" !x !y (List.length !z)

exception Skip of int

let exceptions () =
  let found = ref 0 and skipped = ref 0 in
  for i = 1 to 100_000 do
    try
      if i mod 7 = 0 then raise (Skip i);
      found := !found + i
    with Skip j -> skipped := !skipped + j
  done;
  Printf.printf "exceptions: %d %d\n" !found !skipped

let floats () =
  let s = ref 0.0 and p = ref 1.0 in
  for i = 1 to 200_000 do
    s := !s +. float i *. 0.5;
    if i mod 1000 = 0 then p := !p *. 1.0001
  done;
  Printf.printf "floats: %.3f %.6f\n" !s !p

let () =
  loop_with_signals ();
  tail_calls ();
  arrays ();
  branches ();
  exceptions ();
  floats ()
