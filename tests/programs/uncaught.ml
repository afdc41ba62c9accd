(* test: exit=2 *)
(* An uncaught exception with arguments: ocamlrun prints "Fatal error: exception ..." on
   stderr and exits with code 2, after flushing stdout (at_exit). *)
exception Boom of int * string * float

let () =
  print_string "about to fail (no newline)";
  at_exit (fun () -> prerr_endline "at_exit ran");
  let f x = if x > 2 then raise (Boom (x, "bad \"value\"", 1.5)) else x in
  ignore (List.map f [ 1; 2; 3 ])
