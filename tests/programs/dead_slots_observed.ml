(* A program that registers a finaliser or a weak pointer can see when a value dies:
   from then on compiled code keeps its frames whole, as ocamlrun does (the first call
   of such a primitive turns dead-slot clearing off, camllvm/liveness.py). Under
   ocamlrun, the dead slot below keeps its value alive across the full major GC. *)
let full_major () = Gc.full_major ()

let finalised = ref 0

let finaliser round =
  let x = ref round in
  Gc.finalise (fun _ -> incr finalised) x;
  full_major ();
  Printf.printf "finaliser round %d: %d run so far\n" round !finalised

let weak round =
  let w = Weak.create 1 in
  let v = Bytes.make 16 'w' in
  Weak.set w 0 (Some v);
  full_major ();
  Printf.printf "weak round %d: alive %b\n" round (Weak.check w 0)

let () =
  for round = 1 to 3 do
    weak round;
    finaliser round
  done
