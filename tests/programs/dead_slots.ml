(* Compiled code stores Val_unit in the dead slots of its frame before each call
   (camllvm/liveness.py). Every slot below is read again after a call, on some path:
   after the call returns, in a later loop iteration, in an exception handler, by a
   tail call's arguments, by a closure made later, by a method call's object, by a
   4-argument call whose frame is pushed first. The calls allocate a lot, so that a
   slot cleared too early shows as a wrong value or a crash. *)
let churn n = let l = List.init n (fun i -> (i, string_of_int i)) in List.length l

let pair a b = churn 50 + a + b

(* A slot read after the call, and one read only on one branch. *)
let after_call (x : int list) (y : string) =
  let z = List.rev x in
  let k = pair 1 2 in
  if k > 100 then List.length z + String.length y else List.hd z

(* A slot read in the next iteration of a loop (and a for loop's counter). *)
let loop_carried n =
  let acc = ref [] and keep = Array.make 3 "k" in
  for i = 1 to n do
    ignore (churn 20);
    acc := (i, keep.(i mod 3)) :: !acc
  done;
  List.length !acc + String.length keep.(0)

(* A handler reading slots that the try body's calls would see as dead. *)
exception Found of int
let in_handler l =
  let before = List.map (fun x -> x * 2) l and s = String.make 3 'h' in
  try
    List.iter (fun x -> ignore (churn 30); if x = 7 then raise (Found x)) l;
    0
  with Found k -> k + List.length before + String.length s

(* Nested trys: the inner handler and the outer one read different slots. *)
let nested l =
  let a = Array.of_list l in
  let b = List.rev l in
  try
    let c = List.map succ l in
    (try ignore (churn 40); failwith "inner" with Failure _ -> Array.length a + List.length c)
    + (ignore (churn 10); raise Not_found)
  with Not_found -> List.length b

(* Tail call arguments pushed before a non-tail call. *)
let rec sum_lengths acc = function
  | [] -> acc
  | s :: rest -> sum_lengths (acc + String.length s + churn 5 - churn 5) rest

(* A closure made after a call captures slots of the frame. *)
let capture l =
  let base = List.length l and name = String.concat "," (List.map string_of_int l) in
  let n = churn 25 in
  let f = fun k -> base + k + String.length name + n in
  ignore (churn 25);
  f 1

(* A method call: the object stays at sp[0] while the method is looked up. *)
class counter init = object
  val mutable n = init
  method add k = n <- n + k + churn 3 - churn 3; n
end
let methods () =
  let o = new counter 5 and p = new counter 7 in
  let a = o#add 1 in
  let b = p#add (o#add 2) in
  a + b + o#add 0

(* Four arguments and over-application: PUSH_RETADDR's frame below the arguments. *)
let four a b c d = a + b + c + d + churn 10
let over () = let f = (fun x -> fun y -> x * y + churn 5) in f 3 4
let many l =
  let s = String.concat "" l and t = List.rev l in
  let r = four 1 2 3 (List.length t) in
  r + String.length s + over () + List.length t

(* Deep non-tail recursion over a fresh list: the frames' dead input cells. *)
let rec filter p = function [] -> [] | a :: r -> if p a then a :: filter p r else filter p r
let rec interval a b = if a > b then [] else a :: interval (a + 1) b
let sieve n =
  let rec again = function
    | [] -> []
    | x :: r as l -> if x * x > n then l else x :: again (filter (fun m -> m mod x <> 0) r)
  in
  again (interval 2 n)

let () =
  for round = 1 to 3 do
    Printf.printf "round %d: %d %d %d %d %d %d %d %d %d\n" round
      (after_call [ 1; 2; 3 ] "abc") (loop_carried 200) (in_handler [ 1; 5; 7; 9 ])
      (nested [ 4; 5; 6 ]) (sum_lengths 0 [ "a"; "bb"; "ccc" ]) (capture [ 1; 2; 3 ])
      (methods ()) (many [ "x"; "yy" ]) (List.length (sieve 3000))
  done;
  let primes = sieve 200 in
  print_endline (String.concat " " (List.map string_of_int primes))
