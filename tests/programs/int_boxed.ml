(* test: *)
(* Boxed integers (custom blocks): Int32, Int64, Nativeint arithmetic, printing, errors. *)
let () =
  Printf.printf "%ld %ld %ld\n" Int32.max_int Int32.min_int (Int32.add Int32.max_int 1l);
  Printf.printf "%Ld %Ld %Ld\n" Int64.max_int Int64.min_int (Int64.sub Int64.min_int 1L);
  Printf.printf "%nd %nd\n" Nativeint.max_int (Nativeint.neg Nativeint.min_int);
  Printf.printf "%lx %Lx %nx %lu %Lu\n" (-1l) (-1L) (-1n) (-1l) (-1L);
  Printf.printf "%Ld %Ld\n" (Int64.div (-7L) 2L) (Int64.rem (-7L) 2L);
  Printf.printf "%Ld\n" (Int64.shift_right_logical (-1L) 1);
  Printf.printf "%ld\n" (Int32.shift_left 1l 31);
  Printf.printf "%d %d\n" (Int64.to_int 0x7fffffffffffffffL) (Int32.to_int (-5l));
  Printf.printf "%Ld %ld\n" (Int64.of_float 1e18) (Int32.of_float (-2.9));
  Printf.printf "%s %s\n" (Int64.to_string (Int64.mul 3037000500L 3037000500L))
    (Int32.to_string (Int32.mul 65536l 65536l));
  (try ignore (Int64.div 1L (Int64.of_int (String.length ""))) with
   | Division_by_zero -> print_endline "Int64 Division_by_zero");
  (try ignore (Int32.rem 1l 0l) with Division_by_zero -> print_endline "Int32 Division_by_zero");
  (try ignore (Int64.of_string "99999999999999999999") with
   | Failure m -> Printf.printf "Failure %s\n" m);
  Printf.printf "%Ld %ld\n" (Int64.of_string "0x7fffffffffffffff") (Int32.of_string "-0b101");
  let l = [ 3L; -1L; Int64.max_int; 0L; Int64.min_int ] in
  List.iter (fun x -> Printf.printf "%Ld " x) (List.sort compare l);
  print_newline ();
  Printf.printf "%b %b %d\n" (1L = 1L) (Int64.equal 2L 3L) (Int64.compare (-1L) 1L);
  Printf.printf "%d %d\n" (Hashtbl.hash 12345L) (Hashtbl.hash (-7l));
  Printf.printf "%Ld\n" (Int64.bits_of_float 1.5);
  Printf.printf "%F\n" (Int64.float_of_bits 4611686018427387904L);
  let acc = ref 1L in
  for i = 1 to 25 do acc := Int64.mul !acc (Int64.of_int i) done;
  Printf.printf "25! mod 2^64 = %Ld\n" !acc
