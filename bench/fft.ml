(* Float kernel: iterative radix-2 complex FFT, forward then inverse, on float arrays.
   argv.(1) = number of forward+inverse pairs on 16384 points (default 90).  quick-size: 1 *)

let bit_reverse re im n =
  let j = ref 0 in
  for i = 0 to n - 2 do
    if i < !j then begin
      let t = re.(i) in re.(i) <- re.(!j); re.(!j) <- t;
      let t = im.(i) in im.(i) <- im.(!j); im.(!j) <- t
    end;
    let m = ref (n lsr 1) in
    while !m >= 1 && !j land !m <> 0 do
      j := !j lxor !m;
      m := !m lsr 1
    done;
    j := !j lor !m
  done

(* sign = -1.0 for the forward transform, 1.0 for the inverse (unscaled). *)
let transform re im sign =
  let n = Array.length re in
  bit_reverse re im n;
  let len = ref 2 in
  while !len <= n do
    let half = !len / 2 in
    let angle = sign *. 2.0 *. Float.pi /. float_of_int !len in
    let wr = cos angle and wi = sin angle in
    let start = ref 0 in
    while !start < n do
      let cr = ref 1.0 and ci = ref 0.0 in
      for k = 0 to half - 1 do
        let a = !start + k and b = !start + k + half in
        let tr = (re.(b) *. !cr) -. (im.(b) *. !ci) and ti = (re.(b) *. !ci) +. (im.(b) *. !cr) in
        re.(b) <- re.(a) -. tr; im.(b) <- im.(a) -. ti;
        re.(a) <- re.(a) +. tr; im.(a) <- im.(a) +. ti;
        let ncr = (!cr *. wr) -. (!ci *. wi) in
        ci := (!cr *. wi) +. (!ci *. wr);
        cr := ncr
      done;
      start := !start + !len
    done;
    len := !len * 2
  done

let () =
  let reps = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 90 in
  let n = 16384 in
  let re = Array.init n (fun i -> sin (float_of_int i *. 0.01) +. (0.5 *. cos (float_of_int i *. 0.37))) in
  let im = Array.make n 0.0 in
  let orig = Array.copy re in
  let peak = ref 0.0 in
  for _ = 1 to reps do
    transform re im (-1.0);
    let p = ref 0.0 in
    Array.iteri (fun i r -> p := Float.max !p (sqrt ((r *. r) +. (im.(i) *. im.(i))))) re;
    peak := !p;
    transform re im 1.0;
    let scale = 1.0 /. float_of_int n in
    Array.iteri (fun i r -> re.(i) <- r *. scale; im.(i) <- im.(i) *. scale) re
  done;
  let err = ref 0.0 in
  Array.iteri (fun i r -> err := Float.max !err (Float.abs (r -. orig.(i)))) re;
  Printf.printf "fft %d points: peak %.6f, round-trip error below 1e-9: %b\n" n !peak (!err < 1e-9)
