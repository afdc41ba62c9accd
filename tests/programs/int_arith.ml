(* test: *)
(* Integer arithmetic edge cases: tagging, overflow wrap, division rounding, shifts. *)
let show name v = Printf.printf "%s = %d\n" name v

let () =
  show "max_int" max_int;
  show "min_int" min_int;
  show "max_int + 1" (max_int + 1);
  show "min_int - 1" (min_int - 1);
  show "max_int * 2" (max_int * 2);
  show "min_int * -1" (min_int * -1);
  show "- min_int" (- min_int);
  show "abs min_int" (abs min_int);
  show "7 / 2" (7 / 2);
  show "-7 / 2" (-7 / 2);
  show "7 / -2" (7 / -2);
  show "-7 / -2" (-7 / -2);
  show "7 mod 2" (7 mod 2);
  show "-7 mod 2" (-7 mod 2);
  show "7 mod -2" (7 mod -2);
  show "-7 mod -2" (-7 mod -2);
  show "min_int / -1" (min_int / -1);
  show "min_int mod -1" (min_int mod -1);
  show "1 lsl 62" (1 lsl 62);
  show "1 lsl 63" (1 lsl 63);
  show "-1 lsr 1" (-1 lsr 1);
  show "-1 asr 1" (-1 asr 1);
  show "min_int asr 62" (min_int asr 62);
  show "min_int lsr 62" (min_int lsr 62);
  show "0xff land 0x0f" (0xff land 0x0f);
  show "0xf0 lor 0x0f" (0xf0 lor 0x0f);
  show "0xff lxor 0x0f" (0xff lxor 0x0f);
  show "lnot 0" (lnot 0);
  show "lnot min_int" (lnot min_int);
  show "succ max_int" (succ max_int);
  show "pred min_int" (pred min_int)

(* Variable operands so nothing is constant-folded. *)
let ops = [| ( + ); ( - ); ( * ); ( / ); ( mod ); ( land ); ( lor ); ( lxor ) |]
let names = [| "+"; "-"; "*"; "/"; "mod"; "land"; "lor"; "lxor" |]
let values = [| 0; 1; -1; 2; -3; 17; max_int; min_int; 1 lsl 40; -(1 lsl 33) + 5 |]

let () =
  Array.iteri (fun i op ->
      Array.iter (fun a ->
          Array.iter (fun b ->
              match op a b with
              | r -> Printf.printf "%d %s %d = %d\n" a names.(i) b r
              | exception Division_by_zero ->
                  Printf.printf "%d %s %d -> Division_by_zero\n" a names.(i) b)
            values)
        values)
    ops

let () =
  for s = 0 to 63 do
    let x = 0x123456789 in
    if s mod 7 = 0 || s >= 60 then
      Printf.printf "shift %d: lsl=%d lsr=%d asr=%d neg-asr=%d\n" s (x lsl s) (x lsr s)
        (x asr s) ((-x) asr s)
  done

let () =
  let div a b = try string_of_int (a / b) with Division_by_zero -> "Division_by_zero" in
  let md a b = try string_of_int (a mod b) with Division_by_zero -> "Division_by_zero" in
  let z = int_of_string "0" in
  Printf.printf "%s %s %s\n" (div 5 z) (md 5 z) (div min_int z);
  Printf.printf "compare: %d %d %d %d\n" (compare 1 2) (compare max_int min_int)
    (compare (-1) 0) (compare 5 5);
  Printf.printf "min/max: %d %d\n" (min 3 (-4)) (max min_int max_int);
  Printf.printf "unsigned via compare (x+min_int): %b %b\n"
    (compare (-1 + min_int) (1 + min_int) > 0) (compare (0 + min_int) (5 + min_int) < 0);
  Printf.printf "Int.unsigned-ish: %d %d\n" (Int.abs (-5)) (Int.neg 7);
  let x = ref 1 in
  for _ = 1 to 70 do x := !x * 3 + 1 done;
  show "wrapped 3x+1 chain" !x
