(* test: *)
(* Partial application and over-application: GRAB/RESTART, APPLY1..3 and APPLY n,
   APPTERM variants, functions returning functions, arities 1..10. *)
let f1 a = a + 1
let f2 a b = a * 10 + b
let f3 a b c = (a * 100) + (b * 10) + c
let f4 a b c d = f3 a b c * 10 + d
let f5 a b c d e = f4 a b c d * 10 + e
let f6 a b c d e f = f5 a b c d e * 10 + f
let f7 a b c d e f g = f6 a b c d e f * 10 + g
let f10 a b c d e f g h i j = f7 a b c d e f g * 1000 + (h * 100) + (i * 10) + j
let ret_fun a = if a > 0 then fun b c -> a + b + c else fun b -> fun c -> a - b - c
let apply_all fs x = List.map (fun f -> f x) fs
let twice f x = f (f x)
let over g = g 1 2 3 4 (* over-application if g has arity < 4 *)
let tail_over a = ret_fun a 10 20 (* tail call with 3 args to arity-1 function *)

let () =
  let p2 = f2 7 in
  let p3a = f3 1 in
  let p3b = p3a 2 in
  let p6 = f6 1 2 3 in
  let p6b = p6 4 in
  Printf.printf "%d %d %d %d %d\n" (f1 0) (p2 3) (p3b 3) (p6b 5 6) (p6 0 0 0);
  Printf.printf "%d %d\n" (f7 1 2 3 4 5 6 7) (f10 1 2 3 4 5 6 7 8 9 0);
  let p10 = f10 9 8 7 6 5 in
  let p10b = p10 4 3 in
  Printf.printf "%d %d\n" (p10b 2 1 0) (p10 0 0 0 0 0);
  Printf.printf "%d %d %d\n" (ret_fun 1 2 3) (ret_fun (-1) 2 3) (tail_over 5);
  Printf.printf "over: %d\n" (over (fun a -> fun b -> fun c d -> a + b + c + d));
  Printf.printf "over2: %d\n" (over (fun a b -> fun c -> fun d -> a * b * c * d));
  Printf.printf "apply_all: %s\n"
    (String.concat "," (List.map string_of_int (apply_all [ f1; f2 1; f3 1 2; twice f1; twice (f2 0) ] 5)));
  let fs = [| f2; (fun a b -> a - b); (fun a -> let c = a * 2 in fun b -> c + b) |] in
  Printf.printf "array: %d %d %d\n" (fs.(0) 1 2) (fs.(1) 1 2) (fs.(2) 1 2);
  let rec sum_curried n acc = if n = 0 then acc else sum_curried (n - 1) (acc + n) in
  let s = sum_curried 1000000 in
  Printf.printf "partial tail rec: %d\n" (s 0);
  let k = List.fold_left (fun f x -> fun y -> f (x + y)) (fun z -> z) [ 1; 2; 3 ] in
  Printf.printf "fold closures: %d\n" (k 10);
  let id x = x in
  Printf.printf "id^n: %d %s\n" (id id id id 42) (id (id (fun s -> s ^ "!")) "hi");
  let pair = (f3 1, f3 2) in
  Printf.printf "tuple of partials: %d %d\n" ((fst pair) 0 0) ((snd pair) 9 9);
  let g6 = fun a b c -> fun d e f -> a + b + c + d + e + f in
  Printf.printf "split arity: %d %d\n" (g6 1 2 3 4 5 6) ((g6 1 2) 3 4 5 6)
