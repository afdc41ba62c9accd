(* test: libs=unix *)
(* Signals: OCaml handlers installed with Sys.signal / Sys.set_signal, delivered by
   Unix.kill to ourselves and run at the next poll point; a handler that raises;
   ignoring and restoring the default behaviour. *)
let received = ref []

let () =
  let me = Unix.getpid () in
  let old = Sys.signal Sys.sigusr1 (Sys.Signal_handle (fun n -> received := ("usr1", n = Sys.sigusr1) :: !received)) in
  Printf.printf "previous handler was default: %b\n" (old = Sys.Signal_default);
  Sys.set_signal Sys.sigusr2 (Sys.Signal_handle (fun _ -> received := ("usr2", true) :: !received));
  Unix.kill me Sys.sigusr1;
  (* a loop with allocations and calls: the handler runs at a poll point *)
  let s = ref 0 in
  for i = 1 to 100000 do s := !s + String.length (string_of_int i) done;
  Unix.kill me Sys.sigusr2;
  for i = 1 to 100000 do s := !s + i land 3 done;
  List.iter (fun (n, ok) -> Printf.printf "handled %s (%b)\n" n ok) (List.rev !received);
  Printf.printf "work=%d\n" !s;
  Sys.set_signal Sys.sigusr1 Sys.Signal_ignore;
  Unix.kill me Sys.sigusr1;
  ignore (Unix.sleepf 0.01);
  Printf.printf "ignored: still %d handled\n" (List.length !received)

exception Interrupted of int

let () =
  Sys.set_signal Sys.sigusr2 (Sys.Signal_handle (fun n -> raise (Interrupted n)));
  let count = ref 0 in
  (try
     Unix.kill (Unix.getpid ()) Sys.sigusr2;
     while true do incr count; if !count > 100_000_000 then failwith "signal never delivered" done
   with Interrupted n -> Printf.printf "handler raised Interrupted (signal is usr2: %b)\n" (n = Sys.sigusr2));
  let blocked = Unix.sigprocmask Unix.SIG_BLOCK [ Sys.sigusr1 ] in
  Sys.set_signal Sys.sigusr1 (Sys.Signal_handle (fun _ -> print_endline "usr1 delivered after unblock"));
  Unix.kill (Unix.getpid ()) Sys.sigusr1;
  print_endline "usr1 is blocked now";
  ignore (Unix.sigprocmask Unix.SIG_SETMASK blocked);
  for _ = 1 to 1000 do ignore (Sys.opaque_identity (ref 0)) done;
  print_endline "end"
