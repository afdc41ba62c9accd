(* Arrays: sieve of Eratosthenes on a bool array, repeated; counts primes and twin primes.
   argv.(1) = number of sieves up to 2_000_000 (default 33).  quick-size: 1 *)

let sieve limit =
  let composite = Array.make (limit + 1) false in
  let i = ref 2 in
  while !i * !i <= limit do
    if not composite.(!i) then begin
      let j = ref (!i * !i) in
      while !j <= limit do
        composite.(!j) <- true;
        j := !j + !i
      done
    end;
    incr i
  done;
  let primes = ref 0 and twins = ref 0 and last = ref 0 in
  for k = 2 to limit do
    if not composite.(k) then begin
      incr primes;
      if k - !last = 2 then incr twins;
      last := k
    end
  done;
  (!primes, !twins, !last)

let () =
  let reps = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 33 in
  let sum = ref 0 in
  let result = ref (0, 0, 0) in
  for r = 1 to reps do
    let ((p, t, l) as res) = sieve (2_000_000 - r) in
    result := res;
    sum := !sum + p + t + l
  done;
  let p, t, l = !result in
  Printf.printf "primes %d, twins %d, largest %d, checksum %d\n" p t l !sum
