(* Integer recursion: doubly recursive Fibonacci, summed over a few sizes.
   argv.(1) = the largest n (default 37).  quick-size: 20 *)

let rec fib n = if n < 2 then n else fib (n - 1) + fib (n - 2)

let () =
  let n = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 37 in
  let total = ref 0 in
  for k = n - 3 to n do
    total := !total + fib k
  done;
  Printf.printf "fib %d = %d, checksum %d\n" n (fib n) !total
