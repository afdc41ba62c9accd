(* test: env=CAMLLVM_C_STACK=3M *)
(* With a C stack (3 MiB) smaller than the VM stack's limit needs, native recursion
   reaches the C stack's guard zone first: that must raise Stack_overflow, caught
   like the one ocamlrun raises at its VM stack limit; afterwards the program goes
   on as before. (Recursion through C frames, e.g. a try in every level, ends the
   program instead: the guard cannot abandon C code halfway.) *)
let rec forever n = 1 + forever (n + 1)

let rec through_closure f n = f (1 + through_closure f (n + 1))

let rec with_float x = 1. +. with_float (x *. 1.0000001)

let attempt name f =
  match f () with
  | _ -> Printf.printf "%s: returned?!\n" name
  | exception Stack_overflow -> Printf.printf "%s: caught Stack_overflow\n" name

let () =
  for round = 1 to 3 do
    attempt "plain" (fun () -> forever 0);
    attempt "closure" (fun () -> through_closure (fun x -> x + round) 0);
    attempt "float" (fun () -> int_of_float (with_float 1.))
  done;
  let rec sum n = if n = 0 then 0 else n + sum (n - 1) in
  Printf.printf "still works: %d\n" (sum 10000);
  let l = List.init 10000 (fun i -> i) in
  Printf.printf "map: %d\n" (List.fold_left ( + ) 0 (List.map succ l))
