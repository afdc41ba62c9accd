(* test: flags=-g; env=OCAMLRUNPARAM=b; exit=2 *)
(* Edge cases of the primitives camllvm inlines (floats, arrays, strings, int
   compare): results and exceptions must be those of the C primitives. *)
let show_exn f = try f () with e -> Printf.printf "exn %s\n" (Printexc.to_string e)

let () =
  let specials = [ nan; infinity; neg_infinity; 0.; -0.; 1e300; -1e300; 4.6e18; -4.6e18; 0.5; -1.5 ] in
  List.iter (fun x -> Printf.printf "int_of_float %h -> %d\n" x (int_of_float x)) specials;
  List.iter (fun x ->
      List.iter (fun y ->
          Printf.printf "%h %h: = %b <> %b < %b <= %b > %b >= %b cmp %d + %h * %h / %h - %h\n"
            x y (x = y) (x <> y) (x < y) (x <= y) (x > y) (x >= y) (compare x y)
            (x +. y) (x *. y) (x /. y) (x -. y))
        [ nan; 0.; -0.; 1.; infinity ])
    [ nan; 0.; -0.; 2.5; neg_infinity ];
  Printf.printf "neg %h abs %h sqrt %h sqrt(-1) %h\n" (-. 0.) (abs_float (-3.)) (sqrt 2.) (sqrt (-1.));
  Printf.printf "exp %h log %h sin %h cos %h floor %h ceil %h\n"
    (exp 1.) (log 10.) (sin 1.) (cos 1.) (floor (-1.5)) (ceil (-1.5));
  List.iter (fun n -> Printf.printf "float_of_int %d = %h\n" n (float_of_int n)) [ 0; -1; max_int; min_int ];
  List.iter (fun (a, b) -> Printf.printf "compare %d %d = %d\n" a b (compare a b))
    [ (1, 2); (2, 1); (3, 3); (min_int, max_int); (max_int, min_int) ]

let () =
  let a = [| 1; 2; 3 |] and f = [| 1.5; 2.5 |] and s = "abc" and b = Bytes.of_string "xyz" in
  let poly_get arr i = arr.(i) in
  let poly_set arr i v = arr.(i) <- v in
  Printf.printf "%d %h %c %c %d %d\n" a.(2) f.(1) s.[0] (Bytes.get b 2) (String.length s) (Bytes.length b);
  poly_set f 0 9.25; poly_set a 1 7; Bytes.set b 0 'Q';
  Printf.printf "%h %d %h %d %s\n" (poly_get f 0) (poly_get a 1) f.(0) a.(1) (Bytes.to_string b);
  List.iter (fun i ->
      show_exn (fun () -> ignore a.(i));
      show_exn (fun () -> ignore f.(i));
      show_exn (fun () -> ignore (poly_get a i));
      show_exn (fun () -> ignore (poly_get f i));
      show_exn (fun () -> a.(i) <- 0);
      show_exn (fun () -> f.(i) <- 0.);
      show_exn (fun () -> poly_set a i 0);
      show_exn (fun () -> ignore s.[i]);
      show_exn (fun () -> Bytes.set b i 'x'))
    [ -1; 3; max_int; min_int ];
  List.iter (fun n -> Printf.printf "len %d\n" (String.length (String.make n 'z'))) [ 0; 1; 7; 8; 9; 15; 16 ];
  let x = try ignore (a.(5)); 0 with Invalid_argument _ -> Printexc.print_backtrace stdout; 1 in
  Printf.printf "caught %d\n" x;
  (* uncaught, for the backtrace printed by the runtime *)
  ignore (f.(10) +. 1.)
