(* test: *)
(* Integer comparisons in branches (BEQ/BNEQ/BLTINT/.../BULTINT/BUGEINT), value comparisons
   (EQ/NEQ/LTINT/...), range tests from matches, and boolean operators. *)
let classify n =
  if n < -100 then "very negative"
  else if n <= -1 then "negative"
  else if n = 0 then "zero"
  else if n <> 1 then (if n > 1000 then "big" else if n >= 500 then "medium" else "small")
  else "one"

let range n = match n with 0 | 1 | 2 | 3 | 4 | 5 -> "0..5" | 10 | 11 | 12 -> "10..12" | _ -> "other"

let char_kind c =
  match c with
  | 'a' .. 'z' -> "lower"
  | 'A' .. 'Z' -> "upper"
  | '0' .. '9' -> "digit"
  | ' ' | '\t' | '\n' -> "space"
  | _ -> "other"

let cmp_values a b = [ a = b; a <> b; a < b; a <= b; a > b; a >= b ]

let () =
  List.iter (fun n -> Printf.printf "%d: %s / %s\n" n (classify n) (range n))
    [ min_int; -101; -100; -1; 0; 1; 2; 5; 6; 10; 12; 13; 499; 500; 1000; 1001; max_int ];
  String.iter (fun c -> Printf.printf "%C:%s " c (char_kind c)) "aZ9 \t!~\000\255";
  print_newline ();
  let vs = [ min_int; -2; 0; 3; max_int ] in
  List.iter (fun a ->
      List.iter (fun b ->
          Printf.printf "%d,%d:" a b;
          List.iter (fun x -> print_char (if x then 'T' else 'F')) (cmp_values a b);
          print_char ' ')
        vs;
      print_newline ())
    vs;
  let count = ref 0 in
  for i = -50 to 50 do
    if (i > 3 && i < 20) || (i < -40 && not (i = -45)) then incr count;
    if i land 1 = 0 && i <> 0 then count := !count + 100
  done;
  Printf.printf "count=%d\n" !count;
  let f x y = if x == y then "phys-eq" else if x != y then "phys-neq" else "?" in
  Printf.printf "%s %s\n" (f 1 1) (f 1 2);
  let b = Sys.opaque_identity true in
  Printf.printf "%b %b %b %b\n" (not b) (b && not b) (b || not b) (b = not (not b))
