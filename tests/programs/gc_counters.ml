(* A program that watches its own allocation: Gc.minor_words around float code (boxed
   by ocamlrun's interpreter, unboxed by default in compiled code), Gc.counters and a
   finaliser. camllvm must then allocate exactly as ocamlrun does (OCAMLRUNPARAM
   v=0x400, the counters printed at exit: tests/test_jit.py). *)
let step x y = let d = (y -. x) *. 0.5 in x +. d *. d

let measure () =
  let a = Gc.minor_words () in
  let v = ref 1.0 in
  for i = 1 to 200 do v := step !v (float_of_int i) done;
  let b = Gc.minor_words () in
  Printf.printf "result %.6f minor words %.0f\n" !v (b -. a)

let () =
  for _ = 1 to 50 do measure () done;
  let finalised = ref 0 in
  for i = 1 to 1000 do
    let r = ref (float_of_int i) in
    Gc.finalise (fun _ -> incr finalised) r
  done;
  Gc.full_major ();
  Printf.printf "finalised %d\n" !finalised;
  let mi, pro, ma = Gc.counters () in
  Printf.printf "counters %.0f %.0f %.0f\n" mi pro ma
