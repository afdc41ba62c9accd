(* test: *)
(* Hashtbl.hash and friends on many kinds of values (must match ocamlrun bit for bit),
   plus Hashtbl.hash on closures only compared with itself (its value depends on addresses). *)
type t = A | B of int | C of string * float | D of { x : int; y : t }

let () =
  let show name h = Printf.printf "%-28s %d\n" name h in
  show "0" (Hashtbl.hash 0);
  show "-1" (Hashtbl.hash (-1));
  show "max_int" (Hashtbl.hash max_int);
  show "min_int" (Hashtbl.hash min_int);
  show "\"\"" (Hashtbl.hash "");
  show "\"hello\"" (Hashtbl.hash "hello");
  show "long string" (Hashtbl.hash (String.make 1000 'x'));
  show "1.0" (Hashtbl.hash 1.0);
  show "0.0 / -0.0" (Hashtbl.hash 0.0 - Hashtbl.hash (-0.0));
  show "infinity" (Hashtbl.hash infinity);
  show "'a'" (Hashtbl.hash 'a');
  show "true" (Hashtbl.hash true);
  show "()" (Hashtbl.hash ());
  show "[]" (Hashtbl.hash []);
  show "[1;2;3]" (Hashtbl.hash [ 1; 2; 3 ]);
  show "long list (depth limit)" (Hashtbl.hash (List.init 100 (fun i -> i)));
  show "(1, \"a\")" (Hashtbl.hash (1, "a"));
  show "[|1.;2.|]" (Hashtbl.hash [| 1.; 2. |]);
  show "A" (Hashtbl.hash A);
  show "B 3" (Hashtbl.hash (B 3));
  show "C (\"s\", 2.5)" (Hashtbl.hash (C ("s", 2.5)));
  show "D" (Hashtbl.hash (D { x = 1; y = B 2 }));
  show "Some (Some None)" (Hashtbl.hash (Some (Some None)));
  show "`Poly" (Hashtbl.hash `Poly);
  show "`Poly 1" (Hashtbl.hash (`Poly 1));
  show "1L" (Hashtbl.hash 1L);
  show "1l" (Hashtbl.hash 1l);
  show "1n" (Hashtbl.hash 1n);
  show "ref 5" (Hashtbl.hash (ref 5));
  show "hash_param 1 1 list" (Hashtbl.hash_param 1 1 [ 1; 2; 3 ]);
  show "hash_param 100 100 list" (Hashtbl.hash_param 100 100 (List.init 50 (fun i -> i)));
  show "seeded 42 \"hello\"" (Hashtbl.seeded_hash 42 "hello");
  show "seeded_param" (Hashtbl.seeded_hash_param 5 5 7 (1, 2, 3));
  show "exception Not_found" (Hashtbl.hash Not_found);
  show "exception Failure" (Hashtbl.hash (Failure "x"));
  let o = object method x = 1 end in
  show "object (oid-based) eq self" (if Hashtbl.hash o = Hashtbl.hash o then 1 else 0);
  let f x = x + 1 in
  show "closure eq self" (if Hashtbl.hash f = Hashtbl.hash f then 1 else 0);
  show "string/bytes agree" (if Hashtbl.hash "abc" = Hashtbl.hash (Bytes.of_string "abc") then 1 else 0)
