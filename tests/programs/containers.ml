(* test: *)
(* Queue, Stack, Seq, Stream (4.13 still has it), Buffer and Option/Result/Either helpers. *)
let () =
  let q = Queue.create () in
  for i = 1 to 5 do Queue.add (i * i) q done;
  Printf.printf "queue: pop=%d peek=%d len=%d\n" (Queue.pop q) (Queue.peek q) (Queue.length q);
  Printf.printf "queue fold: %d\n" (Queue.fold ( + ) 0 q);
  (try let e = Queue.create () in ignore (Queue.pop e) with Queue.Empty -> print_endline "Queue.Empty");
  let s = Stack.create () in
  List.iter (fun x -> Stack.push x s) [ "a"; "b"; "c" ];
  Printf.printf "stack: %s %s len=%d\n" (Stack.pop s) (Stack.top s) (Stack.length s);
  (try let e = Stack.create () in ignore (Stack.pop e) with Stack.Empty -> print_endline "Stack.Empty");
  let nat = Seq.unfold (fun n -> Some (n, n + 1)) 0 in
  let rec take n sq = if n = 0 then [] else match sq () with Seq.Nil -> [] | Seq.Cons (x, r) -> x :: take (n - 1) r in
  Printf.printf "seq: %s\n" (String.concat " " (List.map string_of_int (take 10 (Seq.filter (fun x -> x mod 3 = 0) nat))));
  Printf.printf "seq fold: %d\n" (Seq.fold_left ( + ) 0 (List.to_seq [ 1; 2; 3; 4 ]));
  let st = Stream.of_list [ 1; 2; 3; 4; 5 ] in
  Printf.printf "stream: next=%d peek=%s npeek=%d\n" (Stream.next st)
    (match Stream.peek st with Some x -> string_of_int x | None -> "-") (List.length (Stream.npeek 10 st));
  Stream.junk st;
  let rest = ref [] in
  Stream.iter (fun x -> rest := x :: !rest) st;
  Printf.printf "stream rest: %s\n" (String.concat "," (List.rev_map string_of_int !rest));
  (try ignore (Stream.next st) with Stream.Failure -> print_endline "Stream.Failure");
  let chars = Stream.of_string "abc" in
  Printf.printf "stream of string: %c%c count=%d\n" (Stream.next chars) (Stream.next chars) (Stream.count chars);
  Printf.printf "option: %d %b %s\n" (Option.value ~default:0 (Option.map succ (Some 4))) (Option.is_none None)
    (Option.fold ~none:"none" ~some:string_of_int (Some 9));
  Printf.printf "result: %d %s\n" (Result.value ~default:0 (Result.map succ (Ok 1)))
    (match Result.bind (Error "e") (fun x -> Ok (x + 1)) with Ok _ -> "ok" | Error e -> e);
  Printf.printf "either: %s\n" (match Either.left 3 with Either.Left n -> "left " ^ string_of_int n | Either.Right _ -> "right");
  let b = Buffer.create 1 in
  Buffer.add_utf_8_uchar b (Uchar.of_int 0x20AC);
  Buffer.add_int32_be b 0x41424344l;
  Printf.printf "buffer bytes: %S\n" (Buffer.contents b)
