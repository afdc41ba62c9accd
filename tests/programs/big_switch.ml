(* test: *)
(* Large matches: SWITCH tables with many constant and block constructors, string matches,
   nested patterns, guards, or-patterns, exceptions patterns, integer jump tables. *)
type t = C0 | C1 | C2 | C3 | C4 | C5 | C6 | C7 | C8 | C9 | C10 | C11 | C12 | C13 | C14 | C15 | C16 | C17 | C18 | C19 | C20 | C21 | C22 | C23 | C24 | C25 | C26 | C27 | C28 | C29 | C30 | C31 | C32 | C33 | C34 | C35 | C36 | C37 | C38 | C39 | B0 of int | B1 of int | B2 of int | B3 of int | B4 of int | B5 of int | B6 of int | B7 of int | B8 of int | B9 of int | B10 of int | B11 of int

let all = [| C0; C1; C2; C3; C4; C5; C6; C7; C8; C9; C10; C11; C12; C13; C14; C15; C16; C17; C18; C19; C20; C21; C22; C23; C24; C25; C26; C27; C28; C29; C30; C31; C32; C33; C34; C35; C36; C37; C38; C39; B0 0; B1 1; B2 2; B3 3; B4 4; B5 5; B6 6; B7 7; B8 8; B9 9; B10 10; B11 11 |]

let code = function
  | C0 -> 0
  | C1 -> 3
  | C2 -> 6
  | C3 -> 9
  | C4 -> 12
  | C5 -> 15
  | C6 -> 1
  | C7 -> 4
  | C8 -> 7
  | C9 -> 10
  | C10 -> 13
  | C11 -> 16
  | C12 -> 2
  | C13 -> 5
  | C14 -> 8
  | C15 -> 11
  | C16 -> 14
  | C17 -> 0
  | C18 -> 3
  | C19 -> 6
  | C20 -> 9
  | C21 -> 12
  | C22 -> 15
  | C23 -> 1
  | C24 -> 4
  | C25 -> 7
  | C26 -> 10
  | C27 -> 13
  | C28 -> 16
  | C29 -> 2
  | C30 -> 5
  | C31 -> 8
  | C32 -> 11
  | C33 -> 14
  | C34 -> 0
  | C35 -> 3
  | C36 -> 6
  | C37 -> 9
  | C38 -> 12
  | C39 -> 15
  | B0 x -> x * 2 + 1000
  | B1 x -> x * 3 + 1000
  | B2 x -> x * 4 + 1000
  | B3 x -> x * 5 + 1000
  | B4 x -> x * 6 + 1000
  | B5 x -> x * 7 + 1000
  | B6 x -> x * 8 + 1000
  | B7 x -> x * 9 + 1000
  | B8 x -> x * 10 + 1000
  | B9 x -> x * 11 + 1000
  | B10 x -> x * 12 + 1000
  | B11 x -> x * 13 + 1000
let coarse = function
  | C0 | C1 | C2 | C3 -> "low"
  | C10 | C20 | C30 -> "tens"
  | B0 _ | B1 _ -> "b01"
  | B5 x when x > 4 -> "b5-big"
  | B5 _ -> "b5-small"
  | _ -> "other"

let day_of n =
  match n with
  | 0 -> "sun" | 1 -> "mon" | 2 -> "tue" | 3 -> "wed" | 4 -> "thu" | 5 -> "fri" | 6 -> "sat"
  | 7 -> "seven" | 8 -> "eight" | 9 -> "nine" | 10 -> "ten" | 11 -> "eleven" | 12 -> "twelve"
  | 100 -> "hundred" | 1000 -> "thousand" | -1 -> "minus one"
  | _ -> "?"

let keyword s =
  match s with
  | "let" -> 1 | "in" -> 2 | "match" -> 3 | "with" -> 4 | "fun" -> 5 | "function" -> 6
  | "if" -> 7 | "then" -> 8 | "else" -> 9 | "begin" -> 10 | "end" -> 11 | "type" -> 12
  | "module" -> 13 | "struct" -> 14 | "sig" -> 15 | "" -> 16
  | _ -> 0

let nested = function
  | [] -> "empty"
  | [ (0, _) ] -> "single zero"
  | [ (_, Some s) ] -> "single some " ^ s
  | (a, None) :: (b, None) :: _ when a = b -> "pair equal none"
  | (_, Some "x") :: rest -> Printf.sprintf "x then %d" (List.length rest)
  | _ :: _ :: _ :: _ -> "three+"
  | _ -> "fallback"

exception E1
exception E2 of int
exception E3 of string * int

let handle f = match f () with
  | v -> "value " ^ string_of_int v
  | exception E1 -> "E1"
  | exception E2 n when n > 10 -> "E2 big"
  | exception E2 n -> "E2 " ^ string_of_int n
  | exception E3 (s, n) -> Printf.sprintf "E3 %s %d" s n
  | exception Not_found -> "Not_found"

let () =
  Array.iter (fun v -> Printf.printf "%d " (code v)) all;
  print_newline ();
  Array.iter (fun v -> Printf.printf "%s " (coarse v)) all;
  print_newline ();
  List.iter (fun n -> Printf.printf "%s " (day_of n)) [ -2; -1; 0; 3; 6; 7; 12; 13; 100; 1000; 999 ];
  print_newline ();
  List.iter (fun s -> Printf.printf "%d " (keyword s))
    [ "let"; "in"; "sig"; ""; "lett"; "module"; "function"; "fun"; "x" ];
  print_newline ();
  List.iter (fun l -> Printf.printf "%s | " (nested l))
    [ []; [ (0, None) ]; [ (1, Some "a") ]; [ (2, None); (2, None) ]; [ (3, Some "x"); (4, None) ];
      [ (1, None); (2, None); (3, None) ]; [ (1, None); (2, None) ] ];
  print_newline ();
  List.iter (fun f -> Printf.printf "%s; " (handle f))
    [ (fun () -> 42); (fun () -> raise E1); (fun () -> raise (E2 5)); (fun () -> raise (E2 50));
      (fun () -> raise (E3 ("s", 3))); (fun () -> raise Not_found) ];
  print_newline ();
  let total = ref 0 in
  for i = 0 to 100000 do total := !total + code all.(i mod Array.length all) done;
  Printf.printf "total=%d\n" !total
