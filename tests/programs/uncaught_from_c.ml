(* test: flags=-g; env=OCAMLRUNPARAM=b; exit=2 *)
(* Uncaught exception raised by a C primitive (an array bound check and then caml_sys_open),
   backtrace "Raised by primitive operation"; stdout without a trailing newline is flushed. *)
let read_all name = let ic = open_in name in let s = really_input_string ic (in_channel_length ic) in close_in ic; s
let get a i = a.(i)

let () =
  print_string "partial line";
  (try ignore (get [| 1; 2 |] 5) with Invalid_argument _ -> print_string " [bound caught]");
  print_string (read_all "/nonexistent/file")
