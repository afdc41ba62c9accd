(* test: env=CAMLLVM_C_STACK=3M; exit=2; heaps=default s4k *)
(* An uncaught Stack_overflow from the C stack's guard zone ends the program as an
   uncaught one from ocamlrun's VM stack limit does (with b, the backtraces differ:
   not compared). *)
let rec forever n = 1 + forever (n + 1)

let () =
  print_endline "start";
  ignore (forever 0);
  print_endline "unreachable"
