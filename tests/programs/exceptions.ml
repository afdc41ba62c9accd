(* test: *)
(* Exceptions: raise/try, re-raise (RERAISE), raise_notrace, arguments, nested handlers,
   handlers in loops, exceptions from C primitives, Fun.protect ~finally, local exceptions. *)
exception Simple
exception With_int of int
exception With_pair of string * float
exception Rec of { code : int; msg : string }

let describe = function
  | Simple -> "Simple"
  | With_int n -> Printf.sprintf "With_int %d" n
  | With_pair (s, f) -> Printf.sprintf "With_pair (%s, %g)" s f
  | Rec { code; msg } -> Printf.sprintf "Rec {%d; %s}" code msg
  | Not_found -> "Not_found"
  | Failure m -> "Failure " ^ m
  | Invalid_argument m -> "Invalid_argument " ^ m
  | Division_by_zero -> "Division_by_zero"
  | End_of_file -> "End_of_file"
  | Exit -> "Exit"
  | e -> "other: " ^ Printexc.to_string e

let try_ f = try f (); "no exception" with e -> describe e

let () =
  List.iter (fun f -> print_endline (try_ f))
    [ (fun () -> ignore (raise Simple)); (fun () -> ignore (raise (With_int 42)));
      (fun () -> ignore (raise (With_pair ("pi", 3.14)))); (fun () -> raise (Rec { code = 7; msg = "seven" }));
      (fun () -> ignore (int_of_string "12x")); (fun () -> ignore (float_of_string "?"));
      (fun () -> ignore (List.find (fun x -> x > 10) [ 1; 2 ])); (fun () -> ignore (String.make (-1) 'c'));
      (fun () -> ignore (1 / (Sys.opaque_identity 0))); (fun () -> ignore (input_line (open_in "/dev/null")));
      (fun () -> ignore (failwith "custom")); (fun () -> ignore (invalid_arg "bad arg")); (fun () -> ignore (raise Exit));
      (fun () -> ignore (Hashtbl.find (Hashtbl.create 1) 0)); (fun () -> ignore (Char.chr 1000));
      (fun () -> ignore (Bytes.create (-5))); (fun () -> ignore (raise_notrace (With_int (-1))));
      (fun () -> ()) ]

(* a handler that does not match re-raises (RERAISE) to the outer one *)
let reraise_test () =
  try
    try raise (With_int 1) with Not_found -> print_endline "wrong handler"
  with With_int n -> Printf.printf "outer caught With_int %d\n" n

let explicit_reraise () =
  try
    try raise Simple with e -> print_endline "inner saw it"; raise e
  with Simple -> print_endline "outer got it again"

let loop_with_handlers () =
  let caught = ref 0 and sum = ref 0 in
  for i = 1 to 100000 do
    try
      if i mod 3 = 0 then raise (With_int i);
      if i mod 5 = 0 then raise Not_found;
      sum := !sum + i
    with
    | With_int n -> caught := !caught + 1; sum := !sum - n
    | Not_found -> caught := !caught + 1000
  done;
  Printf.printf "loop: caught=%d sum=%d\n" !caught !sum

let finally_test () =
  let log = Buffer.create 16 in
  let r = Fun.protect ~finally:(fun () -> Buffer.add_string log "[finally1]") (fun () -> 5) in
  (try
     Fun.protect ~finally:(fun () -> Buffer.add_string log "[finally2]") (fun () -> raise Simple)
   with Simple -> Buffer.add_string log "[caught]");
  (try
     Fun.protect ~finally:(fun () -> raise Exit) (fun () -> ())
   with Fun.Finally_raised e -> Buffer.add_string log ("[Finally_raised " ^ describe e ^ "]"));
  Printf.printf "finally: %d %s\n" r (Buffer.contents log)

let local_exn () =
  let module M = struct exception Local of int end in
  let f x = if x > 2 then raise (M.Local x) else x in
  try f 1 + f 5 with M.Local n -> n * 100

let nested_depth () =
  let rec go n = if n = 0 then raise (With_int 0) else try go (n - 1) with With_int k -> raise (With_int (k + 1)) in
  try go 1000 with With_int k -> k

let () =
  reraise_test ();
  explicit_reraise ();
  loop_with_handlers ();
  finally_test ();
  Printf.printf "local exception: %d\n" (local_exn ());
  Printf.printf "nested rethrow depth: %d\n" (nested_depth ());
  let r = match List.assoc 3 [ (1, "a") ] with v -> v | exception Not_found -> "match-exception" in
  print_endline r;
  Printf.printf "exn equality: %b %b\n" (With_int 1 = With_int 1) (Simple = Simple);
  Printf.printf "Printexc: %s | %s | %s\n" (Printexc.to_string (With_pair ("a", 1.)))
    (Printexc.to_string (Rec { code = 1; msg = "m" })) (Printexc.to_string (Failure "f"));
  Printf.printf "exn name/id stable: %s\n" (Printexc.exn_slot_name (With_int 3))
