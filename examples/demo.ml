(* A small program for `make demo`: recursion, closures, exceptions, output. *)
let rec fib n = if n < 2 then n else fib (n - 1) + fib (n - 2)

let () =
  let n = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 20 in
  let squares = List.init 5 (fun i -> i * i) in
  Printf.printf "fib %d = %d\n" n (fib n);
  Printf.printf "squares: %s\n" (String.concat " " (List.map string_of_int squares));
  match List.assoc 42 [ (1, "one") ] with
  | _ -> ()
  | exception Not_found -> print_endline "42 is not in the list"
