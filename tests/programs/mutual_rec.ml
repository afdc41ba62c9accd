(* test: *)
(* Mutually recursive functions (CLOSUREREC and the OFFSETCLOSURE family), local recursive closures
   capturing variables, recursion through several functions. *)
let rec is_even n = if n = 0 then true else is_odd (n - 1)
and is_odd n = if n = 0 then false else is_even (n - 1)

(* Five functions calling each other at various distances: OFFSETCLOSURE with -3,0,3 and others *)
let rec fa n = if n <= 0 then 0 else 1 + fb (n - 1) + fe (n / 4)
and fb n = if n <= 0 then 1 else fc (n - 1) + fa (n / 3)
and fc n = if n <= 0 then 2 else fd (n - 1) * 1 + fa (n / 5)
and fd n = if n <= 0 then 3 else fe (n - 1) + fb (n / 2)
and fe n = if n <= 0 then 4 else fa (n - 1) + fc (n / 6)

(* Functions returned as values: the closure itself or a sibling goes into accu
   (OFFSETCLOSURE0 / OFFSETCLOSUREM3 / OFFSETCLOSURE3 / OFFSETCLOSURE n). *)
type sel = S of (int -> sel)

let rec sel0 n = if n <= 0 then S sel0 else if n = 1 then S sel1 else if n = 2 then S sel2 else S sel3
and sel1 n = if n <= 0 then S sel0 else if n = 1 then S sel1 else if n = 2 then S sel2 else S sel3
and sel2 n = if n <= 0 then S sel0 else if n = 1 then S sel1 else if n = 2 then S sel2 else S sel3
and sel3 n = if n <= 0 then S sel0 else if n = 1 then S sel1 else if n = 2 then S sel2 else S sel3

let which (S f) = if f == sel0 then "sel0" else if f == sel1 then "sel1" else if f == sel2 then "sel2" else "sel3"
let ( >> ) (S f) n = f n

let counter_machine limit =
  let steps = ref 0 in
  let rec ping n = incr steps; if n >= limit then "ping" else pong (n + 1)
  and pong n = incr steps; if n >= limit then "pong" else pang (n + 2)
  and pang n = incr steps; if n >= limit then "pang" else ping (n + 3)
  in
  let r = ping 0 in
  (r, !steps)

let make_parser base =
  let rec expr s i = let v, i = term s i in expr_rest s v i
  and expr_rest s acc i =
    if i < String.length s && s.[i] = '+' then let v, i = term s (i + 1) in expr_rest s (acc + v) i
    else (acc, i)
  and term s i = let v, i = atom s i in term_rest s v i
  and term_rest s acc i =
    if i < String.length s && s.[i] = '*' then let v, i = atom s (i + 1) in term_rest s (acc * v) i
    else (acc, i)
  and atom s i =
    if s.[i] = '(' then let v, i = expr s (i + 1) in (v, i + 1)
    else (Char.code s.[i] - 48 + base, i + 1)
  in
  fun s -> fst (expr s 0)

let () =
  Printf.printf "even 10=%b odd 7=%b even 100001=%b\n" (is_even 10) (is_odd 7) (is_even 100001);
  let fs = [| sel0; sel1; sel2; sel3 |] in
  Array.iteri (fun i f -> Printf.printf "sel%d ->" i; for n = 0 to 3 do Printf.printf " %s" (which (f n)) done; print_newline ()) fs;
  Printf.printf "chained: %s\n" (which (S sel3 >> 0 >> 1 >> 2 >> 3 >> 0 >> 2));
  Printf.printf "fa: %s\n" (String.concat " " (List.map (fun n -> string_of_int (fa n)) [ 0; 1; 5; 10; 20; 30 ]));
  List.iter (fun l -> let r, s = counter_machine l in Printf.printf "%s/%d " r s) [ 0; 1; 5; 17; 100 ];
  print_newline ();
  let p0 = make_parser 0 and p1 = make_parser 1 in
  Printf.printf "parse: %d %d %d\n" (p0 "1+2*3") (p0 "(1+2)*3+4*(5+6)") (p1 "2*(3+4)");
  let rec outer n =
    let rec inner m acc = if m = 0 then acc else inner (m - 1) (acc + n) in
    if n = 0 then 0 else inner n 0 + outer (n - 1)
  in
  Printf.printf "sum of squares via nested rec: %d\n" (outer 100)
