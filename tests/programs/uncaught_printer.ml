(* test: flags=-g; env=OCAMLRUNPARAM=b; exit=2 *)
(* An uncaught exception printed through a registered printer, raised from a C primitive
   (int_of_string) deep in a call chain, with a backtrace; at_exit output comes first. *)
exception Parse_error of string * int

let () =
  Printexc.register_printer (function Parse_error (s, n) -> Some (Printf.sprintf "Parse_error at %d in %S" n s) | _ -> None);
  at_exit (fun () -> print_endline "at_exit before the fatal error message")

let parse s = try int_of_string s with Failure _ -> raise (Parse_error (s, String.length s))
let rec sum = function [] -> 0 | s :: r -> parse s + sum r
let () = Printf.printf "sum=%d\n" (sum [ "1"; "2"; "3" ]); Printf.printf "sum=%d\n" (sum [ "4"; "x5"; "6" ])
