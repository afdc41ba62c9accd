(* Integer recursion: Takeuchi's function and Ackermann's function.
   argv.(1) = repetitions of the tak call (default 1400).  quick-size: 2 *)

let rec tak x y z =
  if y < x then tak (tak (x - 1) y z) (tak (y - 1) z x) (tak (z - 1) x y) else z

let rec ack m n =
  if m = 0 then n + 1 else if n = 0 then ack (m - 1) 1 else ack (m - 1) (ack m (n - 1))

let () =
  let reps = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 1400 in
  let sum = ref 0 in
  for i = 1 to reps do
    sum := !sum + tak (18 + (i mod 3)) 12 6
  done;
  let a = ref 0 in
  for i = 1 to reps / 4 + 1 do
    a := !a + ack 2 (i mod 50) + ack 3 (5 + (i mod 3))
  done;
  Printf.printf "tak checksum %d, ack checksum %d\n" !sum !a
