(* test: *)
(* Every inline boxed-integer primitive (Int32, Int64, Nativeint: arithmetic, division's
   0 and -1 rules, shifts by any count, conversions, compare) on edge values, and a
   loop that allocates boxes between minor collections. *)
let counts = [ 0; 1; 5; 31; 32; 33; 63; 64; 65; 100; -1; -33; -64 ]
let ints = [ 0; 1; -1; 7; -7; max_int; min_int; 0x7fffffff; 0x80000000; -0x80000001 ]

let int64_values =
  [ 0L; 1L; -1L; 7L; -7L; 3L; Int64.min_int; Int64.max_int;
    Int64.of_int 0x12345678; Int64.neg (Int64.of_int 0x3ffff) ]

let () =
  let p name x = Printf.printf "Int64.%s = %Ld\n" name x in
  let guard name f = try p name (f ()) with Division_by_zero -> Printf.printf "Int64.%s: Division_by_zero\n" name in
  List.iter (fun a ->
    p "neg" (Int64.neg a);
    Printf.printf "to_int %d\n" (Int64.to_int a);
    List.iter (fun b ->
      p "add" (Int64.add a b); p "sub" (Int64.sub a b); p "mul" (Int64.mul a b);
      p "logand" (Int64.logand a b); p "logor" (Int64.logor a b); p "logxor" (Int64.logxor a b);
      guard "div" (fun () -> Int64.div a b); guard "rem" (fun () -> Int64.rem a b);
      Printf.printf "compare %d %b %b\n" (Int64.compare a b) (a < b) (a = b))
      int64_values;
    List.iter (fun n ->
      p "shift_left" (Int64.shift_left a n); p "shift_right" (Int64.shift_right a n);
      p "shift_right_logical" (Int64.shift_right_logical a n))
      counts)
    int64_values;
  List.iter (fun i -> p "of_int" (Int64.of_int i)) ints;
  (* a loop: boxes allocated and dropped between minor collections, some kept *)
  let acc = ref 1L and kept = ref [] in
  for i = 1 to 200_000 do
    acc := Int64.add (Int64.mul !acc 6364136223846793005L) (Int64.of_int i);
    acc := Int64.logxor !acc (Int64.shift_right_logical !acc 13);
    if i mod 10_000 = 0 then kept := Int64.rem !acc 1000L :: !kept
  done;
  p "acc" !acc;
  List.iter (p "kept") !kept

let nativeint_values =
  [ 0n; 1n; -1n; 7n; -7n; 3n; Nativeint.min_int; Nativeint.max_int;
    Nativeint.of_int 0x12345678; Nativeint.neg (Nativeint.of_int 0x3ffff) ]

let () =
  let p name x = Printf.printf "Nativeint.%s = %nd\n" name x in
  let guard name f = try p name (f ()) with Division_by_zero -> Printf.printf "Nativeint.%s: Division_by_zero\n" name in
  List.iter (fun a ->
    p "neg" (Nativeint.neg a);
    Printf.printf "to_int %d\n" (Nativeint.to_int a);
    List.iter (fun b ->
      p "add" (Nativeint.add a b); p "sub" (Nativeint.sub a b); p "mul" (Nativeint.mul a b);
      p "logand" (Nativeint.logand a b); p "logor" (Nativeint.logor a b); p "logxor" (Nativeint.logxor a b);
      guard "div" (fun () -> Nativeint.div a b); guard "rem" (fun () -> Nativeint.rem a b);
      Printf.printf "compare %d %b %b\n" (Nativeint.compare a b) (a < b) (a = b))
      nativeint_values;
    List.iter (fun n ->
      p "shift_left" (Nativeint.shift_left a n); p "shift_right" (Nativeint.shift_right a n);
      p "shift_right_logical" (Nativeint.shift_right_logical a n))
      counts)
    nativeint_values;
  List.iter (fun i -> p "of_int" (Nativeint.of_int i)) ints;
  (* a loop: boxes allocated and dropped between minor collections, some kept *)
  let acc = ref 1n and kept = ref [] in
  for i = 1 to 200_000 do
    acc := Nativeint.add (Nativeint.mul !acc 6364136223846793005n) (Nativeint.of_int i);
    acc := Nativeint.logxor !acc (Nativeint.shift_right_logical !acc 13);
    if i mod 10_000 = 0 then kept := Nativeint.rem !acc 1000n :: !kept
  done;
  p "acc" !acc;
  List.iter (p "kept") !kept

let int32_values =
  [ 0l; 1l; -1l; 7l; -7l; 3l; Int32.min_int; Int32.max_int;
    Int32.of_int 0x12345678; Int32.neg (Int32.of_int 0x3ffff) ]

let () =
  let p name x = Printf.printf "Int32.%s = %ld\n" name x in
  let guard name f = try p name (f ()) with Division_by_zero -> Printf.printf "Int32.%s: Division_by_zero\n" name in
  List.iter (fun a ->
    p "neg" (Int32.neg a);
    Printf.printf "to_int %d\n" (Int32.to_int a);
    List.iter (fun b ->
      p "add" (Int32.add a b); p "sub" (Int32.sub a b); p "mul" (Int32.mul a b);
      p "logand" (Int32.logand a b); p "logor" (Int32.logor a b); p "logxor" (Int32.logxor a b);
      guard "div" (fun () -> Int32.div a b); guard "rem" (fun () -> Int32.rem a b);
      Printf.printf "compare %d %b %b\n" (Int32.compare a b) (a < b) (a = b))
      int32_values;
    List.iter (fun n ->
      p "shift_left" (Int32.shift_left a n); p "shift_right" (Int32.shift_right a n);
      p "shift_right_logical" (Int32.shift_right_logical a n))
      counts)
    int32_values;
  List.iter (fun i -> p "of_int" (Int32.of_int i)) ints;
  (* a loop: boxes allocated and dropped between minor collections, some kept *)
  let acc = ref 1l and kept = ref [] in
  for i = 1 to 200_000 do
    acc := Int32.add (Int32.mul !acc 1664525l) (Int32.of_int i);
    acc := Int32.logxor !acc (Int32.shift_right_logical !acc 13);
    if i mod 10_000 = 0 then kept := Int32.rem !acc 1000l :: !kept
  done;
  p "acc" !acc;
  List.iter (p "kept") !kept

(* Chains: a result taken unboxed by the next primitive (division's slow paths box it
   again; under s=4k that boxing collects). *)
let () =
  let r = ref [] in
  List.iter (fun (a, b, c) ->
    (try Printf.printf "%Ld\n" (Int64.div (Int64.mul a b) c) with Division_by_zero -> print_endline "div0");
    (try Printf.printf "%Ld\n" (Int64.rem (Int64.add a b) c) with Division_by_zero -> print_endline "rem0");
    r := Int64.add (Int64.sub a b) c :: !r;
    (try Printf.printf "%d %d\n" (Int64.to_int (Int64.rem a c)) (Int64.compare (Int64.div b c) a)
     with Division_by_zero -> print_endline "divide0");
    Printf.printf "%d %d %Ld\n" (Int64.to_int (Int64.sub a b)) (Int64.compare (Int64.neg a) b)
      (Int64.shift_left (Int64.logxor a b) 3))
    [ (3L, 4L, 0L); (Int64.min_int, 1L, -1L); (7L, -9L, 2L); (1L, 1L, -1L);
      (Int64.max_int, 2L, 3L) ];
  List.iter (fun x -> Printf.printf "%Ld " x) !r;
  print_newline ()

let () =
  let r = ref [] in
  List.iter (fun (a, b, c) ->
    (try Printf.printf "%nd\n" (Nativeint.div (Nativeint.mul a b) c) with Division_by_zero -> print_endline "div0");
    (try Printf.printf "%nd\n" (Nativeint.rem (Nativeint.add a b) c) with Division_by_zero -> print_endline "rem0");
    r := Nativeint.add (Nativeint.sub a b) c :: !r;
    (try Printf.printf "%d %d\n" (Nativeint.to_int (Nativeint.rem a c)) (Nativeint.compare (Nativeint.div b c) a)
     with Division_by_zero -> print_endline "divide0");
    Printf.printf "%d %d %nd\n" (Nativeint.to_int (Nativeint.sub a b)) (Nativeint.compare (Nativeint.neg a) b)
      (Nativeint.shift_left (Nativeint.logxor a b) 3))
    [ (3n, 4n, 0n); (Nativeint.min_int, 1n, -1n); (7n, -9n, 2n); (1n, 1n, -1n);
      (Nativeint.max_int, 2n, 3n) ];
  List.iter (fun x -> Printf.printf "%nd " x) !r;
  print_newline ()

let () =
  let r = ref [] in
  List.iter (fun (a, b, c) ->
    (try Printf.printf "%ld\n" (Int32.div (Int32.mul a b) c) with Division_by_zero -> print_endline "div0");
    (try Printf.printf "%ld\n" (Int32.rem (Int32.add a b) c) with Division_by_zero -> print_endline "rem0");
    r := Int32.add (Int32.sub a b) c :: !r;
    (try Printf.printf "%d %d\n" (Int32.to_int (Int32.rem a c)) (Int32.compare (Int32.div b c) a)
     with Division_by_zero -> print_endline "divide0");
    Printf.printf "%d %d %ld\n" (Int32.to_int (Int32.sub a b)) (Int32.compare (Int32.neg a) b)
      (Int32.shift_left (Int32.logxor a b) 3))
    [ (3l, 4l, 0l); (Int32.min_int, 1l, -1l); (7l, -9l, 2l); (1l, 1l, -1l);
      (Int32.max_int, 2l, 3l) ];
  List.iter (fun x -> Printf.printf "%ld " x) !r;
  print_newline ()
