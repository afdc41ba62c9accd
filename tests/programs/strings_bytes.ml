(* test: *)
(* Strings and bytes: GETSTRINGCHAR, GETBYTESCHAR, SETBYTESCHAR, unsafe accesses, Buffer,
   bounds errors, conversions and the String/Bytes library. *)
let () =
  let s = "Hello, world!" in
  Printf.printf "len=%d s.[4]=%c unsafe=%c\n" (String.length s) s.[4] (String.unsafe_get s 7);
  let b = Bytes.of_string s in
  Bytes.set b 0 'J';
  Bytes.unsafe_set b 12 '?';
  Printf.printf "%s %c %c\n" (Bytes.to_string b) (Bytes.get b 1) (Bytes.unsafe_get b 0);
  (try ignore s.[13] with Invalid_argument m -> Printf.printf "get: %s\n" m);
  (try Bytes.set b (-1) 'x' with Invalid_argument m -> Printf.printf "set: %s\n" m);
  (try ignore (String.sub s 5 100) with Invalid_argument m -> Printf.printf "sub: %s\n" m);
  Printf.printf "%s|%s|%s\n" (String.uppercase_ascii s) (String.lowercase_ascii s)
    (String.capitalize_ascii "abc");
  Printf.printf "%S\n" (String.escaped "tab\there \"quoted\" \\ \001 \255");
  Printf.printf "%s\n" (String.concat "-" (String.split_on_char ',' "a,b,,c,"));
  Printf.printf "index=%d rindex=%d contains=%b\n" (String.index s 'o') (String.rindex s 'o')
    (String.contains s 'w');
  (try ignore (String.index s 'z') with Not_found -> print_endline "index: Not_found");
  Printf.printf "trim=[%s] make=[%s] init=[%s]\n" (String.trim "  x y \n") (String.make 3 'z')
    (String.init 5 (fun i -> Char.chr (97 + i)));
  Printf.printf "compare: %d %d %d %b\n" (compare "abc" "abd") (compare "b" "abc")
    (String.compare "" "") ("abc" = "ab" ^ "c");
  let buf = Buffer.create 4 in
  for i = 0 to 99 do Buffer.add_string buf (string_of_int i); Buffer.add_char buf ' ' done;
  Buffer.add_substring buf "xyz" 1 2;
  Printf.printf "buffer len=%d nth=%c sub=%s\n" (Buffer.length buf) (Buffer.nth buf 10)
    (Buffer.sub buf 280 12);
  Buffer.truncate buf 10;
  Printf.printf "truncated=[%s]\n" (Buffer.contents buf);
  let big = Bytes.make 100000 'a' in
  for i = 0 to Bytes.length big - 1 do
    if i mod 7 = 0 then Bytes.set big i (Char.chr (65 + (i mod 26)))
  done;
  let count = ref 0 in
  Bytes.iter (fun c -> if c <> 'a' then incr count) big;
  Printf.printf "big: count=%d at 700=%c\n" !count (Bytes.get big 700);
  let r = Bytes.create 10 in
  Bytes.blit_string "0123456789" 0 r 0 10;
  Bytes.blit r 0 r 3 5;
  Printf.printf "blit overlap: %s\n" (Bytes.to_string r);
  Printf.printf "mapi: %s\n" (String.mapi (fun i c -> if i mod 2 = 0 then Char.uppercase_ascii c else c) "abcdefg");
  Printf.printf "starts=%b ends=%b\n" (String.starts_with ~prefix:"He" s) (String.ends_with ~suffix:"!" s);
  Printf.printf "get_int32_le=%ld get_uint16_be=%d\n" (String.get_int32_le "\001\002\003\004" 0)
    (Bytes.get_uint16_be (Bytes.of_string "\255\001") 0);
  let dst = Bytes.make 12 '.' in
  Bytes.unsafe_blit (Bytes.of_string "abcdef") 1 dst 3 4;
  String.unsafe_blit "XYZ" 0 dst 9 3;
  Bytes.unsafe_fill dst 0 2 '#';
  Printf.printf "unsafe blit/fill: %s\n" (Bytes.to_string dst);
  let u = "h\xc3\xa9llo \xe2\x82\xac" in
  Printf.printf "utf8 bytes=%d %S\n" (String.length u) u
