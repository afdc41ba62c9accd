(* test: *)
(* Deep non-tail recursion (100000 frames), tail recursion 10 million deep, mutual tail calls,
   and non-tail recursion through List functions. *)
let rec sum_to n = if n = 0 then 0 else n + sum_to (n - 1)
let rec build n = if n = 0 then [] else n :: build (n - 1)
let rec count_tail n acc = if n = 0 then acc else count_tail (n - 1) (acc + 1)
let rec even n = n = 0 || odd (n - 1)
and odd n = n <> 0 && even (n - 1)

let rec depth_with_handler n = if n = 0 then 0 else try 1 + depth_with_handler (n - 1) with Exit -> -1

let rec ackermann m n =
  if m = 0 then n + 1 else if n = 0 then ackermann (m - 1) 1 else ackermann (m - 1) (ackermann m (n - 1))

let () =
  Printf.printf "sum_to 100000 = %d\n" (sum_to 100000);
  let l = build 100000 in
  Printf.printf "build: len=%d head=%d\n" (List.length l) (List.hd l);
  Printf.printf "map (non-tail in 4.13): %d\n" (List.fold_left ( + ) 0 (List.map (fun x -> x * 2) l));
  Printf.printf "count_tail 10M = %d\n" (count_tail 10_000_000 0);
  Printf.printf "even 1M = %b, odd 1M+1 = %b\n" (even 1_000_000) (odd 1_000_001);
  Printf.printf "nested handlers 50000 deep = %d\n" (depth_with_handler 50000);
  Printf.printf "ackermann 2 3 = %d, 3 5 = %d\n" (ackermann 2 3) (ackermann 3 5);
  let rec loop i acc = if i > 3_000_000 then acc else loop (i + 1) (acc lxor (i * 2654435761)) in
  Printf.printf "xor loop = %d\n" (loop 0 0)
