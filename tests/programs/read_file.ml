(* test: files=input_data.txt binary_data.bin *)
(* Files the test puts in the working directory: text reading line by line, whole-file
   reads, seeking, binary reads, writing a new file and reading it back, channel errors. *)
let () =
  let ic = open_in "input_data.txt" in
  let n = in_channel_length ic in
  let lines = ref [] in
  (try while true do lines := input_line ic :: !lines done with End_of_file -> ());
  close_in ic;
  Printf.printf "length=%d lines=%d\n" n (List.length !lines);
  List.iteri (fun i l -> Printf.printf "%d: %S\n" i l) (List.rev !lines);
  let ic = open_in "input_data.txt" in
  seek_in ic 6;
  Printf.printf "after seek: %S pos=%d\n" (really_input_string ic 4) (pos_in ic);
  close_in ic;
  let ib = open_in_bin "binary_data.bin" in
  let len = in_channel_length ib in
  let data = really_input_string ib len in
  close_in ib;
  let sum = ref 0 in
  String.iter (fun c -> sum := !sum + Char.code c) data;
  Printf.printf "binary: len=%d sum=%d byte200=%d tail=%S\n" len !sum (Char.code data.[200]) (String.sub data 256 (len - 256));
  let oc = open_out "output.txt" in
  for i = 1 to 1000 do Printf.fprintf oc "line %d %s\n" i (String.make (i mod 13) '*') done;
  output_string oc "no newline at end";
  close_out oc;
  let ic = open_in "output.txt" in
  let count = ref 0 and chars = ref 0 in
  (try while true do let l = input_line ic in incr count; chars := !chars + String.length l done with End_of_file -> ());
  close_in ic;
  Printf.printf "output.txt: lines=%d chars=%d\n" !count !chars;
  let oc = open_out_gen [ Open_append; Open_creat ] 0o644 "output.txt" in
  output_string oc "\nappended";
  close_out oc;
  let ic = open_in_bin "output.txt" in
  seek_in ic (in_channel_length ic - 8);
  Printf.printf "appended: %S\n" (really_input_string ic 8);
  (try ignore (really_input_string ic 1) with End_of_file -> print_endline "really_input: End_of_file");
  close_in ic;
  (try ignore (open_in "does-not-exist.txt") with Sys_error m -> Printf.printf "Sys_error: %s\n" m);
  Printf.printf "exists: %b %b\n" (Sys.file_exists "output.txt") (Sys.file_exists "nope");
  Sys.rename "output.txt" "moved.txt";
  Printf.printf "readdir: %s\n" (String.concat "," (List.sort compare (Array.to_list (Sys.readdir "."))));
  Sys.remove "moved.txt";
  Printf.printf "is_directory .: %b\n" (Sys.is_directory ".");
  let ic = open_in "input_data.txt" in
  let c1 = input_char ic in
  let buf = Bytes.create 5 in
  let got = input ic buf 0 5 in
  Printf.printf "input_char %C then %d bytes %S\n" c1 got (Bytes.sub_string buf 0 got);
  close_in ic;
  (try ignore (input_char ic) with Sys_error m -> Printf.printf "closed channel: %s\n" m)
