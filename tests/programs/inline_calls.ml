(* Calls to small functions of other modules (Stdlib's abs, fst, succ, invalid_arg, max,
   Fun.id, Option.is_some ...) in hot loops: compiled code inlines them behind a test
   of the closure's code pointer. Results, exceptions raised inside the inlined code
   and their backtraces (with b) must be those of ocamlrun. *)
let hot n f =
  let acc = ref 0 in
  for i = 1 to n do
    acc := (!acc + f i) land 0xFFFFFF
  done;
  !acc

let checked i =
  try if i mod 1000 = 0 then invalid_arg "multiple of 1000" else i
  with Invalid_argument m -> String.length m

let () =
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
