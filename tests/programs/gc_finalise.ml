(* test: *)
(* Finalisers (Gc.finalise, Gc.finalise_last) run by explicit full majors: C calling back
   into OCaml. Also a finaliser that raises: the exception escapes from Gc.full_major. *)
let log = ref []

let register n =
  let v = ref n in
  Gc.finalise (fun r -> log := !r :: !log) v;
  Gc.finalise_last (fun () -> log := (1000 + n) :: !log) (Bytes.make 8 'x');
  ()

let make_garbage () = for i = 1 to 10 do register i done

exception From_finaliser of int

let raising () =
  let v = Bytes.make 10 'y' in
  Gc.finalise (fun _ -> raise (From_finaliser 7)) v

let () =
  make_garbage ();
  Gc.full_major ();
  Gc.full_major ();
  let got = List.sort compare !log in
  Printf.printf "finalised %d: %s\n" (List.length got) (String.concat " " (List.map string_of_int got));
  let keep = ref 5 in
  Gc.finalise (fun _ -> print_endline "should not run before exit") keep;
  Gc.full_major ();
  Printf.printf "kept alive: %d\n" !keep;
  raising ();
  (try Gc.full_major (); Gc.full_major (); print_endline "no exception?"
   with From_finaliser n -> Printf.printf "exception from finaliser: %d\n" n);
  Gc.full_major ();
  print_endline "done"
