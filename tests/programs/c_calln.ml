(* test: libs=unix *)
(* A C primitive with more than 5 arguments (C_CALLN): unix_sendto takes 6, declared here
   directly so the call is in this module. Data is sent over a loopback UDP socket. *)
external sendto6 : Unix.file_descr -> bytes -> int -> int -> Unix.msg_flag list -> Unix.sockaddr -> int
  = "unix_sendto" "unix_sendto_native"

let () =
  let s = Unix.socket Unix.PF_INET Unix.SOCK_DGRAM 0 in
  Unix.bind s (Unix.ADDR_INET (Unix.inet_addr_loopback, 0));
  let addr = Unix.getsockname s in
  let msg = Bytes.of_string "..hello, sendto.." in
  let n = sendto6 s msg 2 14 [] addr in
  let buf = Bytes.create 64 in
  let m, from = Unix.recvfrom s buf 0 64 [] in
  Printf.printf "sent %d, received %d: %S, from loopback: %b\n" n m (Bytes.sub_string buf 0 m)
    (match from with Unix.ADDR_INET (a, _) -> a = Unix.inet_addr_loopback | _ -> false);
  let n2 = sendto6 s (Bytes.of_string "xy") 0 2 [] addr in
  let m2, _ = Unix.recvfrom s buf 0 64 [] in
  Printf.printf "second: %d %d %S\n" n2 m2 (Bytes.sub_string buf 0 m2);
  Unix.close s;
  print_endline "done"
