(* test: *)
(* Polymorphic comparison (caml_compare/caml_equal) on structured values, its exceptions on
   functional values, physical equality, min/max, and sorting of heterogeneous structures. *)
type t = { a : int; b : string; c : float list }

let () =
  let vals = [ `A; `B 1; `B 0; `C ("x", 1.); `C ("w", 2.) ] in
  Printf.printf "sorted polyvariants: %s\n"
    (String.concat " " (List.map (function `A -> "A" | `B n -> "B" ^ string_of_int n | `C (s, _) -> "C" ^ s) (List.sort compare vals)));
  let rs = [ { a = 2; b = "x"; c = [] }; { a = 1; b = "z"; c = [ 1. ] }; { a = 1; b = "y"; c = [ nan ] }; { a = 1; b = "y"; c = [ 0. ] } ] in
  List.iter (fun r -> Printf.printf "(%d,%s,%d) " r.a r.b (List.length r.c)) (List.sort compare rs);
  print_newline ();
  Printf.printf "tuples: %d %d %d\n" (compare (1, "b") (1, "a")) (compare (0, 0, 0) (0, 0, 1)) (compare [| 1; 2 |] [| 1; 2; 0 |]);
  Printf.printf "strings: %d %d %d\n" (compare "abc" "abd") (compare "ab" "abc") (compare "" "");
  Printf.printf "nan: %b %b %d %d\n" ([ nan ] = [ nan ]) (compare [ nan ] [ nan ] = 0) (compare nan neg_infinity) (compare (Some nan) (Some 0.));
  Printf.printf "options: %d %d\n" (compare None (Some 0)) (compare (Some [ 1 ]) (Some []));
  (try ignore (compare (fun x -> x) (fun x -> x)) with Invalid_argument m -> Printf.printf "functional: %s\n" m);
  (try ignore ((fun x -> x + 1) = (fun x -> x + 1)) with Invalid_argument m -> Printf.printf "equal functional: %s\n" m);
  let f x = x in
  Printf.printf "physically same closure compare: %d\n" (try compare f f with Invalid_argument _ -> 99);
  Printf.printf "min/max: %s %s %d\n" (min "b" "a") (max "b" "a") (fst (max (1, 2) (1, 3)));
  let cyc1 = let rec l = 1 :: l in l in
  Printf.printf "cyclic ==: %b\n" (cyc1 == cyc1);
  Printf.printf "int64 compare: %d %d\n" (compare 1L 2L) (compare (Int64.neg 1L) 0L);
  Printf.printf "exceptions: %b %d\n" (Not_found = Not_found) (compare (Failure "a") (Failure "b"));
  Printf.printf "objects by oid: %b\n" (let o = object end in o = o);
  let big1 = List.init 10000 (fun i -> i) and big2 = List.init 10000 (fun i -> if i = 9999 then 0 else i) in
  Printf.printf "long lists: %d %b\n" (compare big1 big2) (big1 = List.init 10000 (fun i -> i));
  Printf.printf "Stdlib.(=) on mixed: %b %b\n" ([ Some "x"; None ] = [ Some "x"; None ]) ((1, [| 2. |]) <> (1, [| 2. |]))
