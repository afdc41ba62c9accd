(* test: exit=2 *)
(* Exceptions raised by C (int_of_string's Failure, array bounds' Invalid_argument) inside
   hot try blocks, directly or under several compiled frames, nested trys, trys in
   recursive functions, and backtraces of such raises. Compiled code entered by the
   interpreter runs its trys without a raise buffer of its own: a raise by C lands in
   the interpreter, which runs the handler. The output must be ocamlrun's. *)
exception E of int

let parse s = try int_of_string s with Failure _ -> -1

let nested i =
  try
    (try if i mod 3 = 0 then raise (E i) else int_of_string (if i mod 2 = 0 then "12" else "zz")
     with Failure m -> String.length m)
  with E k -> k * 2

let bounds i = let a = [| 1; 2 |] in try a.(i land 3) with Invalid_argument _ -> 7
let rec inner n = if n = 0 then int_of_string "bad" else 1 + inner (n - 1)
let far i = try inner (i land 7) with Failure _ -> -i

(* A try in each level of a recursion: the C raise at the bottom is caught by the
   innermost one, the others finish normally. *)
let rec levels n =
  if n = 0 then int_of_string "deep"
  else try 1 + levels (n - 1) with Failure _ -> 100 * n

let () =
  let acc = ref 0 in
  for i = 1 to 100000 do
    acc := (!acc + parse (if i mod 5 = 0 then "x" else string_of_int i) + nested i + bounds i
            + far i + levels (1 + i land 15)) land 0x3FFFFFFF
  done;
  Printf.printf "sum %d\n" !acc;
  Printexc.record_backtrace true;
  for i = 1 to 30000 do
    try ignore (inner (i land 3))
    with Failure m when i = 29999 -> print_endline m; Printexc.print_backtrace stdout
       | Failure _ -> ()
  done;
  ignore (inner 3)
