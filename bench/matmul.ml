(* Float kernel: dense matrix multiplication (i-k-j loop order) on float arrays.
   argv.(1) = matrix side (default 380).  quick-size: 40 *)

let make n f = Array.init n (fun i -> Array.init n (fun j -> f i j))

let multiply a b =
  let n = Array.length a in
  let c = make n (fun _ _ -> 0.0) in
  for i = 0 to n - 1 do
    let ai = a.(i) and ci = c.(i) in
    for k = 0 to n - 1 do
      let aik = ai.(k) and bk = b.(k) in
      for j = 0 to n - 1 do
        ci.(j) <- ci.(j) +. (aik *. bk.(j))
      done
    done
  done;
  c

let () =
  let n = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 380 in
  let a = make n (fun i j -> float_of_int ((i * 7 + j * 3) mod 11) /. 10.0) in
  let b = make n (fun i j -> float_of_int ((i * 5 + j * 13) mod 17) /. 16.0 -. 0.5) in
  let c = multiply a b in
  let d = multiply c a in
  let trace = ref 0.0 and sum = ref 0.0 in
  for i = 0 to n - 1 do
    trace := !trace +. d.(i).(i);
    Array.iter (fun x -> sum := !sum +. x) d.(i)
  done;
  Printf.printf "matmul %d: trace %.6f, sum %.6f\n" n !trace !sum
