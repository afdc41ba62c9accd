(* test: *)
(* Lazy values: forcing once, exceptions while forcing (re-raised on every force),
   Lazy.from_val, lazy patterns, lazy lists (streams). *)
type 'a llist = Nil | Cons of 'a * 'a llist Lazy.t

let rec from n = Cons (n, lazy (from (n + 1)))
let rec take n l = if n = 0 then [] else match l with Nil -> [] | Cons (x, r) -> x :: take (n - 1) (Lazy.force r)
let rec lmap f = function Nil -> Nil | Cons (x, r) -> Cons (f x, lazy (lmap f (Lazy.force r)))
let rec lfilter p = function
  | Nil -> Nil
  | Cons (x, r) -> if p x then Cons (x, lazy (lfilter p (Lazy.force r))) else lfilter p (Lazy.force r)

let rec sieve = function
  | Nil -> Nil
  | Cons (p, r) -> Cons (p, lazy (sieve (lfilter (fun x -> x mod p <> 0) (Lazy.force r))))

let () =
  let count = ref 0 in
  let v = lazy (incr count; !count * 100) in
  Printf.printf "is_val before: %b\n" (Lazy.is_val v);
  Printf.printf "force: %d %d count=%d is_val=%b\n" (Lazy.force v) (Lazy.force v) !count (Lazy.is_val v);
  let bad = lazy (incr count; failwith "lazy failure") in
  for _ = 1 to 2 do
    try ignore (Lazy.force bad) with Failure m -> Printf.printf "caught %s (count=%d)\n" m !count
  done;
  let fv = Lazy.from_val 7 in
  Printf.printf "from_val: %d %b\n" (Lazy.force fv) (Lazy.is_val fv);
  let f = function (lazy 0) -> "zero" | (lazy n) -> "n=" ^ string_of_int n in
  Printf.printf "lazy patterns: %s %s\n" (f (lazy 0)) (f (lazy (6 * 7)));
  Printf.printf "naturals: %s\n" (String.concat " " (List.map string_of_int (take 10 (from 0))));
  Printf.printf "squares: %s\n" (String.concat " " (List.map string_of_int (take 8 (lmap (fun x -> x * x) (from 1)))));
  Printf.printf "primes: %s\n" (String.concat " " (List.map string_of_int (take 30 (sieve (from 2)))));
  let rec rl = lazy (1 :: Lazy.force rl2) and rl2 = lazy [ 2; 3 ] in
  Printf.printf "rec lazy: %d\n" (List.length (Lazy.force rl));
  let l2 = Lazy.map (fun x -> x + 1) (lazy 41) in
  Printf.printf "Lazy.map: %d\n" (Lazy.force l2);
  let self_ref = ref (lazy 0) in
  self_ref := lazy (Lazy.force !self_ref + 1);
  (try ignore (Lazy.force !self_ref) with Lazy.Undefined -> print_endline "Lazy.Undefined")
