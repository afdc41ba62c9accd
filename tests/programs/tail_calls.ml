(* test: *)
(* Tail calls of every shape must not grow any stack: APPTERM1..3 and APPTERM n (4+ args),
   mutual tail recursion, tail calls through closures and partial applications,
   tail calls after a handler was popped, millions of iterations each (10M is in deep_recursion). *)
let rec loop1 n = if n = 0 then 0 else loop1 (n - 1)
let rec loop2 n acc = if n = 0 then acc else loop2 (n - 1) (acc + 1)
let rec loop3 n a b = if n = 0 then a + b else loop3 (n - 1) b (a + 1)
let rec loop5 n a b c d = if n = 0 then a + b + c + d else loop5 (n - 1) b c d (a + 1)
let rec ping n x = if n = 0 then x else pong (n - 1) (x + 1) 1
and pong n x y = if n = 0 then x + y else ping (n - 1) (x + y)

let via_closure f n = f (n - 1)
let rec self_app n = if n = 0 then "done" else via_closure self_app_k n
and self_app_k n = self_app n

let rec with_handler n = if n = 0 then "handled loop done" else (match (try Some (n - 1) with Not_found -> None) with
  | Some m -> with_handler m | None -> "none")

let rec cps n k = if n = 0 then k 0 else cps (n - 1) (fun r -> k (r + 1))
let rec over_tail n = if n = 0 then (fun a b -> a + b) else over_tail (n - 1)

let () =
  let n = 3_000_000 in
  Printf.printf "%d %d %d %d\n" (loop1 n) (loop2 n 0) (loop3 n 0 0) (loop5 n 0 0 0 0);
  Printf.printf "mutual: %d\n" (ping n 0);
  Printf.printf "closure: %s\n" (self_app 1_000_000);
  Printf.printf "%s\n" (with_handler 1_000_000);
  Printf.printf "cps (heap-allocated continuations): %d\n" (cps 1_000_000 (fun x -> x));
  Printf.printf "over-application at the end: %d\n" (over_tail 1_000_000 20 22);
  let rec count_down = function 0 -> 0 | k -> (count_down [@tailcall]) (k - 1) in
  Printf.printf "local: %d\n" (count_down n)
