(* test: libs=str *)
(* Str regular expressions: matching, groups, search, replace, split. *)
let () =
  let re = Str.regexp "\\([a-z]+\\)@\\([a-z]+\\)\\.com" in
  let s = "mail alice@example.com and bob@test.com now" in
  let rec all pos acc =
    match Str.search_forward re s pos with
    | p -> all (Str.match_end ()) ((p, Str.matched_group 1 s, Str.matched_group 2 s) :: acc)
    | exception Not_found -> List.rev acc
  in
  List.iter (fun (p, u, d) -> Printf.printf "at %d: user=%s domain=%s\n" p u d) (all 0 []);
  print_endline (Str.global_replace (Str.regexp "[0-9]+") "<n>" "a1b22c333d");
  print_endline (Str.global_replace (Str.regexp "\\([a-z]\\)\\([0-9]\\)") "\\2\\1" "a1b2c3");
  print_endline (Str.replace_first (Str.regexp "o") "0" "foo boo");
  print_endline (String.concat "|" (Str.split (Str.regexp "[ \t,]+") "a, b\t c,,d  e"));
  print_endline (String.concat "|" (Str.split_delim (Str.regexp ",") ",a,,b,"));
  List.iter (function Str.Text t -> Printf.printf "T(%s)" t | Str.Delim d -> Printf.printf "D(%s)" d)
    (Str.full_split (Str.regexp "[=;]") "k=v;x=y");
  print_newline ();
  let w = Str.string_match (Str.regexp "world") "hello world" 0 in
  let h = Str.string_match (Str.regexp "hel+o") "hellllo world" 0 in
  Printf.printf "string_match=%b %b matched=%s end=%d\n" h w (Str.matched_string "hellllo world") (Str.match_end ());
  Printf.printf "case-insensitive=%b quote=%s\n" (Str.string_match (Str.regexp_case_fold "HeLLo") "hello" 0) (Str.quote "a.b*c");
  Printf.printf "backward: %d\n" (Str.search_backward (Str.regexp "o") "foo boo" 6);
  let r = Str.regexp "^\\(.*\\)$" in
  let lines = "line one\nline two\nthree" in
  let n = ref 0 and pos = ref 0 in
  (try while true do ignore (Str.search_forward r lines !pos); incr n; pos := Str.match_end () + 1 done with Not_found | Invalid_argument _ -> ());
  Printf.printf "lines matched: %d\n" !n;
  Printf.printf "first_chars=%s last_chars=%s\n" (Str.first_chars "abcdef" 2) (Str.last_chars "abcdef" 3)
