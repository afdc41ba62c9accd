(* test: libs=unix; flags=-g; env=OCAMLRUNPARAM=b; exit=2 *)
(* A handler for a signal the program sends itself runs before Unix.kill
   returns; its uncaught exception's backtrace shows where. Regression: under
   the JIT the signal went to camllvm's idle main thread and ran at exit. *)
let () =
  Sys.set_signal Sys.sigusr1 (Sys.Signal_handle (fun _ -> failwith "from handler"));
  print_endline "sending";
  Unix.kill (Unix.getpid ()) Sys.sigusr1;
  for i = 1 to 1000 do ignore (Sys.opaque_identity (ref i)) done;
  print_endline "not reached"
