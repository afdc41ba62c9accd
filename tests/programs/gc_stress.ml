(* test: *)
(* GC stress: lots of short- and long-lived allocation, explicit major/compact collections,
   weak arrays and ephemerons (only deterministic facts are printed), Gc parameters. *)
type tree = Leaf | Node of tree * int * tree

let rec make d = if d = 0 then Leaf else Node (make (d - 1), d, make (d - 1))
let rec check = function Leaf -> 0 | Node (l, v, r) -> check l + v + check r

(* Fill the weak array from a separate function so no dead reference survives on the stack. *)
let fill_weak w keep =
  for i = 0 to Weak.length w - 1 do
    let v = Bytes.make 16 (Char.chr (65 + (i mod 26))) in
    Weak.set w i (Some v);
    if i mod 2 = 0 then keep := v :: !keep
  done

let () =
  let long_lived = make 14 in
  let total = ref 0 in
  for i = 1 to 40 do
    let t = make 10 in
    total := !total + check t + i
  done;
  Printf.printf "trees: %d %d\n" (check long_lived) !total;
  let l = ref [] in
  for i = 1 to 200000 do l := (i, string_of_int i) :: !l; if i mod 50000 = 0 then l := [] done;
  Gc.full_major ();
  Gc.compact ();
  Printf.printf "after compaction: %d %d\n" (check long_lived) (List.length !l);
  let keep = ref [] in
  let w = Weak.create 20 in
  fill_weak w keep;
  Gc.full_major ();
  let alive = ref 0 in
  for i = 0 to 19 do if Weak.check w i then incr alive done;
  Printf.printf "weak: kept %d, at least those alive: %b, kept ones intact: %b\n" (List.length !keep)
    (!alive >= 10)
    (List.for_all (fun i -> match Weak.get w i with Some b -> Bytes.get b 0 = Char.chr (65 + (i mod 26)) | None -> false)
       [ 0; 2; 4; 18 ]);
  let e = Ephemeron.K1.create () in
  let key = ref (Some (Bytes.of_string "key")) in
  (match !key with Some k -> Ephemeron.K1.set_key e k; Ephemeron.K1.set_data e "data" | None -> ());
  Gc.full_major ();
  Printf.printf "ephemeron with live key: %s\n" (match Ephemeron.K1.get_data e with Some d -> d | None -> "none");
  let arrs = Array.init 100 (fun i -> Array.make (i * 50) i) in
  Gc.major_slice 0 |> ignore;
  Gc.minor ();
  Printf.printf "arrays: %d\n" (Array.fold_left (fun a x -> a + Array.length x) 0 arrs);
  let g = Gc.get () in
  Printf.printf "params: minor_heap_size=%d space_overhead=%d stack_limit=%d policy=%d\n" g.Gc.minor_heap_size
    g.Gc.space_overhead g.Gc.stack_limit g.Gc.allocation_policy;
  Gc.set { g with Gc.space_overhead = 200 };
  Printf.printf "set: space_overhead=%d\n" (Gc.get ()).Gc.space_overhead;
  let s = Gc.quick_stat () in
  Printf.printf "stat sanity: %b %b\n" (s.Gc.minor_collections >= 0) (s.Gc.heap_words > 0);
  let strs = Array.init 50000 (fun i -> String.make (i mod 10) 'z') in
  Gc.full_major ();
  Printf.printf "strings: %d\n" (Array.fold_left (fun a s -> a + String.length s) 0 strs);
  ignore (Sys.opaque_identity long_lived)
