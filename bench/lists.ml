(* Lists and GC-heavy allocation: build, map, filter, sort, merge, reverse.
   argv.(1) = number of rounds (default 120).  quick-size: 2 *)

let next_rand s = (s * 1103515245 + 12345) land 0x3FFFFFFF

let random_list n seed =
  let rec go n s acc = if n = 0 then (acc, s) else go (n - 1) (next_rand s) ((s lsr 7) :: acc) in
  go n seed []

let rec insert x = function
  | [] -> [ x ]
  | y :: ys as l -> if x <= y then x :: l else y :: insert x ys

let insertion_sort l = List.fold_left (fun acc x -> insert x acc) [] l

let rec my_merge a b =
  match (a, b) with
  | [], l | l, [] -> l
  | x :: xs, y :: ys -> if x <= y then x :: my_merge xs b else y :: my_merge a ys

let rec checksum acc = function [] -> acc | x :: xs -> checksum ((acc * 31 + x) land 0x3FFFFFFF) xs

let round seed =
  let l, s = random_list 20000 seed in
  let sorted = List.sort compare l in
  let mapped = List.map (fun x -> x mod 1000) sorted in
  let evens = List.filter (fun x -> x land 1 = 0) mapped in
  let small, _ = random_list 600 s in
  let isorted = insertion_sort small in
  let merged = my_merge (List.sort compare evens) isorted in
  let pairs = List.combine (List.rev merged) merged in
  let sums = List.rev_map (fun (a, b) -> a + b) pairs in
  let lens = List.length (List.concat [ l; sorted; evens ]) in
  checksum lens sums

let () =
  let rounds = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 120 in
  let sum = ref 0 in
  for r = 1 to rounds do
    sum := (!sum + round r) land 0x3FFFFFFF
  done;
  Printf.printf "lists checksum %d\n" !sum
