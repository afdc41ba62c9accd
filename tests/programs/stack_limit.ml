(* test: env=OCAMLRUNPARAM=l=50k *)
(* OCAMLRUNPARAM=l sets the stack limit (in words): moderate recursion still works, infinite
   recursion overflows early and is caught, and Gc.get reports the limit. *)
let rec depth n = if n = 0 then 0 else 1 + depth (n - 1)
let rec forever n = n + forever (n + 1)

let () =
  Printf.printf "stack_limit=%d\n" (Gc.get ()).Gc.stack_limit;
  Printf.printf "depth 5000 = %d\n" (depth 5000);
  (try ignore (forever 0) with Stack_overflow -> print_endline "Stack_overflow caught");
  Gc.set { (Gc.get ()) with Gc.stack_limit = 1_000_000 };
  Printf.printf "raised limit: %d, depth 100000 = %d\n" (Gc.get ()).Gc.stack_limit (depth 100000)
