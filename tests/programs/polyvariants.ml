(* test: *)
(* Polymorphic variants: tags are hashed ints, matching uses comparisons not jump tables. *)
type shape = [ `Circle of float | `Square of float | `Point ]
type ext = [ shape | `Triangle of float * float | `Label of string ]

let area : [< ext ] -> float = function
  | `Circle r -> 3.14 *. r *. r
  | `Square s -> s *. s
  | `Point -> 0.
  | `Triangle (b, h) -> b *. h /. 2.
  | `Label _ -> -1.

let name = function
  | `A -> "A" | `B -> "B" | `C -> "C" | `D -> "D" | `E -> "E" | `F -> "F" | `G -> "G"
  | `Other s -> "Other " ^ s

let to_int = function `Zero -> 0 | `One -> 1 | `Many n -> n

let () =
  List.iter (fun s -> Printf.printf "%g " (area s))
    [ `Circle 1.; `Square 2.; `Point; `Triangle (3., 4.); `Label "x" ];
  print_newline ();
  List.iter (fun v -> Printf.printf "%s " (name v)) [ `A; `G; `D; `Other "z"; `B; `F; `C; `E ];
  print_newline ();
  Printf.printf "%d %d %d\n" (to_int `Zero) (to_int `One) (to_int (`Many 7));
  Printf.printf "tag hashes: %d %d %d\n" (Obj.magic `A : int) (Obj.magic `Circle : int)
    (Obj.magic `abcdefghijklmnopqrstuvwxyz : int);
  let l = [ `B 2; `A 1; `C 0; `A 0 ] in
  Printf.printf "sorted by compare: %s\n"
    (String.concat " " (List.map (function `A n -> "A" ^ string_of_int n | `B n -> "B" ^ string_of_int n
                                         | `C n -> "C" ^ string_of_int n) (List.sort compare l)));
  Printf.printf "equal=%b hash=%d\n" (`Square 2. = `Square 2.) (Hashtbl.hash (`Label "abc"));
  let f (x : [> `Ok of int | `Err ]) = match x with `Ok n -> n | `Err -> -1 | _ -> -2 in
  Printf.printf "%d %d %d\n" (f (`Ok 5)) (f `Err) (f `Unknown)
