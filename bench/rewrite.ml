(* Symbolic rewriting: first-order terms, rules with pattern variables, innermost
   normalisation (Peano arithmetic, lists, if-normalisation).
   argv.(1) = number of rounds (default 170).  quick-size: 1 *)

type term = V of int | F of string * term list

let zero = F ("0", [])
let s x = F ("s", [ x ])
let nil = F ("nil", [])
let cons x y = F ("cons", [ x; y ])
let f name args = F (name, args)

let rules =
  let x = V 0 and y = V 1 and z = V 2 and w = V 3 in
  [ (f "add" [ zero; y ], y);
    (f "add" [ s x; y ], s (f "add" [ x; y ]));
    (f "mul" [ zero; y ], zero);
    (f "mul" [ s x; y ], f "add" [ y; f "mul" [ x; y ] ]);
    (f "fact" [ zero ], s zero);
    (f "fact" [ s x ], f "mul" [ s x; f "fact" [ x ] ]);
    (f "app" [ nil; y ], y);
    (f "app" [ cons x y; z ], cons x (f "app" [ y; z ]));
    (f "rev" [ nil ], nil);
    (f "rev" [ cons x y ], f "app" [ f "rev" [ y ]; cons x nil ]);
    (f "sum" [ nil ], zero);
    (f "sum" [ cons x y ], f "add" [ x; f "sum" [ y ] ]);
    (f "range" [ zero ], nil);
    (f "range" [ s x ], cons x (f "range" [ x ]));
    (f "if" [ f "true" []; y; z ], y);
    (f "if" [ f "false" []; y; z ], z);
    (f "if" [ f "if" [ x; y; z ]; w; V 4 ],
     f "if" [ x; f "if" [ y; w; V 4 ]; f "if" [ z; w; V 4 ] ]);
    (f "lt" [ x; zero ], f "false" []);
    (f "lt" [ zero; s x ], f "true" []);
    (f "lt" [ s x; s y ], f "lt" [ x; y ]) ]

exception No_match

let rec matches subst pat t =
  match (pat, t) with
  | V i, _ -> (
      match subst.(i) with
      | None -> subst.(i) <- Some t
      | Some u -> if u <> t then raise No_match)
  | F (p, ps), F (q, qs) -> if p = q then List.iter2 (matches subst) ps qs else raise No_match
  | F _, V _ -> raise No_match

let rec try_rules t = function
  | [] -> None
  | (lhs, rhs) :: rest -> (
      let subst = Array.make 5 None in
      match matches subst lhs t with
      | () -> Some (subst, rhs)
      | exception No_match -> try_rules t rest)

(* Build a rule's right-hand side bottom-up: the substitution holds normal forms, so
   only the new nodes need rewriting (innermost strategy). *)
let rec reduce subst rhs =
  match rhs with
  | V i -> ( match subst.(i) with Some t -> t | None -> rhs)
  | F (name, args) -> rewrite_root (F (name, List.map (reduce subst) args))

and rewrite_root t =
  match try_rules t rules with Some (subst, rhs) -> reduce subst rhs | None -> t

let rec normalise t =
  match t with V _ -> t | F (name, args) -> rewrite_root (F (name, List.map normalise args))

let rec peano n = if n = 0 then zero else s (peano (n - 1))
let rec size = function V _ -> 1 | F (_, args) -> List.fold_left (fun a t -> a + size t) 1 args
let rec count_s = function F ("s", [ x ]) -> 1 + count_s x | _ -> 0

(* A nested if-tree over lt tests, deterministic in k. *)
let rec formula k depth =
  if depth = 0 then f (if k land 1 = 0 then "true" else "false") []
  else
    f "if" [ f "if" [ f "lt" [ peano (k mod 5); peano (k mod 7) ]; formula (k * 3 + 1) (depth - 1);
                      formula (k * 5 + 2) (depth - 1) ];
             formula (k + 11) (depth - 1); formula (k + 13) (depth - 1) ]

let () =
  let reps = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 170 in
  let facts = ref 0 and lists = ref 0 and trues = ref 0 and sizes = ref 0 in
  for k = 1 to reps do
    facts := !facts + count_s (normalise (f "fact" [ peano (3 + (k mod 4)) ]));
    let l = normalise (f "rev" [ f "range" [ peano (60 + (k mod 40)) ] ]) in
    lists := !lists + size l + count_s (normalise (f "sum" [ l ]));
    match normalise (formula k 5) with
    | F ("true", []) -> incr trues
    | t -> sizes := !sizes + size t
  done;
  Printf.printf "rewrite %d: facts %d, lists %d, true formulas %d, residual size %d\n" reps
    !facts !lists !trues !sizes
