(* test: *)
(* Marshal: data round trips (sharing, cycles, floats, int64, strings), byte-exact output,
   closures with Marshal.Closures (round trip and calling them), errors. *)
type tree = Leaf | Node of tree * int * tree
type r = { a : int; b : float; c : string list; d : int64; e : float array }

let rec insert x = function
  | Leaf -> Node (Leaf, x, Leaf)
  | Node (l, v, r) as t -> if x < v then Node (insert x l, v, r) else if x > v then Node (l, v, insert x r) else t

let rec sum = function Leaf -> 0 | Node (l, v, r) -> sum l + v + sum r
let hex s = String.concat "" (List.map (fun c -> Printf.sprintf "%02x" (Char.code c)) (List.of_seq (String.to_seq s)))

let () =
  let t = List.fold_left (fun t x -> insert x t) Leaf [ 5; 3; 8; 1; 4; 7; 9; 2; 6 ] in
  let s = Marshal.to_string t [] in
  Printf.printf "tree: %d bytes sum=%d hex=%s\n" (String.length s) (sum (Marshal.from_string s 0)) (hex s);
  let v = { a = -42; b = 3.5; c = [ "x"; "yz" ]; d = 0x1234_5678_9abcL; e = [| 1.; nan; -0. |] } in
  let s2 = Marshal.to_string v [ Marshal.No_sharing ] in
  let v' : r = Marshal.from_string s2 0 in
  Printf.printf "record: %s equal-ish=%b %Ld\n" (hex s2) (v'.a = v.a && v'.c = v.c && v'.d = v.d) v'.d;
  let shared = let x = "shared" in (x, x, [ x ]) in
  let s3 = Marshal.to_string shared [] and s4 = Marshal.to_string shared [ Marshal.No_sharing ] in
  let (p, q, _) : string * string * string list = Marshal.from_string s3 0 in
  Printf.printf "sharing: %d vs %d bytes, physically shared after=%b\n" (String.length s3) (String.length s4) (p == q);
  let rec cyc = 1 :: 2 :: cyc in
  let s5 = Marshal.to_string cyc [] in
  let cyc' : int list = Marshal.from_string s5 0 in
  Printf.printf "cycle: %s head=%d third=%d\n" (hex s5) (List.hd cyc') (List.nth cyc' 2);
  Printf.printf "header: data_size=%d total_size=%d\n" (Marshal.data_size (Bytes.of_string s) 0) (Marshal.total_size (Bytes.of_string s) 0);
  let k = 10 in
  let f x = (x * k) + 1 in
  let g = List.map f in
  let sf = Marshal.to_string f [ Marshal.Closures ] in
  let f' : int -> int = Marshal.from_string sf 0 in
  let sg = Marshal.to_string g [ Marshal.Closures ] in
  let g' : int list -> int list = Marshal.from_string sg 0 in
  Printf.printf "closure: len=%d call=%d mapped=%s\n" (String.length sf) (f' 5) (String.concat "," (List.map string_of_int (g' [ 1; 2; 3 ])));
  Printf.printf "closure bytes digest: %s %s\n" (Digest.to_hex (Digest.string sf)) (Digest.to_hex (Digest.string sg));
  (try ignore (Marshal.to_string f []) with Invalid_argument m -> Printf.printf "no Closures flag: %s\n" m);
  (try ignore (Marshal.from_string "garbage" 0 : int) with e -> Printf.printf "short input: %s\n" (Printexc.to_string e));
  (try ignore (Marshal.from_string (String.make 40 'g') 0 : int) with e -> Printf.printf "bad magic: %s\n" (Printexc.to_string e));
  let big = Array.init 10000 (fun i -> (i, string_of_int i)) in
  let sb = Marshal.to_string big [] in
  let big' : (int * string) array = Marshal.from_string sb 0 in
  Printf.printf "big: %d bytes, digest %s, ok=%b\n" (String.length sb) (Digest.to_hex (Digest.string sb)) (big = big');
  let buf = Bytes.create 100 in
  let n = Marshal.to_buffer buf 0 100 (1, "two", 3.) [] in
  Printf.printf "to_buffer: %d bytes\n" n;
  (try ignore (Marshal.to_buffer buf 0 10 big []) with Failure m -> Printf.printf "buffer overflow: %s\n" m);
  let file = "marshal.tmp" in
  let oc = open_out_bin file in
  Marshal.to_channel oc t [];
  Marshal.to_channel oc "second" [];
  close_out oc;
  let ic = open_in_bin file in
  let t2 : tree = Marshal.from_channel ic in
  let s2nd : string = Marshal.from_channel ic in
  (try ignore (Marshal.from_channel ic : int) with End_of_file -> print_endline "End_of_file at end");
  close_in ic;
  Printf.printf "channel: %d %s\n" (sum t2) s2nd
