(* test: flags=-g *)
(* Printexc backtrace API: record_backtrace, get_backtrace after a caught exception,
   raw backtraces and slots, backtrace across C primitive raises, get_callstack. *)
exception Oops of int

let rec recurse n = if n = 0 then raise (Oops 1) else recurse (n - 1) + 1
let from_c () = int_of_string "not a number"
let reraiser () = try recurse 3 with Oops n -> raise (Oops (n + 1))
let notrace () = raise_notrace Exit

let show name f =
  match f () with
  | _ -> Printf.printf "%s: no exception\n" name
  | exception e ->
      Printf.printf "--- %s: %s\n%s" name (Printexc.to_string e) (Printexc.get_backtrace ())

let () =
  Printf.printf "recording initially: %b\n" (Printexc.backtrace_status ());
  show "before record" (fun () -> recurse 2);
  Printexc.record_backtrace true;
  Printf.printf "recording now: %b\n" (Printexc.backtrace_status ());
  show "recurse" (fun () -> recurse 4);
  show "from C" from_c;
  show "reraiser" reraiser;
  show "notrace" notrace;
  show "array bound" (fun () -> [| 1 |].(Sys.opaque_identity 3));
  show "div" (fun () -> 1 / Sys.opaque_identity 0);
  (try ignore (recurse 2) with _ ->
     let bt = Printexc.get_raw_backtrace () in
     Printf.printf "raw length=%d\n" (Printexc.raw_backtrace_length bt);
     match Printexc.backtrace_slots bt with
     | None -> print_endline "no slots"
     | Some slots ->
         Array.iteri (fun i s ->
             match Printexc.Slot.location s with
             | Some l -> Printf.printf "slot %d: %s:%d:%d-%d raise=%b inline=%b\n" i l.Printexc.filename
                           l.Printexc.line_number l.Printexc.start_char l.Printexc.end_char
                           (Printexc.Slot.is_raise s) (Printexc.Slot.is_inline s)
             | None -> Printf.printf "slot %d: no location\n" i) slots);
  let cs = Printexc.get_callstack 5 in
  Printf.printf "callstack:\n%s" (Printexc.raw_backtrace_to_string cs);
  Printexc.record_backtrace false;
  show "after disabling" (fun () -> recurse 1)
