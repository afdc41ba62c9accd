(* Float kernel: Mandelbrot set escape counts over a grid.
   argv.(1) = grid side in points (default 1100).  quick-size: 60 *)

let max_iter = 200

let escape cr ci =
  let rec go zr zi k =
    if k = max_iter then k
    else
      let zr2 = zr *. zr and zi2 = zi *. zi in
      if zr2 +. zi2 > 4.0 then k else go (zr2 -. zi2 +. cr) ((2.0 *. zr *. zi) +. ci) (k + 1)
  in
  go 0.0 0.0 0

let () =
  let side = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 1100 in
  let inside = ref 0 and total = ref 0 and hash = ref 0 in
  for py = 0 to side - 1 do
    let ci = (2.4 *. float_of_int py /. float_of_int side) -. 1.2 in
    for px = 0 to side - 1 do
      let cr = (3.0 *. float_of_int px /. float_of_int side) -. 2.1 in
      let k = escape cr ci in
      if k = max_iter then incr inside;
      total := !total + k;
      hash := (!hash * 33 + k) land 0xFFFFFFF
    done
  done;
  Printf.printf "mandelbrot %d: inside %d, iterations %d, hash %d\n" side !inside !total !hash
