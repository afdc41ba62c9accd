(* test: flags=-g; env=OCAMLRUNPARAM=b; exit=2 *)
(* Uncaught exception with a backtrace (OCAMLRUNPARAM=b, compiled with -g): the backtrace
   names the raise and every frame (inlined-free bytecode), including re-raise points. *)
exception Deep of string

let rec descend n = if n = 0 then raise (Deep "bottom") else 1 + descend (n - 1)
let middle () = try descend 5 with Not_found -> 0
let wrapper () = try middle () with Deep s as e -> print_endline ("seen " ^ s); raise e

let () =
  print_endline "start";
  ignore (wrapper ())
