(* test: *)
(* References (OFFSETREF for incr/decr/+= constant), for loops up and down (including empty and
   single iteration, bounds at max_int), while loops, nested loops exited by exceptions. *)
let () =
  let r = ref 0 in
  incr r; incr r; decr r;
  r := !r + 10;
  r := !r - 3;
  Printf.printf "ref: %d\n" !r;
  let up = ref [] and down = ref [] in
  for i = 1 to 5 do up := i :: !up done;
  for i = 5 downto 1 do down := i :: !down done;
  Printf.printf "up=%s down=%s\n" (String.concat "" (List.map string_of_int !up)) (String.concat "" (List.map string_of_int !down));
  let n = ref 0 in
  for _ = 1 to 0 do incr n done;
  for _ = 0 downto 1 do incr n done;
  for _ = 7 to 7 do n := !n + 100 done;
  Printf.printf "empty/single loops: %d\n" !n;
  let c = ref 0 in
  for i = max_int - 3 to max_int do c := !c + (i land 1) + 1 done;
  for i = min_int + 3 downto min_int do c := !c + (i land 1) + 10 done;
  Printf.printf "loops at the int bounds: %d\n" !c;
  let i = ref 0 and s = ref 0 in
  while !i < 1000 do s := !s + !i; i := !i + 7 done;
  Printf.printf "while: i=%d s=%d\n" !i !s;
  let found = ref None in
  (try
     for a = 1 to 100 do
       for b = a to 100 do
         let c2 = (a * a) + (b * b) in
         let c = int_of_float (sqrt (float_of_int c2)) in
         if c * c = c2 && a + b + c = 1000 / 10 * 1 + 20 then (found := Some (a, b, c); raise Exit)
       done
     done
   with Exit -> ());
  (match !found with Some (a, b, c) -> Printf.printf "triple: %d %d %d\n" a b c | None -> print_endline "no triple");
  let counters = Array.init 3 (fun _ -> ref 0) in
  for k = 0 to 29999 do incr counters.(k mod 3); counters.(k mod 3) := !(counters.(k mod 3)) + 1 done;
  Printf.printf "counters: %d %d %d\n" !(counters.(0)) !(counters.(1)) !(counters.(2));
  let x = ref 1.0 in
  let steps = ref 0 in
  while !x < 1e6 do x := !x *. 1.5; incr steps done;
  Printf.printf "float while: %d %g\n" !steps !x;
  let total = ref 0 in
  for i = 10 downto -10 do if i mod 3 = 0 then total := !total + i else total := !total - 1 done;
  Printf.printf "downto negative: %d\n" !total;
  let big = ref 0 in
  for i = 1 to 3_000_000 do big := !big + (i land 7) done;
  Printf.printf "3M iterations: %d\n" !big
