(* test: *)
(* Records (immutable, mutable, with many fields), variants with arguments, options, results,
   inline records, and matching on them. *)
type color = Red | Green | Blue | Rgb of int * int * int | Named of string
type shape =
  | Circle of { cx : float; cy : float; r : float }
  | Rect of { x0 : int; y0 : int; mutable w : int; mutable h : int }
  | Empty
type person = { name : string; mutable age : int; tags : string list; score : float option }
type big = { f0 : int; f1 : int; f2 : int; mutable f3 : int; f4 : int; f5 : int; f6 : string; mutable f7 : int }

let color_str = function
  | Red -> "red" | Green -> "green" | Blue -> "blue"
  | Rgb (r, g, b) when r = g && g = b -> Printf.sprintf "grey%d" r
  | Rgb (r, g, b) -> Printf.sprintf "rgb(%d,%d,%d)" r g b
  | Named s -> "named:" ^ s

let area = function
  | Circle { r; _ } -> 3. *. r *. r
  | Rect { w; h; _ } -> float_of_int (w * h)
  | Empty -> 0.

let () =
  List.iter (fun c -> print_string (color_str c ^ " "))
    [ Red; Green; Blue; Rgb (1, 2, 3); Rgb (7, 7, 7); Named "teal" ];
  print_newline ();
  let r = Rect { x0 = 0; y0 = 0; w = 3; h = 4 } in
  (match r with Rect rr -> rr.w <- 10 | _ -> ());
  List.iter (fun s -> Printf.printf "%g " (area s)) [ Circle { cx = 0.; cy = 1.; r = 2. }; r; Empty ];
  print_newline ();
  let p = { name = "Ada"; age = 36; tags = [ "math" ]; score = Some 9.5 } in
  let q = { p with name = "Alan"; score = None } in
  p.age <- p.age + 1;
  let pp x = Printf.printf "%s %d [%s] %s\n" x.name x.age (String.concat ";" x.tags)
      (match x.score with Some s -> string_of_float s | None -> "-") in
  pp p; pp q;
  let b = { f0 = 0; f1 = 1; f2 = 2; f3 = 3; f4 = 4; f5 = 5; f6 = "six"; f7 = 7 } in
  b.f7 <- b.f7 * 100 + b.f5 + b.f4;
  b.f3 <- b.f3 * 11;
  let b2 = { b with f2 = 22; f6 = "SIX" } in
  Printf.printf "big: %d %d %s %d %d / %d %s %b\n" b.f0 b.f5 b.f6 b.f7 b.f3 b2.f2 b2.f6 (b = b2);
  let results = List.map (fun x -> if x > 0 then Ok x else Error ("bad " ^ string_of_int x)) [ 3; -1; 0; 8 ] in
  List.iter (function Ok v -> Printf.printf "ok:%d " v | Error e -> Printf.printf "err:%s " e) results;
  print_newline ();
  let opts = [ Some 1; None; Some 3 ] in
  Printf.printf "options: %d %s\n" (List.fold_left (fun a o -> a + Option.value o ~default:100) 0 opts)
    (String.concat "," (List.map (function Some x -> string_of_int x | None -> "_") opts));
  Printf.printf "compare variants: %d %d %d %b\n" (compare Red Blue) (compare (Rgb (1, 2, 3)) Red)
    (compare (Named "a") (Rgb (9, 9, 9))) (Rgb (1, 2, 3) = Rgb (1, 2, 3))
