(* test: *)
(* Printexc.register_printer, to_string on builtin and user exceptions, exn_slot_id/name,
   and exceptions escaping from functions called by library code (comparators, iterators). *)
exception Custom of int
exception Unprinted of string * int list

let () =
  Printexc.register_printer (function Custom n -> Some (Printf.sprintf "Custom<%d>" n) | _ -> None);
  Printexc.register_printer (function Failure s when String.length s > 10 -> Some "long failure" | _ -> None);
  List.iter (fun e -> print_endline (Printexc.to_string e))
    [ Custom 3; Unprinted ("x", [ 1; 2 ]); Failure "short"; Failure "a very long failure"; Not_found; Exit;
      Invalid_argument "i"; Sys_error "s"; End_of_file; Division_by_zero; Stack_overflow; Out_of_memory;
      Match_failure ("f", 1, 2); Assert_failure ("g", 3, 4); Undefined_recursive_module ("h", 5, 6) ];
  Printf.printf "slot names: %s %s\n" (Printexc.exn_slot_name (Custom 1)) (Printexc.exn_slot_name Not_found);
  Printf.printf "same slot: %b\n" (Printexc.exn_slot_id (Custom 1) = Printexc.exn_slot_id (Custom 2))

exception Stop_sort of int

let () =
  let a = Array.init 100 (fun i -> (i * 37) mod 100) in
  let comparisons = ref 0 in
  (try Array.sort (fun x y -> incr comparisons; if x = 50 || y = 50 then raise (Stop_sort !comparisons) else compare x y) a
   with Stop_sort n -> Printf.printf "Array.sort comparator raised after %d comparisons\n" n);
  (try List.iter (fun x -> if x > 3 then raise (Custom x)) [ 1; 2; 3; 4; 5 ] with Custom n -> Printf.printf "List.iter stopped at %d\n" n);
  let h = Hashtbl.create 16 in
  for i = 0 to 20 do Hashtbl.replace h i (i * i) done;
  (try Hashtbl.iter (fun k _ -> if k = 13 then raise (Custom k)) h with Custom k -> Printf.printf "Hashtbl.iter stopped at %d\n" k);
  let module H = Hashtbl.Make (struct
      type t = int
      let equal = ( = )
      let hash x = if x = 99 then raise (Custom 99) else x
    end) in
  let t = H.create 8 in
  H.replace t 1 "one";
  (try H.replace t 99 "bad" with Custom n -> Printf.printf "custom hash raised %d, table size %d\n" n (H.length t));
  (try ignore (List.sort (fun _ _ -> failwith "cmp") [ 3; 1; 2 ]) with Failure m -> Printf.printf "List.sort: %s\n" m);
  (try String.iter (fun c -> if c = 'x' then raise Exit) "abcxdef" with Exit -> print_endline "String.iter Exit");
  let s = Seq.map (fun x -> if x = 3 then raise (Custom 33) else x) (List.to_seq [ 1; 2; 3; 4 ]) in
  (try Seq.iter (fun x -> Printf.printf "seq %d\n" x) s with Custom n -> Printf.printf "Seq raised %d\n" n)
