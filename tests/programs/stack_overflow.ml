(* test: *)
(* Infinite non-tail recursion must raise Stack_overflow, which is caught; the program then
   keeps running (and overflows again, and recurses deeply again). *)
let rec forever n = 1 + forever (n + 1)
let rec forever_list n = n :: forever_list (n + 1)
let rec with_float x = 1. +. with_float (x *. 1.0000001)

let attempt name f =
  match f () with
  | _ -> Printf.printf "%s: returned?!\n" name
  | exception Stack_overflow -> Printf.printf "%s: caught Stack_overflow\n" name

let () =
  attempt "int recursion" (fun () -> forever 0);
  attempt "list recursion" (fun () -> List.length (forever_list 0));
  attempt "float recursion" (fun () -> int_of_float (with_float 1.));
  let rec sum n = if n = 0 then 0 else n + sum (n - 1) in
  Printf.printf "still works: %d\n" (sum 100000);
  attempt "again" (fun () -> forever 0);
  let r = try Printexc.to_string (ignore (forever 1); Not_found) with e -> Printexc.to_string e in
  print_endline r
