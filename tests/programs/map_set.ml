(* test: *)
(* Map and Set functors (balanced trees), with string and int keys, iteration in key order. *)
module SM = Map.Make (String)
module IS = Set.Make (Int)
module PS = Set.Make (struct
  type t = int * string
  let compare (a, s) (b, t) = match compare a b with 0 -> compare s t | c -> c
end)

let () =
  let words = [ "pear"; "apple"; "fig"; "banana"; "apple"; "kiwi"; "fig"; "apple" ] in
  let m = List.fold_left (fun m w -> SM.update w (function None -> Some 1 | Some n -> Some (n + 1)) m)
      SM.empty words in
  SM.iter (fun k v -> Printf.printf "%s=%d " k v) m;
  print_newline ();
  Printf.printf "cardinal=%d find fig=%d mem=%b min=%s max=%s\n" (SM.cardinal m) (SM.find "fig" m)
    (SM.mem "grape" m) (fst (SM.min_binding m)) (fst (SM.max_binding m));
  (try ignore (SM.find "grape" m) with Not_found -> print_endline "find grape: Not_found");
  let m2 = SM.filter (fun _ v -> v > 1) m |> SM.map (fun v -> v * 100) in
  Printf.printf "filtered: %s\n" (String.concat "," (List.map (fun (k, v) -> k ^ ":" ^ string_of_int v) (SM.bindings m2)));
  let s = List.fold_left (fun s x -> IS.add x s) IS.empty [ 5; 3; 9; 1; 3; 7; 5 ] in
  let s2 = IS.of_list (List.init 10 (fun i -> i * 2)) in
  let pr name s = Printf.printf "%s={%s} " name (String.concat "," (List.map string_of_int (IS.elements s))) in
  pr "s" s; pr "s2" s2; pr "union" (IS.union s s2); pr "inter" (IS.inter s s2); pr "diff" (IS.diff s s2);
  print_newline ();
  let big = IS.of_list (List.init 10000 (fun i -> (i * 7919) mod 10007)) in
  Printf.printf "big: card=%d min=%d max=%d mem 5000=%b\n" (IS.cardinal big) (IS.min_elt big)
    (IS.max_elt big) (IS.mem 5000 big);
  let lo, present, hi = IS.split 5000 big in
  Printf.printf "split: %d %b %d\n" (IS.cardinal lo) present (IS.cardinal hi);
  let ps = PS.of_list [ (2, "b"); (1, "z"); (2, "a"); (1, "z") ] in
  PS.iter (fun (i, s) -> Printf.printf "(%d,%s)" i s) ps;
  print_newline ();
  let m3 = SM.union (fun _ a b -> Some (a + b)) m (SM.singleton "apple" 1000) in
  Printf.printf "union apple=%d equal=%b compare=%d\n" (SM.find "apple" m3) (SM.equal ( = ) m m3)
    (SM.compare compare m m3)
