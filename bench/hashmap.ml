(* Hashtbl and Map: insertions, lookups, removals and folds with int and string keys.
   argv.(1) = number of rounds (default 25).  quick-size: 1 *)

module IntMap = Map.Make (Int)
module StrMap = Map.Make (String)

let next s = (s * 1103515245 + 12345) land 0x3FFFFFFF

let hashtbl_round seed =
  let h = Hashtbl.create 16 in
  let s = ref seed in
  for i = 1 to 50000 do
    s := next !s;
    Hashtbl.replace h (!s land 0xFFFF) i
  done;
  let hits = ref 0 in
  for k = 0 to 0xFFFF do
    match Hashtbl.find_opt h k with Some v -> hits := !hits + (v land 0xFF) | None -> ()
  done;
  for k = 0 to 0x7FFF do Hashtbl.remove h (k * 2) done;
  let hs = Hashtbl.create 16 in
  for i = 1 to 10000 do
    Hashtbl.add hs ("key" ^ string_of_int (i mod 3000)) i
  done;
  let found = ref 0 in
  for i = 0 to 2999 do
    found := !found + List.length (Hashtbl.find_all hs ("key" ^ string_of_int i))
  done;
  !hits + Hashtbl.length h + !found

let map_round seed =
  let s = ref seed in
  let m = ref IntMap.empty in
  for i = 1 to 30000 do
    s := next !s;
    m := IntMap.add (!s land 0xFFFF) i !m
  done;
  let hits = ref 0 in
  for k = 0 to 0xFFFF do
    if IntMap.mem k !m then incr hits
  done;
  let m2 = IntMap.filter (fun k _ -> k land 3 = 0) !m in
  let sm =
    IntMap.fold (fun k v acc -> StrMap.add (string_of_int k) v acc) m2 StrMap.empty
  in
  let total = StrMap.fold (fun k v acc -> (acc + String.length k + v) land 0xFFFFFF) sm 0 in
  !hits + IntMap.cardinal m2 + total

let () =
  let rounds = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 25 in
  let sum = ref 0 in
  for r = 1 to rounds do
    sum := (!sum + hashtbl_round r + map_round (r * 7)) land 0x3FFFFFFF
  done;
  Printf.printf "hashmap checksum %d\n" !sum
