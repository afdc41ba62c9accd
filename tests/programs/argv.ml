(* test: args=foo "bar baz" -x 42 "" ünïcödé *)
(* Sys.argv as given on the command line (argv.(0) is the bytecode file; only its basename
   is printed), Arg parsing of the same arguments. *)
let () =
  Printf.printf "argc=%d argv0=%s\n" (Array.length Sys.argv) (Filename.basename Sys.argv.(0));
  Array.iteri (fun i a -> if i > 0 then Printf.printf "argv.(%d)=[%s] len=%d\n" i a (String.length a)) Sys.argv;
  let x = ref 0 and anon = ref [] in
  let specs = [ ("-x", Arg.Set_int x, "an int") ] in
  Arg.parse_argv Sys.argv specs (fun s -> anon := s :: !anon) "usage";
  Printf.printf "Arg: x=%d anon=%s\n" !x (String.concat "|" (List.rev !anon));
  Printf.printf "executable_name: %s\n" (Filename.basename Sys.executable_name);
  Printf.printf "interactive=%b word_size=%d int_size=%d big_endian=%b backend=%s os=%s\n" !Sys.interactive Sys.word_size
    Sys.int_size Sys.big_endian (match Sys.backend_type with Sys.Bytecode -> "bytecode" | Sys.Native -> "native" | Sys.Other s -> s)
    Sys.os_type;
  Printf.printf "max_array_length=%d max_string_length=%d ocaml_version=%s\n" Sys.max_array_length Sys.max_string_length Sys.ocaml_version
