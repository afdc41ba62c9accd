(* Strings and Buffer: build text, split it into words, reverse, count, concatenate.
   argv.(1) = number of rounds (default 600).  quick-size: 5 *)

let words = [| "alpha"; "beta"; "gamma"; "delta"; "epsilon"; "zeta"; "eta"; "theta" |]

let build_text seed count =
  let b = Buffer.create 1024 in
  let s = ref seed in
  for i = 1 to count do
    s := (!s * 1103515245 + 12345) land 0x3FFFFFFF;
    Buffer.add_string b words.((!s lsr 8) land 7);
    if i mod 10 = 0 then Buffer.add_char b '\n' else Buffer.add_char b ' ';
    if i mod 37 = 0 then Buffer.add_string b (string_of_int i)
  done;
  Buffer.contents b

let reverse s =
  let n = String.length s in
  String.init n (fun i -> s.[n - 1 - i])

let capitalise_words line =
  String.split_on_char ' ' line |> List.map String.capitalize_ascii |> String.concat "_"

let hash_string h s =
  let h = ref h in
  String.iter (fun c -> h := (!h * 31 + Char.code c) land 0x3FFFFFFF) s;
  !h

let round r =
  let text = build_text r 4000 in
  let lines = String.split_on_char '\n' text in
  let caps = List.map capitalise_words lines in
  let joined = String.concat "|" (List.rev_map reverse caps) in
  let upper = String.uppercase_ascii joined in
  let count_a = ref 0 in
  String.iter (fun c -> if c = 'A' then incr count_a) upper;
  let b = Bytes.of_string text in
  Bytes.iteri (fun i c -> if c = ' ' then Bytes.set b i '.') b;
  let subs = ref 0 in
  for i = 0 to (String.length text / 50) - 1 do
    subs := hash_string !subs (String.sub text (i * 50) 20)
  done;
  let nums = Buffer.create 256 in
  for i = 1 to 500 do
    Buffer.add_string nums (Printf.sprintf "%d:%x;" (i * r) i)
  done;
  hash_string (hash_string (!count_a + !subs) (Bytes.to_string b)) (Buffer.contents nums)

let () =
  let rounds = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 600 in
  let sum = ref 0 in
  for r = 1 to rounds do
    sum := (!sum + round r) land 0x3FFFFFFF
  done;
  Printf.printf "strings checksum %d\n" !sum
