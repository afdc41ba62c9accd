(* test: *)
(* Deterministic pseudo-random numbers (Random with a fixed seed, Random.State) and MD5
   digests: both are exact, run-to-run stable computations. *)
let () =
  Random.init 42;
  Printf.printf "ints: %s\n" (String.concat " " (List.init 10 (fun _ -> string_of_int (Random.int 1000))));
  Printf.printf "floats: %s\n" (String.concat " " (List.init 5 (fun _ -> Printf.sprintf "%.6f" (Random.float 1.))));
  Printf.printf "bool/bits/int64: %b %d %Ld\n" (Random.bool ()) (Random.bits ()) (Random.int64 1_000_000_000_000L);
  let st = Random.State.make [| 1; 2; 3 |] in
  let st2 = Random.State.copy st in
  let a = List.init 5 (fun _ -> Random.State.int st 100) and b = List.init 5 (fun _ -> Random.State.int st2 100) in
  Printf.printf "state copy equal: %b %s\n" (a = b) (String.concat "," (List.map string_of_int a));
  let arr = Array.init 20 (fun i -> i) in
  for i = 19 downto 1 do let j = Random.int (i + 1) in let t = arr.(i) in arr.(i) <- arr.(j); arr.(j) <- t done;
  Printf.printf "shuffle: %s\n" (String.concat " " (Array.to_list (Array.map string_of_int arr)));
  List.iter (fun s -> Printf.printf "md5(%S) = %s\n" s (Digest.to_hex (Digest.string s)))
    [ ""; "a"; "abc"; "message digest"; String.make 1000 'x' ];
  Printf.printf "substring digest: %s\n" (Digest.to_hex (Digest.substring "0123456789" 2 5));
  Printf.printf "from_hex roundtrip: %b\n" (Digest.from_hex (Digest.to_hex (Digest.string "z")) = Digest.string "z")
