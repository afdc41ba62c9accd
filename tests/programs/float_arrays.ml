(* test: *)
(* Float arrays (Double_array_tag), float records, Float.Array, polymorphic array code on floats. *)
type point = { px : float; py : float }
type mixed = { name : string; weight : float }

let sum a = Array.fold_left ( +. ) 0. a

let poly_swap (a : 'a array) i j =
  let t = a.(i) in
  a.(i) <- a.(j);
  a.(j) <- t

let () =
  let a = Array.make 300 1.25 in
  Printf.printf "len=%d sum=%g tag=%d\n" (Array.length a) (sum a) (Obj.tag (Obj.repr a));
  let b = [| 3.; 1.; 2.; nan; -0.; infinity; -1e-300 |] in
  let c = Array.copy b in
  Array.sort compare c;
  Printf.printf "sorted: %s\n" (String.concat " " (Array.to_list (Array.map string_of_float c)));
  poly_swap b 0 1;
  Printf.printf "swapped: %g %g\n" b.(0) b.(1);
  let m = Array.make_matrix 3 4 0. in
  for i = 0 to 2 do
    for j = 0 to 3 do m.(i).(j) <- float_of_int (i * 10 + j) /. 2. done
  done;
  Array.iter (fun row -> Array.iter (Printf.printf "%5.1f") row; print_newline ()) m;
  let pts = Array.init 5 (fun i -> { px = float_of_int i; py = float_of_int (i * i) }) in
  Array.iter (fun p -> Printf.printf "(%g,%g)" p.px p.py) pts;
  print_newline ();
  let ms = [ { name = "a"; weight = 1.5 }; { name = "b"; weight = -2. } ] in
  List.iter (fun m -> Printf.printf "%s:%g " m.name m.weight) ms;
  print_newline ();
  let fa = Float.Array.init 8 (fun i -> sqrt (float_of_int i)) in
  Float.Array.set fa 0 42.;
  Printf.printf "Float.Array: len=%d get3=%.6f sum=%.6f\n" (Float.Array.length fa)
    (Float.Array.get fa 3) (Float.Array.fold_left ( +. ) 0. fa);
  (try ignore (a.(300)) with Invalid_argument m -> Printf.printf "Invalid_argument %S\n" m);
  (try a.(-1) <- 0. with Invalid_argument m -> Printf.printf "Invalid_argument %S\n" m);
  let big = Array.append a (Array.sub b 0 3) in
  Printf.printf "append len=%d last=%g\n" (Array.length big) big.(302);
  let e : float array = [||] in
  Printf.printf "empty len=%d\n" (Array.length e);
  let l = Array.to_list (Array.map (fun x -> x *. 2.) [| 0.5; 1.5 |]) in
  List.iter (Printf.printf "%g ") l;
  print_newline ();
  let ba = Array.make 10 0. in
  Array.blit [| 1.; 2.; 3. |] 0 ba 7 3;
  Array.fill ba 0 2 9.;
  Printf.printf "blit/fill: %s\n" (String.concat "," (Array.to_list (Array.map string_of_float ba)))
