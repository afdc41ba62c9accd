(* Arrays: in-place quicksort (median of three, insertion sort for short ranges).
   argv.(1) = number of arrays of 100000 ints to sort (default 55).  quick-size: 1 *)

let swap a i j =
  let t = a.(i) in
  a.(i) <- a.(j);
  a.(j) <- t

let insertion a lo hi =
  for i = lo + 1 to hi do
    let v = a.(i) in
    let j = ref (i - 1) in
    while !j >= lo && a.(!j) > v do
      a.(!j + 1) <- a.(!j);
      decr j
    done;
    a.(!j + 1) <- v
  done

let rec quicksort a lo hi =
  if hi - lo < 16 then insertion a lo hi
  else begin
    let mid = lo + ((hi - lo) / 2) in
    if a.(mid) < a.(lo) then swap a mid lo;
    if a.(hi) < a.(lo) then swap a hi lo;
    if a.(hi) < a.(mid) then swap a hi mid;
    let pivot = a.(mid) in
    let i = ref lo and j = ref hi in
    while !i <= !j do
      while a.(!i) < pivot do incr i done;
      while a.(!j) > pivot do decr j done;
      if !i <= !j then begin
        swap a !i !j;
        incr i;
        decr j
      end
    done;
    quicksort a lo !j;
    quicksort a !i hi
  end

let () =
  let count = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 55 in
  let n = 100_000 in
  let seed = ref 42 in
  let sum = ref 0 in
  for k = 1 to count do
    let a = Array.init n (fun _ -> seed := (!seed * 1103515245 + 12345) land 0x3FFFFFFF; !seed) in
    quicksort a 0 (n - 1);
    for i = 1 to n - 1 do
      if a.(i - 1) > a.(i) then failwith "not sorted"
    done;
    sum := (!sum + a.(0) + a.(n / 2) * k + a.(n - 1)) land 0x3FFFFFFF
  done;
  Printf.printf "qsort checksum %d\n" !sum
