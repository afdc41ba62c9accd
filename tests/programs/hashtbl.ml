(* test: *)
(* Hashtbl: generic and functorial tables, resizing, iteration order, find errors, custom hash. *)
module SH = Hashtbl.Make (struct
  type t = string
  let equal = String.equal
  let hash s = String.length s (* deliberately poor: many collisions *)
end)

let () =
  let h = Hashtbl.create 4 in
  for i = 0 to 999 do Hashtbl.add h (string_of_int i) (i * i) done;
  Printf.printf "length=%d find 500=%d\n" (Hashtbl.length h) (Hashtbl.find h "500");
  Hashtbl.add h "500" (-1);
  Printf.printf "shadow=%d all=%s\n" (Hashtbl.find h "500")
    (String.concat "," (List.map string_of_int (Hashtbl.find_all h "500")));
  Hashtbl.remove h "500";
  Printf.printf "after remove=%d\n" (Hashtbl.find h "500");
  Hashtbl.replace h "7" 7;
  (try ignore (Hashtbl.find h "nope") with Not_found -> print_endline "find: Not_found");
  Printf.printf "find_opt=%s mem=%b\n"
    (match Hashtbl.find_opt h "7" with Some v -> string_of_int v | None -> "None")
    (Hashtbl.mem h "1000");
  let keys = ref [] in
  Hashtbl.iter (fun k _ -> if String.length k = 1 then keys := k :: !keys) h;
  Printf.printf "iteration order (1-char keys): %s\n" (String.concat " " (List.rev !keys));
  let sum = Hashtbl.fold (fun _ v acc -> acc + v) h 0 in
  Printf.printf "fold sum=%d\n" sum;
  let st = Hashtbl.stats h in
  Printf.printf "stats: bindings=%d buckets=%d max_bucket=%d\n" st.Hashtbl.num_bindings
    st.Hashtbl.num_buckets st.Hashtbl.max_bucket_length;
  Hashtbl.filter_map_inplace (fun k v -> if int_of_string k mod 100 = 0 then Some (-v) else None) h;
  let l = List.sort compare (Hashtbl.fold (fun k v acc -> (k, v) :: acc) h []) in
  List.iter (fun (k, v) -> Printf.printf "%s=%d " k v) l;
  print_newline ();
  let t = SH.create 8 in
  List.iter (fun w -> SH.replace t w (String.length w + (try SH.find t w with Not_found -> 0)))
    [ "a"; "bb"; "cc"; "dd"; "a"; "eee"; "bb"; "fff"; "a" ];
  let items = List.sort compare (SH.fold (fun k v acc -> (k, v) :: acc) t []) in
  List.iter (fun (k, v) -> Printf.printf "%s:%d " k v) items;
  print_newline ();
  let ht = Hashtbl.create 16 in
  List.iter (fun k -> Hashtbl.replace ht k (Hashtbl.hash k))
    [ `A; `B 1; `C ("x", 2.5) ];
  Hashtbl.iter (fun _ v -> Printf.printf "%d " v) ht;
  print_newline ();
  let copy = Hashtbl.copy h in
  Hashtbl.reset h;
  Printf.printf "reset=%d copy=%d\n" (Hashtbl.length h) (Hashtbl.length copy);
  let s = Hashtbl.to_seq_keys copy |> List.of_seq |> List.sort compare in
  Printf.printf "seq keys=%s\n" (String.concat "," s)
