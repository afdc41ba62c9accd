(* Pattern-matching interpreters: an AST evaluator for a tiny functional language and
   a stack-machine interpreter for assembled bytecode with labels.
   argv.(1) = number of rounds (default 36).  quick-size: 2 *)

(* --- AST evaluator --- *)

type op = Add | Sub | Mul | Lt | Eq | Mod

type expr =
  | Num of int
  | Var of string
  | Bin of op * expr * expr
  | If of expr * expr * expr
  | Let of string * expr * expr
  | Call of string * expr list

type fundef = { params : string list; body : expr }

let apply_op op x y =
  match op with
  | Add -> x + y
  | Sub -> x - y
  | Mul -> x * y
  | Lt -> if x < y then 1 else 0
  | Eq -> if x = y then 1 else 0
  | Mod -> x mod y

let rec eval funs env e =
  match e with
  | Num n -> n
  | Var x -> List.assoc x env
  | Bin (op, a, b) ->
      let x = eval funs env a in
      apply_op op x (eval funs env b)
  | If (c, t, f) -> if eval funs env c <> 0 then eval funs env t else eval funs env f
  | Let (x, e1, e2) -> eval funs ((x, eval funs env e1) :: env) e2
  | Call (f, args) ->
      let fd = List.assoc f funs in
      let values = List.map (eval funs env) args in
      eval funs (List.combine fd.params values) fd.body

let funs =
  [ ( "fib",
      { params = [ "n" ];
        body =
          If (Bin (Lt, Var "n", Num 2), Var "n",
              Bin (Add, Call ("fib", [ Bin (Sub, Var "n", Num 1) ]),
                   Call ("fib", [ Bin (Sub, Var "n", Num 2) ]))) } );
    ( "gcd",
      { params = [ "a"; "b" ];
        body = If (Bin (Eq, Var "b", Num 0), Var "a",
                   Call ("gcd", [ Var "b"; Bin (Mod, Var "a", Var "b") ])) } );
    ( "sumgcd",
      { params = [ "i"; "n"; "acc" ];
        body =
          If (Bin (Lt, Var "n", Var "i"), Var "acc",
              Let ("g", Call ("gcd", [ Bin (Mul, Var "i", Num 7919); Bin (Add, Var "n", Num 1000) ]),
                   Call ("sumgcd", [ Bin (Add, Var "i", Num 1); Var "n";
                                     Bin (Add, Var "acc", Var "g") ]))) } ) ]

(* --- stack machine --- *)

type instr =
  | Push of int | Load of int | Store of int
  | IAdd | IMul | IDiv | IMod | ILt | IEq
  | Jmp of int | Jz of int | Jnz of int | Halt

type asm = Ins of instr | Label of string | JmpL of string | JzL of string | JnzL of string

let assemble prog =
  let labels = Hashtbl.create 8 in
  let pc = ref 0 in
  List.iter (function Label l -> Hashtbl.replace labels l !pc | _ -> incr pc) prog;
  let resolve l = Hashtbl.find labels l in
  prog
  |> List.filter_map (function
       | Label _ -> None
       | Ins i -> Some i
       | JmpL l -> Some (Jmp (resolve l))
       | JzL l -> Some (Jz (resolve l))
       | JnzL l -> Some (Jnz (resolve l)))
  |> Array.of_list

(* Sum of Collatz path lengths for i = 1 .. locals.(3). Locals: 0 i, 1 total, 2 x, 3 n. *)
let collatz =
  [ Ins (Push 1); Ins (Store 0); Ins (Push 0); Ins (Store 1);
    Label "loop"; Ins (Load 3); Ins (Load 0); Ins ILt; JnzL "end";
    Ins (Load 0); Ins (Store 2);
    Label "inner"; Ins (Load 2); Ins (Push 1); Ins IEq; JnzL "next";
    Ins (Load 1); Ins (Push 1); Ins IAdd; Ins (Store 1);
    Ins (Load 2); Ins (Push 2); Ins IMod; JzL "even";
    Ins (Load 2); Ins (Push 3); Ins IMul; Ins (Push 1); Ins IAdd; Ins (Store 2); JmpL "inner";
    Label "even"; Ins (Load 2); Ins (Push 2); Ins IDiv; Ins (Store 2); JmpL "inner";
    Label "next"; Ins (Load 0); Ins (Push 1); Ins IAdd; Ins (Store 0); JmpL "loop";
    Label "end"; Ins (Load 1); Ins Halt ]

let run code locals =
  let stack = Array.make 64 0 in
  let rec step pc sp =
    match code.(pc) with
    | Push n -> stack.(sp) <- n; step (pc + 1) (sp + 1)
    | Load i -> stack.(sp) <- locals.(i); step (pc + 1) (sp + 1)
    | Store i -> locals.(i) <- stack.(sp - 1); step (pc + 1) (sp - 1)
    | IAdd -> binary pc sp ( + )
    | IMul -> binary pc sp ( * )
    | IDiv -> binary pc sp ( / )
    | IMod -> binary pc sp ( mod )
    | ILt -> binary pc sp (fun a b -> if a < b then 1 else 0)
    | IEq -> binary pc sp (fun a b -> if a = b then 1 else 0)
    | Jmp t -> step t sp
    | Jz t -> if stack.(sp - 1) = 0 then step t (sp - 1) else step (pc + 1) (sp - 1)
    | Jnz t -> if stack.(sp - 1) <> 0 then step t (sp - 1) else step (pc + 1) (sp - 1)
    | Halt -> stack.(sp - 1)
  and binary pc sp f =
    stack.(sp - 2) <- f stack.(sp - 2) stack.(sp - 1);
    step (pc + 1) (sp - 1)
  in
  step 0 0

let () =
  let reps = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 36 in
  let code = assemble collatz in
  let fibs = ref 0 and gcds = ref 0 and steps = ref 0 in
  for r = 1 to reps do
    fibs := !fibs + eval funs [] (Call ("fib", [ Num (15 + (r mod 3)) ]));
    gcds := !gcds + eval funs [] (Call ("sumgcd", [ Num r; Num (r + 2000); Num 0 ]));
    steps := !steps + run code [| 0; 0; 0; 2000 + r |]
  done;
  Printf.printf "interp %d: fib sum %d, gcd sum %d, collatz steps %d\n" reps !fibs !gcds !steps
