(* test: *)
(* Characters: codes, escapes, Char.chr errors, char matching compiled to switches. *)
let vowel c = match Char.lowercase_ascii c with 'a' | 'e' | 'i' | 'o' | 'u' | 'y' -> true | _ -> false

let category c =
  match c with
  | '\000' .. '\031' -> 0
  | ' ' -> 1
  | '!' .. '/' -> 2
  | '0' .. '9' -> 3
  | ':' .. '@' -> 4
  | 'A' .. 'Z' -> 5
  | '[' .. '`' -> 6
  | 'a' .. 'z' -> 7
  | '{' .. '~' -> 8
  | '\127' -> 9
  | _ -> 10

let () =
  let hist = Array.make 11 0 in
  for i = 0 to 255 do
    let c = Char.chr i in
    hist.(category c) <- hist.(category c) + 1
  done;
  Array.iteri (fun i n -> Printf.printf "cat%d=%d " i n) hist;
  print_newline ();
  String.iter (fun c -> print_char (if vowel c then Char.uppercase_ascii c else c))
    "The quick brown fox jumps over the lazy dog";
  print_newline ();
  List.iter (fun c -> Printf.printf "%s|%C|%d " (Char.escaped c) c (Char.code c))
    [ 'a'; '\n'; '\t'; '\\'; '\''; '"'; '\000'; '\200'; '\255' ];
  print_newline ();
  (try ignore (Char.chr 256) with Invalid_argument m -> Printf.printf "chr 256: %s\n" m);
  (try ignore (Char.chr (-1)) with Invalid_argument m -> Printf.printf "chr -1: %s\n" m);
  Printf.printf "compare=%d equal=%b unsafe_chr=%C\n" (Char.compare 'a' 'b') (Char.equal 'x' 'x')
    (Char.unsafe_chr 65);
  let rot13 c =
    match c with
    | 'a' .. 'z' -> Char.chr (((Char.code c - 97 + 13) mod 26) + 97)
    | 'A' .. 'Z' -> Char.chr (((Char.code c - 65 + 13) mod 26) + 65)
    | c -> c
  in
  print_endline (String.map rot13 "Hello, World! Uryyb?")
