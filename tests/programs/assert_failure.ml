(* test: *)
(* assert false and failing assertions raise Assert_failure with the source location;
   an incomplete match raises Match_failure with its location. *)
let check x = assert (x > 0); x * 2

let partial = function 0 -> "zero" | 1 -> "one" [@@ocaml.warning "-8"]

let () =
  Printf.printf "check 5 = %d\n" (check 5);
  (try ignore (check (-1)) with Assert_failure (file, line, col) -> Printf.printf "Assert_failure %s:%d:%d\n" file line col);
  (try assert false with Assert_failure (file, line, col) -> Printf.printf "assert false at %s:%d:%d\n" file line col);
  (try ignore (partial 2) with Match_failure (file, line, col) -> Printf.printf "Match_failure %s:%d:%d\n" file line col);
  let e = try assert (1 = Sys.opaque_identity 2); Not_found with e -> e in
  print_endline (Printexc.to_string e);
  let f = fun (Some x) -> x [@@ocaml.warning "-8"] in
  (try ignore (f None) with e -> print_endline (Printexc.to_string e))
