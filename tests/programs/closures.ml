(* test: *)
(* Closures: environments of various sizes (ENVACC1..4 / ENVACC n), counters with shared
   mutable state, closures stored in data structures, nested closures, compose. *)
let make_counter () =
  let n = ref 0 in
  (fun () -> incr n; !n), (fun () -> n := 0)

let adder a = fun x -> x + a
let three a b c = fun x -> (a * x * x) + (b * x) + c
let many a b c d e f g h = fun x -> a + b * x + c * x * x + d - e + f * g - h + x

let rec compose = function [] -> (fun x -> x) | f :: fs -> fun x -> f (compose fs x)

let () =
  let next, reset = make_counter () in
  let a = next () in
  let b = next () in
  reset ();
  let c = next () in
  Printf.printf "counter: %d %d %d\n" a b c;
  let adders = List.init 5 (fun i -> adder (i * 10)) in
  Printf.printf "adders: %s\n" (String.concat " " (List.map (fun f -> string_of_int (f 1)) adders));
  let p = three 2 3 4 in
  Printf.printf "poly: %d %d\n" (p 0) (p 5);
  let m = many 1 2 3 4 5 6 7 8 in
  Printf.printf "many: %d %d\n" (m 0) (m 3);
  let f = compose [ (fun x -> x * 2); (fun x -> x + 3); adder 100 ] in
  Printf.printf "compose: %d\n" (f 1);
  let fs = Array.init 10 (fun i -> let sq = i * i in fun () -> sq + i) in
  Printf.printf "array of closures: %d\n" (Array.fold_left (fun acc g -> acc + g ()) 0 fs);
  let acc = ref [] in
  for i = 1 to 3 do
    for j = 1 to 2 do acc := (fun () -> (i * 10) + j) :: !acc done
  done;
  Printf.printf "loop captures: %s\n" (String.concat "," (List.rev_map (fun g -> string_of_int (g ())) !acc));
  let x1 = Sys.opaque_identity 1 and x2 = Sys.opaque_identity 2 and x3 = Sys.opaque_identity 3
  and x4 = Sys.opaque_identity 4 and x5 = Sys.opaque_identity 5 and x6 = Sys.opaque_identity 6 in
  let deep () =
    let l1 () = let l2 () = let l3 () = x1 + x2 + x3 + x4 + x5 + x6 in l3 () * x1 in l2 () + x2 in
    l1 ()
  in
  Printf.printf "nested env: %d\n" (deep ());
  let s = "captured string" and fl = 2.5 in
  let g n = Printf.sprintf "%s/%g/%d" s (fl *. float_of_int n) n in
  print_endline (g 4);
  let memo = Hashtbl.create 16 in
  let rec fib n =
    match Hashtbl.find_opt memo n with
    | Some v -> v
    | None -> let v = if n < 2 then n else fib (n - 1) + fib (n - 2) in Hashtbl.add memo n v; v
  in
  Printf.printf "fib 80 = %d\n" (fib 80)
