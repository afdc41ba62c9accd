(* test: env=CAMLLVM_TEST_VAR=hello CAMLLVM_EMPTY= "CAMLLVM_SPACES=a b  c" *)
(* Environment variables set by the test, an empty one, a missing one (Not_found). *)
let () =
  Printf.printf "CAMLLVM_TEST_VAR=[%s]\n" (Sys.getenv "CAMLLVM_TEST_VAR");
  Printf.printf "CAMLLVM_EMPTY=[%s]\n" (Sys.getenv "CAMLLVM_EMPTY");
  Printf.printf "CAMLLVM_SPACES=[%s]\n" (Sys.getenv "CAMLLVM_SPACES");
  (try print_endline (Sys.getenv "CAMLLVM_SURELY_UNSET_VARIABLE") with Not_found -> print_endline "unset: Not_found");
  Printf.printf "getenv_opt: %s\n" (match Sys.getenv_opt "CAMLLVM_SURELY_UNSET_VARIABLE" with None -> "None" | Some s -> s);
  Printf.printf "OCAMLRUNPARAM visible: %b\n" (Sys.getenv_opt "OCAMLRUNPARAM" <> None)
