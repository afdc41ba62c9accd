(* test: *)
(* Floats: special values, rounding, conversions, printing formats, float records/arrays. *)
let pr name x = Printf.printf "%-12s %h %.17g %F\n" name x x x

type vec = { x : float; y : float; mutable z : float }

let () =
  pr "nan" nan;
  pr "-nan" (-. nan);
  pr "inf" infinity;
  pr "-inf" neg_infinity;
  pr "-0." (-0.);
  pr "max_float" max_float;
  pr "min_float" min_float;
  pr "epsilon" epsilon_float;
  pr "1/3" (1. /. 3.);
  pr "0.1+0.2" (0.1 +. 0.2);
  pr "1e308*10" (1e308 *. 10.);
  pr "inf-inf" (infinity -. infinity);
  pr "0/0" (0. /. 0.);
  pr "1/-0" (1. /. (-0.));
  Printf.printf "nan=nan %b, nan<>nan %b, compare nan nan %d, compare nan 1 %d\n"
    (nan = nan) (nan <> nan) (compare nan nan) (compare nan 1.);
  Printf.printf "-0.=0. %b, compare -0. 0. %d, 1/.-0. < 0 %b\n" (-0. = 0.) (compare (-0.) 0.)
    (1. /. (-0.) < 0.);
  List.iter (fun f -> Printf.printf "%s " (string_of_float f))
    [ 1.; 0.5; 100.; 1e20; 1.5e-7; -3.25; 123456789.123 ];
  print_newline ();
  List.iter (fun f ->
      Printf.printf "[%f|%.2f|%e|%.3E|%g|%G|%10.4f|%-10.1f|%+f|%012.3f]\n" f f f f f f f f f f)
    [ 0.; 3.14159265358979; -2.5e-10; 6.02e23; nan; infinity ];
  List.iter (fun f ->
      Printf.printf "floor=%g ceil=%g trunc=%d round=%g frac/int=%g/%g\n" (floor f) (ceil f)
        (truncate f) (Float.round f) (fst (modf f)) (snd (modf f)))
    [ 2.5; -2.5; 0.49999999999999994; -0.; 1e15 +. 0.5 ];
  Printf.printf "sqrt2=%.17g exp1=%.17g log10=%.17g pow=%.17g atan2=%.17g\n" (sqrt 2.)
    (exp 1.) (log 10.) (2. ** 0.5) (atan2 1. (-1.));
  Printf.printf "fmod=%g %g rem=%g copysign=%g\n" (mod_float 7.5 2.) (mod_float (-7.5) 2.)
    (Float.rem 7.5 (-2.)) (copysign 3. (-0.));
  Printf.printf "classify: %s\n"
    (String.concat " "
       (List.map (fun f ->
            match classify_float f with
            | FP_normal -> "normal" | FP_subnormal -> "subnormal" | FP_zero -> "zero"
            | FP_infinite -> "infinite" | FP_nan -> "nan")
          [ 1.; 5e-324; 0.; infinity; nan ]));
  List.iter (fun s ->
      match float_of_string_opt s with
      | Some f -> Printf.printf "%S -> %.17g\n" s f
      | None -> Printf.printf "%S -> None\n" s)
    [ "1.5"; "-0"; "1e400"; "0x1.8p1"; "nan"; "inf"; "1_000.5"; "abc"; "" ];
  Printf.printf "int_of_float: %d %d %d\n" (int_of_float 3.99) (int_of_float (-3.99))
    (int_of_float 1e10);
  Printf.printf "float_of_int: %.1f %.1f\n" (float_of_int max_int) (float_of_int min_int);
  let v = { x = 1.5; y = -2.; z = 0. } in
  v.z <- v.x *. v.y;
  Printf.printf "record: %g %g %g\n" v.x v.y v.z;
  let a = Array.init 10 (fun i -> float_of_int i /. 4.) in
  a.(3) <- a.(3) +. 100.;
  Printf.printf "array: %s\n" (String.concat "," (Array.to_list (Array.map string_of_float a)));
  let s = ref 0. in
  for i = 1 to 100000 do s := !s +. (1. /. float_of_int (i * i)) done;
  Printf.printf "basel=%.15f\n" !s;
  Printf.printf "min/max: %g %g %g %g\n" (Float.min 1. nan) (min 1. 2.) (Float.max (-0.) 0.)
    (max nan 1.);
  Printf.printf "hash: %d %d %d\n" (Hashtbl.hash 1.5) (Hashtbl.hash nan) (Hashtbl.hash (-0.))
