(* test: *)
(* Float results the JIT keeps unboxed across branches (to blocks with a single
   predecessor), integer instructions and tail calls, boxed only where a value
   escapes: loops written as recursion with float accumulators, conditionals whose
   arms join again, physical equality on floats, a tiny heap (s=4k). *)
let rec iterate zr zi cr ci k =
  if k = 0 then (zr, zi)
  else
    let zr2 = zr *. zr and zi2 = zi *. zi in
    if zr2 +. zi2 > 4.0 then (zr, zi)
    else iterate (zr2 -. zi2 +. cr) ((2.0 *. zr *. zi) +. ci) cr ci (k - 1)

let rec sum_until acc x n =
  (* arms that join again: the join has two predecessors *)
  let y = if n land 1 = 0 then acc +. x else acc -. (x /. 3.0) in
  let z = if y > 100.0 then y /. 2.0 else y in
  if n = 0 then z else sum_until z (x *. 1.01) (n - 1)

let classify x =
  let a = x *. 2.0 and b = x +. 1.0 in
  let n = int_of_float x in
  if n mod 3 = 0 then a +. b
  else if n land 1 = 1 then a -. b
  else float_of_int (n * 7) +. a

let same_box x = let y = x in y == x

let keep = ref []

let rec churn x n =
  (* allocation between float results keeps the minor GC busy *)
  if n = 0 then x
  else begin
    let a = x *. 1.5 and b = x -. 0.25 in
    if n mod 5 = 0 then keep := string_of_int n :: !keep;
    if List.length !keep > 50 then keep := [];
    churn ((a +. b) /. 2.9) (n - 1)
  end

let () =
  let inside = ref 0 and acc = ref 0.0 in
  for py = 0 to 59 do
    for px = 0 to 79 do
      let cr = (3.0 *. float_of_int px /. 80.0) -. 2.1
      and ci = (2.4 *. float_of_int py /. 60.0) -. 1.2 in
      let zr, zi = iterate 0.0 0.0 cr ci 100 in
      if (zr *. zr) +. (zi *. zi) <= 4.0 then incr inside;
      acc := !acc +. zr -. zi
    done
  done;
  Printf.printf "inside %d acc %h\n" !inside !acc;
  Printf.printf "sum %h\n" (sum_until 0.0 1.0 1000);
  List.iter (fun x -> Printf.printf "classify %g = %h\n" x (classify x)) [0.5; 1.5; 2.5; 3.5; 4.5; 6.0];
  Printf.printf "same %b\n" (same_box (sqrt 2.0));
  Printf.printf "churn %h\n" (churn 3.0 20000);
  Printf.printf "div %d\n" (try int_of_float (classify 3.0) / (int_of_float (classify 0.2) - 1) with Division_by_zero -> -1)
