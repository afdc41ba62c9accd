(* test: *)
(* Lists: the List library, association lists, Not_found, Invalid_argument from combine. *)
let pl l = "[" ^ String.concat ";" (List.map string_of_int l) ^ "]"

let () =
  let l = List.init 15 (fun i -> (i * 37) mod 11) in
  Printf.printf "%s rev=%s\n" (pl l) (pl (List.rev l));
  Printf.printf "sort=%s uniq=%s\n" (pl (List.sort compare l)) (pl (List.sort_uniq compare l));
  Printf.printf "map=%s filter=%s\n" (pl (List.map (fun x -> x * x) l))
    (pl (List.filter (fun x -> x mod 2 = 0) l));
  Printf.printf "fold_left=%d fold_right=%s\n" (List.fold_left ( - ) 0 l)
    (List.fold_right (fun x acc -> string_of_int x ^ acc) l "");
  let p, q = List.partition (fun x -> x > 5) l in
  Printf.printf "partition=%s %s\n" (pl p) (pl q);
  let assoc = List.combine [ "one"; "two"; "three" ] [ 1; 2; 3 ] in
  Printf.printf "assoc two=%d mem=%b\n" (List.assoc "two" assoc) (List.mem_assoc "four" assoc);
  (try ignore (List.assoc "four" assoc) with Not_found -> print_endline "assoc: Not_found");
  (try ignore (List.combine [ 1 ] []) with Invalid_argument m -> Printf.printf "combine: %s\n" m);
  (try ignore (List.nth l 100) with Failure m -> Printf.printf "nth: Failure %s\n" m);
  (try ignore (List.nth l (-1)) with Invalid_argument m -> Printf.printf "nth: Invalid_argument %s\n" m);
  (try ignore (List.hd []) with Failure m -> Printf.printf "hd: %s\n" m);
  Printf.printf "find=%d find_opt=%s exists=%b\n" (List.find (fun x -> x > 8) l)
    (match List.find_opt (fun x -> x > 100) l with None -> "None" | Some x -> string_of_int x)
    (List.exists (fun x -> x = 0) l);
  let long = List.init 100000 (fun i -> i) in
  Printf.printf "long: len=%d sum=%d last=%d\n" (List.length long) (List.fold_left ( + ) 0 long)
    (List.nth long 99999);
  let m = List.map (fun x -> x + 1) long in
  Printf.printf "mapped long: %d\n" (List.nth m 50000);
  Printf.printf "concat=%s flatten=%s\n" (pl (List.concat [ [ 1 ]; []; [ 2; 3 ] ]))
    (pl (List.flatten [ [ 4; 5 ]; [ 6 ] ]));
  Printf.printf "merge=%s\n" (pl (List.merge compare [ 1; 4; 9 ] [ 2; 3; 10 ]));
  Printf.printf "split=%s\n" (let a, b = List.split [ (1, 2); (3, 4) ] in pl a ^ pl b);
  Printf.printf "iteri:";
  List.iteri (fun i x -> if i < 4 then Printf.printf " %d:%d" i x) l;
  print_newline ();
  Printf.printf "filter_map=%s concat_map=%s\n"
    (pl (List.filter_map (fun x -> if x > 5 then Some (x * 10) else None) l))
    (pl (List.concat_map (fun x -> [ x; -x ]) [ 1; 2 ]));
  Printf.printf "compare lists: %d %d %b\n" (compare [ 1; 2 ] [ 1; 3 ]) (compare [ 1 ] [])
    ([ [ 1 ]; [] ] = [ [ 1 ]; [] ])
