(* test: *)
(* Output channels: stdout and stderr buffering and flushing order (each stream compared on its
   own), print_* functions, output/output_substring, out_channel_length on a file,
   set_binary_mode, flush_all, channel positions. *)
let () =
  print_string "a"; print_char 'b'; print_int 42; print_float 1.5; print_newline ();
  prerr_string "e1 "; prerr_int 7; prerr_float 2.25; prerr_newline ();
  print_bytes (Bytes.of_string "bytes\n");
  output_substring stdout "0123456789" 3 4;
  output stdout (Bytes.of_string "XYZ") 1 2;
  print_endline "";
  Printf.fprintf stderr "stderr %s\n" "formatted";
  for i = 1 to 5000 do print_string (string_of_int i); if i mod 100 = 0 then print_newline () done;
  let oc = open_out_bin "chan.bin" in
  output_binary_int oc 0x01020304;
  output_value oc [ 1; 2; 3 ];
  output_byte oc 255;
  Printf.printf "pos_out=%d\n" (pos_out oc);
  seek_out oc 0;
  output_byte oc 9;
  close_out oc;
  let ic = open_in_bin "chan.bin" in
  let len = in_channel_length ic in
  let first = input_byte ic in
  seek_in ic 0;
  let i = input_binary_int ic in
  Printf.printf "in length=%d first byte=%d int=%x\n" len first i;
  let (l : int list) = input_value ic in
  Printf.printf "value=%d last=%d\n" (List.length l) (input_byte ic);
  close_in ic;
  set_binary_mode_out stdout true;
  print_string "binary mode\r\n";
  set_binary_mode_out stdout false;
  flush_all ();
  prerr_endline "last stderr line";
  print_string "last stdout line, no newline"
