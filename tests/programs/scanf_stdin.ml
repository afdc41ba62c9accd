(* test: stdin=scanf_input.txt *)
(* Scanf reading from stdin (fed by the test), input_line on stdin, sscanf and bscanf. *)
let () =
  let n, w, f = Scanf.scanf " %d %s %f" (fun a b c -> (a, b, c)) in
  Printf.printf "n=%d w=%s f=%g\n" n w f;
  let a, b = Scanf.scanf " %d,%d" (fun a b -> (a, b)) in
  Printf.printf "a+b=%d\n" (a + b);
  let name = Scanf.scanf " name: %[^\n]" (fun s -> s) in
  Printf.printf "name=[%s]\n" name;
  let xs = Scanf.scanf " %d %d %d" (fun x y z -> [ x; y; z ]) in
  Printf.printf "sum=%d\n" (List.fold_left ( + ) 0 xs);
  let h, neg, bo = Scanf.scanf " %i %d %B" (fun h n b -> (h, n, b)) in
  Printf.printf "hex=%d neg=%d bool=%b\n" h neg bo;
  let rest = Scanf.scanf "\n%[^\n]" (fun s -> s) in
  Printf.printf "rest=[%s]\n" rest;
  let last = Scanf.scanf " %s" (fun s -> s) in
  Printf.printf "last=[%s]\n" last;
  (try Scanf.scanf " %d" (fun d -> Printf.printf "unexpected %d\n" d)
   with End_of_file -> print_endline "End_of_file" | Scanf.Scan_failure m -> print_endline ("Scan_failure " ^ m));
  let x, y = Scanf.sscanf "12:34" "%d:%d" (fun x y -> (x, y)) in
  Printf.printf "sscanf %d %d\n" x y;
  (try ignore (Scanf.sscanf "abc" "%d" (fun d -> d))
   with Scanf.Scan_failure m -> Printf.printf "Scan_failure: %s\n" m);
  let ib = Scanf.Scanning.from_string "1 2 3 4 5" in
  let total = ref 0 in
  (try while true do Scanf.bscanf ib " %d" (fun d -> total := !total + d) done with End_of_file -> ());
  Printf.printf "bscanf total=%d\n" !total;
  Printf.printf "%S\n" (Scanf.sscanf "\"quoted\\tstring\"" "%S" (fun s -> s))
