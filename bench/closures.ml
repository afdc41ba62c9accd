(* Closures and higher-order functions: compose, fold, map, partial application.
   argv.(1) = number of rounds (default 12000).  quick-size: 5 *)

let compose f g x = f (g x)

let rec iterate n f x = if n = 0 then x else iterate (n - 1) f (f x)

let adders n = List.init n (fun i -> fun x -> (x + i) land 0xFFFFFF)

(* Compose every function of a list into one closure, then apply it. *)
let chain fs = List.fold_left (fun acc f -> compose f acc) (fun x -> x) fs

let curried a b c d = (a * 31 + b * 17 + c * 7 + d) land 0xFFFF

let round r =
  let fs = adders 200 in
  let big = chain fs in
  let v1 = iterate 50 big r in
  let partials = List.map (fun i -> curried i r) (List.init 100 (fun i -> i)) in
  let v2 = List.fold_left (fun acc p -> acc + p 3 (acc land 7)) 0 partials in
  let scaled = List.map (fun f -> compose (fun x -> x * 3) f) fs in
  let v3 = List.fold_right (fun f acc -> (f acc) land 0xFFFF) scaled 1 in
  let counter =
    let c = ref 0 in
    fun k -> c := !c + k; !c
  in
  let v4 = iterate 1000 (fun x -> counter (x land 15)) 0 in
  (v1 + v2 + v3 + v4) land 0x3FFFFFFF

let () =
  let rounds = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 12000 in
  let sum = ref 0 in
  for r = 1 to rounds do
    sum := (!sum * 7 + round r) land 0x3FFFFFFF
  done;
  Printf.printf "closures checksum %d\n" !sum
