(* test: *)
(* Obj: representation facts that are deterministic (tags, sizes, immediates, fields),
   Obj.magic round trips, new_block/set_field, dup, closures' representation sizes. *)
type v = A | B | C of int | D of string * int | E of { x : float }

let () =
  let show name o =
    if Obj.is_int o then Printf.printf "%s: immediate %d\n" name (Obj.obj o : int)
    else Printf.printf "%s: tag=%d size=%d\n" name (Obj.tag o) (Obj.size o)
  in
  show "A" (Obj.repr A);
  show "B" (Obj.repr B);
  show "C 1" (Obj.repr (C 1));
  show "D" (Obj.repr (D ("s", 2)));
  show "E" (Obj.repr (E { x = 1. }));
  show "string" (Obj.repr "hello world, 24 bytes..");
  show "float" (Obj.repr 3.14);
  show "float array" (Obj.repr [| 1.; 2. |]);
  show "empty array" (Obj.repr [||]);
  show "list" (Obj.repr [ 1; 2 ]);
  show "int64" (Obj.repr 5L);
  show "lazy forced" (let l = lazy (Sys.opaque_identity 3) in ignore (Lazy.force l); Obj.repr l);
  show "lazy unforced" (Obj.repr (lazy (print_endline "never")));
  show "object" (Obj.repr (object method m = 1 end));
  show "closure" (Obj.repr (fun x -> x + 1));
  show "exception" (Obj.repr Not_found);
  show "exception with arg" (Obj.repr (Failure "x"));
  show "polyvariant" (Obj.repr (`Tag 1));
  show "char" (Obj.repr 'z');
  show "unit" (Obj.repr ());
  let b = Obj.new_block 0 3 in
  Obj.set_field b 0 (Obj.repr 10);
  Obj.set_field b 1 (Obj.repr "twenty");
  Obj.set_field b 2 (Obj.repr 30);
  let (x, y, z) : int * string * int = Obj.obj b in
  Printf.printf "new_block as tuple: %d %s %d\n" x y z;
  let d = Obj.dup (Obj.repr [| 1; 2; 3 |]) in
  Obj.set_field d 0 (Obj.repr 100);
  Printf.printf "dup: %d\n" (Array.fold_left ( + ) 0 (Obj.obj d : int array));
  let c : v = Obj.magic (Obj.repr (C 5)) in
  (match c with C n -> Printf.printf "magic roundtrip: C %d\n" n | _ -> print_endline "?");
  Printf.printf "double_field: %g\n" (Obj.double_field (Obj.repr [| 1.5; 2.5 |]) 1);
  Printf.printf "string as bytes: %C\n" (Bytes.get (Obj.magic "abc" : bytes) 1);
  Printf.printf "Obj.tag of int: %d, of string: %d, of float: %d\n" (Obj.tag (Obj.repr 1)) (Obj.tag (Obj.repr "")) (Obj.tag (Obj.repr 1.));
  let r = ref 0 in
  Printf.printf "physical equality: %b %b\n" (Obj.repr r == Obj.repr r) ("a" ^ "b" == "ab");
  Printf.printf "reachable_words of a 3-list: %d\n" (Obj.reachable_words (Obj.repr [ 1; 2; 3 ]))
