(* Calls to small functions of other modules (Stdlib's abs, fst, succ, invalid_arg, max,
   Fun.id, Option.is_some ...), of the environment and of a recursive definition in
   hot loops: compiled code inlines them behind a test of the closure's code pointer
   (taken from the closure being compiled). Closures of the same code with other
   functions in their environment must take the generic path. Results, exceptions
   raised inside the inlined code and their backtraces (with b) must be those of
   ocamlrun. *)
let hot n f =
  let acc = ref 0 in
  for i = 1 to n do
    acc := (!acc + f i) land 0xFFFFFF
  done;
  !acc

let checked i =
  try if i mod 1000 = 0 then invalid_arg "multiple of 1000" else i
  with Invalid_argument m -> String.length m

(* Same code, different captured functions: whichever closure triggers the compile,
   the other one's calls fail the code test. *)
let make f = fun x -> f x + 1
let with_succ = make succ
let with_neg = make (fun x -> -x)
let with_big = make (fun x -> if x > 1000 then x * 2 else List.length [ x; x ])

(* Siblings of a recursive definition (OFFSETCLOSURE), the callee small and leaf. *)
let rec outer n = if n land 1 = 0 then leaf n else other n
and leaf n = n * 3
and other n = leaf (n + 1) - 1

(* A functor's argument: its functions are fields of a module in the environment
   (ENVACC, GETFIELD); two applications share the code, not the argument. *)
module type ORD = sig val compare : int -> int -> int end
module Count (O : ORD) = struct
  let rec below x = function [] -> 0 | y :: l -> (if O.compare y x < 0 then 1 else 0) + below x l
end
module Up = Count (struct let compare (a : int) b = compare a b end)
module Down = Count (struct let compare a b = if a = 77 then failwith "77" else compare b a end)
let small = [ 1; 5; 9; 77; 3 ]

let () =
  Printf.printf "captured %d\n" (hot 50000 (fun i -> with_succ i + with_neg i + with_big i));
  Printf.printf "captured again %d\n" (hot 50000 (fun i -> with_neg i - with_succ i));
  Printf.printf "siblings %d\n" (hot 50000 outer);
  Printf.printf "functor %d\n" (hot 50000 (fun i -> Up.below (i land 15) small));
  Printf.printf "functor again %d\n"
    (hot 50000 (fun i -> try Down.below (i land 15) small with Failure _ -> 2));
  Printf.printf "abs %d\n" (hot 50000 (fun i -> abs (i - 25000)));
  Printf.printf "pairs %d\n" (hot 50000 (fun i -> fst (i, 1) + snd (2, i)));
  Printf.printf "succ/pred %d\n" (hot 50000 (fun i -> succ i + pred i));
  Printf.printf "max/min %d\n" (hot 50000 (fun i -> max i 20000 - min i 30000));
  Printf.printf "id %d\n" (hot 50000 (fun i -> Fun.id i));
  Printf.printf "not %d\n" (hot 50000 (fun i -> if not (i land 1 = 0) then 1 else 0));
  Printf.printf "option %d\n" (hot 50000 (fun i -> if Option.is_some (Some i) then i else 0));
  Printf.printf "invalid_arg %d\n" (hot 50000 checked);
  Printf.printf "float %d\n" (hot 50000 (fun i -> int_of_float (Float.abs (float_of_int (- i)))));
  (* An exception from inlined code, uncaught by the loop: its backtrace goes through
     the inlined frame. *)
  Printexc.record_backtrace true;
  (try ignore (hot 50000 (fun i -> if i = 40000 then invalid_arg "deep" else abs i))
   with Invalid_argument m ->
     print_endline m;
     print_string (Printexc.get_backtrace ()))
