(* test: *)
(* All-float records (MAKEFLOATBLOCK) built from float results that the JIT keeps
   unboxed: the record takes their doubles, temporaries dead after it are never
   boxed, and those still read later are (nucleic's matrix products). Heap values
   interleaved so that a minor GC (s=4k) moves them while the record is allocated.
   Results printed exactly (%h). *)
type m = { a : float; b : float; c : float; d : float; tx : float; ty : float }

let compose p q =
  let a = (p.a *. q.a) +. (p.b *. q.c) and b = (p.a *. q.b) +. (p.b *. q.d) in
  let c = (p.c *. q.a) +. (p.d *. q.c) and d = (p.c *. q.b) +. (p.d *. q.d) in
  let tx = (p.tx *. q.a) +. (p.ty *. q.c) +. q.tx in
  let ty = (p.tx *. q.b) +. (p.ty *. q.d) +. q.ty in
  { a; b; c; d; tx; ty }

(* A temporary still live after the record: it must be boxed for the GC, and read
   back intact. *)
let compose_keep p q names =
  let s = (p.a *. q.d) -. (p.b *. q.c) in
  let r = { (compose p q) with tx = s *. 2.; ty = s +. p.ty } in
  let tag = String.concat "," names in
  (r, s +. float_of_int (String.length tag))

(* Floats live across a call that allocates, then put in a record. *)
let scaled p k =
  let x = p.a *. k and y = p.d /. (k +. 1.) in
  let junk = Array.make (1 + int_of_float k mod 5) (string_of_float x) in
  { p with a = x +. float_of_int (Array.length junk); d = y -. 0.5; b = x *. y }

(* x sits in two slots (its own, and the argument) when the call boxes it, and y is
   boxed in between: a minor GC there moves x's first box. Regression: the second
   slot got the box's old address, and x read after the call was garbage. *)
let use_after_alloc x =
  let l = List.init 40 float_of_int in
  x +. List.fold_left ( +. ) 0. l

let dup_slots k =
  let x = k *. 1.5 and y = k /. 3. in
  let a = use_after_alloc x in
  a +. (x *. y)

let rotation t =
  let c = cos t and s = sin t in
  { a = c; b = -.s; c = s; d = c; tx = t; ty = -.t }

let () =
  let acc = ref (rotation 0.1) and kept = ref [] and total = ref 0. in
  for i = 1 to 30000 do
    let q = rotation (float_of_int (i mod 17) *. 0.05) in
    acc := compose !acc q;
    if i mod 7 = 0 then begin
      let r, s = compose_keep !acc q [ string_of_int i; "x" ] in
      acc := r;
      total := !total +. s
    end;
    if i mod 101 = 0 then begin
      acc := scaled !acc (float_of_int (i mod 3) +. 0.5);
      kept := (!acc, string_of_int i) :: !kept
    end;
    if i mod 1000 = 0 then acc := rotation (!acc.a +. !acc.d)
  done;
  let d = ref 0. in
  for i = 1 to 20000 do d := !d +. dup_slots (float_of_int (i mod 1000)) done;
  Printf.printf "dup_slots %h\n" !d;
  let r = !acc in
  Printf.printf "%h %h %h %h %h %h\n" r.a r.b r.c r.d r.tx r.ty;
  Printf.printf "total %h kept %d\n" !total (List.length !kept);
  List.iteri (fun i (m, n) -> if i mod 40 = 0 then Printf.printf "%s %h %h\n" n m.a m.b) !kept
