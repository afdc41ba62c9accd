(* test: flags=-g; env=OCAMLRUNPARAM=b; exit=2 *)
(* Float record fields and float arrays read and written inside runs of float
   instructions, whose results the JIT keeps unboxed: a bounds error raised in
   the middle of such a run (with results still pending) must box them before
   the GC can run, and a backtrace must look as under ocamlrun. Also float
   fields of all-float records (flat) next to mixed records, with a tiny heap. *)
type v = { mutable x : float; mutable y : float; mutable z : float }
type m = { name : string; mutable w : float; pos : v }

let norm v = sqrt ((v.x *. v.x) +. (v.y *. v.y) +. (v.z *. v.z))

let advance (ms : m array) dt =
  Array.iter (fun m ->
      let n = norm m.pos +. 1.0 in
      m.pos.x <- m.pos.x +. (dt *. m.pos.y /. n);
      m.pos.y <- m.pos.y -. (dt *. m.pos.x /. n);
      m.pos.z <- (m.pos.z *. 0.5) +. (m.w *. dt);
      m.w <- m.w +. (m.pos.z *. 1e-3))
    ms

let dot (a : float array) (b : float array) k =
  (* reads past the end when k > length: Invalid_argument in a float run *)
  let s = ref 0.0 in
  for i = 0 to k - 1 do
    s := !s +. (a.(i) *. b.(i)) +. (0.5 *. a.(i))
  done;
  !s

let scale (a : float array) f k =
  for i = 0 to k - 1 do a.(i) <- (a.(i) *. f) +. 1.0 done

let () =
  let ms = Array.init 8 (fun i ->
      { name = string_of_int i; w = float_of_int i;
        pos = { x = float_of_int i; y = 1.0 /. float_of_int (i + 1); z = 0.25 } }) in
  let keep = ref [] in
  for k = 1 to 3000 do
    advance ms 0.01;
    if k mod 7 = 0 then keep := String.make (k mod 13) 'k' :: !keep;
    if k mod 500 = 0 then keep := []
  done;
  Array.iter (fun m -> Printf.printf "%s %h %h %h %h\n" m.name m.w m.pos.x m.pos.y m.pos.z) ms;
  let a = Array.init 10 (fun i -> float_of_int i *. 1.5) in
  let b = Array.init 10 (fun i -> 1.0 /. float_of_int (i + 1)) in
  Printf.printf "dot %h\n" (dot a b 10);
  scale a 2.0 10;
  Printf.printf "scaled %h %h\n" a.(0) a.(9);
  (try Printf.printf "dot %h\n" (dot a b 11) with Invalid_argument s ->
     Printf.printf "caught %s\n" s;
     Printexc.print_backtrace stdout);
  (try scale b 3.0 12 with Invalid_argument s -> Printf.printf "caught %s %h\n" s b.(9));
  (* a float record that is really a boxed float, and the other way round *)
  let r : v = Obj.magic (ref 0.0) in
  ignore r;
  let f : float = Obj.magic { x = 2.5; y = 0.0; z = 0.0 } in
  Printf.printf "magic %h\n" (f +. 1.0);
  ignore (dot a b 20)
