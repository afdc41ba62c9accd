(* Exception-heavy control flow: n-queens where conflicts and completed boards raise.
   argv.(1) = board size (default 12).  quick-size: 7 *)

exception Conflict
exception Solved

let solve n =
  let cols = Array.make n (-1) in
  let count = ref 0 in
  (* Raise Conflict if a queen at (row, col) is attacked by an earlier row. *)
  let check row col =
    for r = 0 to row - 1 do
      let c = cols.(r) in
      if c = col || abs (c - col) = row - r then raise Conflict
    done
  in
  let rec place row =
    if row = n then begin
      incr count;
      raise Solved
    end;
    for col = 0 to n - 1 do
      try
        check row col;
        cols.(row) <- col;
        place (row + 1)
      with Conflict | Solved -> cols.(row) <- -1
    done;
    raise Conflict
  in
  (try place 0 with Conflict -> ());
  !count

let () =
  let n = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 12 in
  let total = ref 0 in
  for k = 4 to n do
    total := !total + solve k
  done;
  Printf.printf "queens %d: %d solutions, total for 4..%d: %d\n" n (solve n) n !total
