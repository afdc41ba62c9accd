(* test: *)
(* Floats carried unboxed around loops and across the joins after ifs (no -g: ocamlc turns
   these refs into mutable locals): for and while loops, conditional updates, nested loops,
   calls and allocation inside the loop (which box the carried floats), a bounds error and
   an exception leaving the loop with floats pending, and the values read after the loop. *)

let accumulate n =
  let s = ref 0.0 and t = ref 1.0 and u = ref 0.5 in
  for i = 1 to n do
    s := !s +. float i *. 0.25;
    if i land 7 = 0 then t := !t *. 1.0001 else u := !u +. 0.001;
    if i mod 3 = 0 then s := !s -. !u
  done;
  (!s, !t, !u)

let converge x0 =
  let x = ref x0 and steps = ref 0 in
  while abs_float (!x *. !x -. 2.0) > 1e-12 && !steps < 100 do
    x := 0.5 *. (!x +. 2.0 /. !x);
    incr steps
  done;
  (!x, !steps)

let nested n =
  let total = ref 0.0 in
  for i = 1 to n do
    let row = ref 0.0 in
    for j = 1 to n do
      row := !row +. (float (i * j) /. 7.0)
    done;
    total := !total +. sqrt !row
  done;
  !total

let with_calls n =
  let acc = ref 0.0 and l = ref [] in
  for i = 1 to n do
    acc := !acc +. float i;
    if i mod 100 = 0 then l := !acc :: !l;
    acc := !acc *. 0.999 +. float (List.length !l)
  done;
  (!acc, List.length !l)

let out_of_bounds a =
  let s = ref 0.0 in
  try
    for i = 0 to Array.length a do
      s := !s +. a.(i)
    done;
    (!s, "no error")
  with Invalid_argument msg -> (!s, msg)

exception Stop of float

let leave_by_exception n =
  let s = ref 1.0 in
  try
    for i = 1 to n do
      s := !s *. 1.01;
      if !s > 2.0 then raise (Stop !s) else if i = n then s := -. !s
    done;
    !s
  with Stop v -> v +. !s

let () =
  let s, t, u = accumulate 100_000 in
  Printf.printf "accumulate: %.6f %.9f %.6f\n" s t u;
  let x, k = converge 1.0 in
  Printf.printf "converge: %.15f in %d\n" x k;
  Printf.printf "nested: %.6f\n" (nested 300);
  let a, n = with_calls 20_000 in
  Printf.printf "with_calls: %.6f %d\n" a n;
  let s, m = out_of_bounds (Array.init 1000 (fun i -> float i /. 3.0)) in
  Printf.printf "out_of_bounds: %.6f %s\n" s m;
  Printf.printf "leave: %.6f %.6f\n" (leave_by_exception 1000) (leave_by_exception 10)
