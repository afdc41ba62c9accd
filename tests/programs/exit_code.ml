(* test: exit=3 *)
(* exit with a non-zero code: at_exit handlers run in reverse order of registration,
   buffered output (without newline) is flushed, stderr and stdout both written. *)
let () =
  at_exit (fun () -> print_endline "at_exit 1 (registered first, runs last)");
  at_exit (fun () -> print_string "at_exit 2 "; prerr_endline "stderr from at_exit 2");
  print_string "buffered without newline; ";
  prerr_string "stderr before exit; ";
  Format.printf "format buffer pending";
  if Array.length Sys.argv > 0 then exit 3;
  print_endline "not reached"
