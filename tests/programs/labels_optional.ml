(* test: *)
(* Labelled and optional arguments: defaults, omission, reordering, partial application. *)
let greet ?(greeting = "Hello") ?punct ~name () =
  greeting ^ ", " ^ name ^ (match punct with Some p -> p | None -> ".")

let range ?(step = 1) ~from ~until () =
  let rec go i acc = if i > until then List.rev acc else go (i + step) (i :: acc) in
  go from []

let scale ~by x = x * by
let sub ~a ~b = a - b
let opt_sum ?(a = 1) ?(b = 2) ?(c = 3) () = a + b + c
let wrap ?x f = match x with None -> f 0 | Some v -> f v

let () =
  print_endline (greet ~name:"world" ());
  print_endline (greet ~greeting:"Hi" ~name:"you" ~punct:"!" ());
  print_endline (greet ~punct:"?" ~name:"there" ());
  let g = greet ~greeting:"Yo" in
  print_endline (g ~name:"partial" ());
  let pr l = print_endline (String.concat " " (List.map string_of_int l)) in
  pr (range ~from:1 ~until:10 ());
  pr (range ~until:20 ~step:5 ~from:0 ());
  Printf.printf "%d %d %d\n" (scale ~by:3 5) (sub ~b:1 ~a:10) (List.fold_left (fun a x -> a + scale x ~by:2) 0 [ 1; 2; 3 ]);
  Printf.printf "%d %d %d %d\n" (opt_sum ()) (opt_sum ~b:20 ()) (opt_sum ~c:0 ~a:0 ()) (opt_sum ?a:(Some 5) ?b:None ());
  Printf.printf "%d %d\n" (wrap succ) (wrap ~x:41 succ);
  let f = sub ~b:5 in
  Printf.printf "%d\n" (List.fold_left (fun acc a -> acc + f ~a) 0 [ 10; 20 ]);
  let h ~x ~y ?(z = 0) w = x * 1000 + y * 100 + z * 10 + w in
  Printf.printf "%d %d %d\n" (h ~y:2 ~x:1 3) (h ~z:9 ~x:1 ~y:2 3) (List.hd (List.map (h ~x:5 ~y:5) [ 5 ]))
