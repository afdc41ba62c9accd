(* test: *)
(* Float expressions whose intermediate results stay unboxed under the JIT,
   interleaved with heap values that a minor GC moves while the results are
   boxed (run also with s=4k). Regression: a heap pointer held in accu across
   the boxing went stale. Results printed exactly (%h). *)
type p = { mutable x : float; mutable y : float; name : string }

let step ps k =
  Array.iter (fun p ->
      let d = sqrt ((p.x *. p.x) +. (p.y *. p.y) +. 1.) in
      let junk = String.make (1 + (k mod 7)) 'j' in
      p.x <- (p.x *. 0.99) +. (p.y /. d) -. (float_of_int (String.length junk) *. 1e-3);
      p.y <- (p.y *. 0.98) -. (p.x /. d) +. (float_of_int k *. 1e-6))
    ps

let () =
  let ps = Array.init 16 (fun i -> { x = float_of_int i; y = float_of_int (i * i) *. 0.5;
                                     name = string_of_int i }) in
  let keep = ref [] in
  for k = 1 to 20000 do
    step ps k;
    if k mod 97 = 0 then keep := (ps.(k mod 16).x +. 1., ps.(k mod 16).name) :: !keep
  done;
  Array.iter (fun p -> Printf.printf "%s %h %h\n" p.name p.x p.y) ps;
  let s = List.fold_left (fun acc (f, n) -> acc +. f +. float_of_string n) 0. !keep in
  Printf.printf "kept %d sum %h\n" (List.length !keep) s
