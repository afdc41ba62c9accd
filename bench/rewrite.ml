(* Symbolic rewriting: first-order terms, rules with pattern variables, innermost
   normalisation (Peano arithmetic, lists, if-normalisation).
   argv.(1) = problem size (default 9).  quick-size: 4 *)

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

let rec instantiate subst = function
  | V i -> ( match subst.(i) with Some t -> t | None -> V i)
  | F (name, args) -> F (name, List.map (instantiate subst) args)

let rec try_rules t = function
  | [] -> None
  | (lhs, rhs) :: rest -> (
      let subst = Array.make 5 None in
      match matches subst lhs t with
      | () -> Some (instantiate subst rhs)
      | exception No_match -> try_rules t rest)

let rec normalise t =
  match t with
  | V _ -> t
  | F (name, args) -> (
      let t' = F (name, List.map normalise args) in
      match try_rules t' rules with Some r -> normalise r | None -> t')

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
  let n = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 9 in
  let fact = count_s (normalise (f "fact" [ peano (min n 7) ])) in
  let total = ref 0 in
  for k = 1 to n do
    let l = normalise (f "rev" [ f "range" [ peano (k * 20) ] ]) in
    total := !total + size l + count_s (normalise (f "sum" [ l ]))
  done;
  let b = normalise (formula n (min n 8)) in
  Printf.printf "rewrite %d: fact %d, lists %d, formula %s\n" n fact !total
    (match b with F (name, []) -> name | t -> string_of_int (size t))
