(* test: *)
(* Arrays: creation, bounds errors, blit/sub/append/concat, sorting, matrices, big arrays. *)
let show a = String.concat " " (Array.to_list (Array.map string_of_int a))

let () =
  let a = Array.init 20 (fun i -> (i * 7919) mod 31) in
  Printf.printf "a: %s\n" (show a);
  let b = Array.copy a in
  Array.sort compare b;
  Printf.printf "sorted: %s\n" (show b);
  let c = Array.copy a in
  Array.stable_sort (fun x y -> compare (x mod 5) (y mod 5)) c;
  Printf.printf "stable mod 5: %s\n" (show c);
  Printf.printf "sub: %s | append len %d | concat: %s\n" (show (Array.sub a 3 4))
    (Array.length (Array.append a b)) (show (Array.concat [ [| 1 |]; [||]; [| 2; 3 |] ]));
  let total = ref 0 in
  Array.iteri (fun i x -> total := !total + (i * x)) a;
  Printf.printf "weighted=%d fold=%d exists=%b for_all=%b mem=%b\n" !total
    (Array.fold_left ( + ) 0 a) (Array.exists (fun x -> x > 29) a)
    (Array.for_all (fun x -> x >= 0) a) (Array.mem 17 a);
  List.iter (fun i ->
      try Printf.printf "a.(%d)=%d\n" i a.(i)
      with Invalid_argument msg -> Printf.printf "a.(%d): Invalid_argument %S\n" i msg)
    [ 0; 19; 20; -1; max_int; min_int ];
  (try a.(20) <- 1 with Invalid_argument msg -> Printf.printf "set: %S\n" msg);
  (try ignore (Array.make (-1) 0) with Invalid_argument msg -> Printf.printf "make: %S\n" msg);
  (try ignore (Array.sub a 15 10) with Invalid_argument msg -> Printf.printf "sub: %S\n" msg);
  let m = Array.make_matrix 5 5 0 in
  for i = 0 to 4 do for j = 0 to 4 do m.(i).(j) <- (i + 1) * (j + 1) done done;
  let tr = Array.init 5 (fun j -> Array.init 5 (fun i -> m.(i).(j))) in
  Printf.printf "matrix symmetric=%b diag=%s\n" (m = tr) (show (Array.init 5 (fun i -> m.(i).(i))));
  let big = Array.make 1000 7 in
  big.(999) <- 1;
  let big2 = Array.init 100000 (fun i -> i) in
  Printf.printf "big: %d %d %d\n" (Array.fold_left ( + ) 0 big) big2.(99999)
    (Array.fold_left ( + ) 0 big2);
  let strs = Array.make 500 "x" in
  strs.(250) <- "y";
  Printf.printf "strs: %s%s%s\n" strs.(0) strs.(250) strs.(499);
  let nested = Array.init 3 (fun i -> Array.make (i + 1) (string_of_int i)) in
  Array.iter (fun r -> print_string (String.concat "," (Array.to_list r) ^ ";")) nested;
  print_newline ();
  let lst = Array.to_list (Array.of_list [ 3; 1; 2 ]) in
  Printf.printf "roundtrip: %s\n" (String.concat "," (List.map string_of_int lst));
  let e = [||] in
  Printf.printf "empty: %d %b\n" (Array.length e) (e = [||]);
  let ua = [| 10; 20; 30 |] in
  Printf.printf "unsafe: %d\n" (Array.unsafe_get ua 2);
  Array.unsafe_set ua 0 11;
  Printf.printf "map2: %s\n" (show (Array.map2 ( + ) ua [| 1; 2; 3 |]));
  let sorted = Array.init 1000 (fun i -> (i * 7907) mod 1000) in
  Array.sort (fun x y -> compare y x) sorted;
  Printf.printf "desc: %d %d %d\n" sorted.(0) sorted.(500) sorted.(999)
