(* test: stdin=scanf_input.txt *)
(* Reading stdin line by line with input_line until End_of_file, plus input_char. *)
let () =
  let c = input_char stdin in
  Printf.printf "first char: %C\n" c;
  let n = ref 0 and chars = ref 0 in
  (try
     while true do
       let l = input_line stdin in
       incr n;
       chars := !chars + String.length l;
       Printf.printf "%d: [%s] (%d)\n" !n l (String.length l)
     done
   with End_of_file -> ());
  Printf.printf "lines=%d chars=%d\n" !n !chars;
  (try ignore (input_line stdin) with End_of_file -> print_endline "End_of_file again")
