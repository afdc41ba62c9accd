(* test: env=OCAMLRUNPARAM=b; exit=2 *)
(* OCAMLRUNPARAM=b but the program has no debug info: every backtrace slot is an
   "unknown location". The exception comes from a C primitive five calls deep. *)
let rec f n = if n = 0 then int_of_string "nope" else 1 + f (n - 1)
let () = print_endline "going down"; print_int (f 5)
