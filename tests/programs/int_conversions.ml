(* test: *)
(* Conversions between ints, strings, chars and floats: int_of_string formats and failures,
   string_of_int, Int.to_string, of_string_opt, bool_of_string. *)
let () =
  List.iter (fun s ->
      match int_of_string_opt s with
      | Some n -> Printf.printf "%S -> %d\n" s n
      | None -> Printf.printf "%S -> None\n" s)
    [ "0"; "-0"; "42"; "-42"; "+7"; "0x1F"; "0XfF"; "0o17"; "0b1011"; "1_000_000"; "4611686018427387903";
      "4611686018427387904"; "-4611686018427387904"; "-4611686018427387905"; "0x7fffffffffffffff";
      "0u4611686018427387904"; ""; " 1"; "1 "; "abc"; "0x"; "--1"; "9223372036854775807" ];
  (try ignore (int_of_string "12a") with Failure m -> Printf.printf "Failure %S\n" m);
  Printf.printf "%s %s %s\n" (string_of_int min_int) (Int.to_string max_int) (string_of_int (-0));
  Printf.printf "%b %b\n" (bool_of_string "true") (match bool_of_string_opt "yes" with None -> false | Some b -> b);
  (try ignore (bool_of_string "maybe") with Invalid_argument m -> Printf.printf "Invalid_argument %S\n" m);
  Printf.printf "%d %d %c\n" (Char.code 'A') (int_of_char '\255') (char_of_int 97);
  Printf.printf "%s %s %s\n" (string_of_float 1e100) (string_of_float (-0.)) (string_of_bool false);
  Printf.printf "%d %d\n" (int_of_float 1e18) (int_of_float (-1e18));
  Printf.printf "%Ld %ld\n" (Int64.of_string "-0x8000000000000000") (Int32.of_string "0xffffffff");
  (try ignore (Int32.of_string "0x1ffffffff") with Failure m -> Printf.printf "Int32: %s\n" m);
  Printf.printf "%s\n" (String.concat " " (List.map (fun n -> Printf.sprintf "%x/%o" n n) [ 0; 1; 255; -1 ]))
