(* test: libs=unix *)
(* Unix library: files (openfile/write/read/lseek/stat/lstat/rename/unlink/symlink), directories,
   pipes, fork/waitpid with exit codes and signals, dup2, gmtime, errors as Unix_error. *)
let () =
  print_endline "start";
  let fd = Unix.openfile "data.bin" [ Unix.O_CREAT; Unix.O_WRONLY; Unix.O_TRUNC ] 0o640 in
  let msg = Bytes.of_string "0123456789abcdef" in
  let n = Unix.write fd msg 0 16 in
  Unix.close fd;
  let st = Unix.stat "data.bin" in
  Printf.printf "wrote %d; size=%d kind=%s perm=%o nlink=%d\n" n st.Unix.st_size
    (match st.Unix.st_kind with Unix.S_REG -> "reg" | _ -> "other") st.Unix.st_perm st.Unix.st_nlink;
  let fd = Unix.openfile "data.bin" [ Unix.O_RDONLY ] 0 in
  ignore (Unix.lseek fd 10 Unix.SEEK_SET);
  let buf = Bytes.create 6 in
  let r = Unix.read fd buf 0 6 in
  Printf.printf "read %d: %s; at eof: %d\n" r (Bytes.to_string buf) (Unix.read fd buf 0 6);
  Unix.close fd;
  Unix.symlink "data.bin" "link.bin";
  Printf.printf "readlink=%s lstat kind is link=%b\n" (Unix.readlink "link.bin")
    ((Unix.lstat "link.bin").Unix.st_kind = Unix.S_LNK);
  Unix.rename "data.bin" "renamed.bin";
  Unix.mkdir "subdir" 0o755;
  let d = Unix.opendir "." in
  let entries = ref [] in
  (try while true do entries := Unix.readdir d :: !entries done with End_of_file -> ());
  Unix.closedir d;
  Printf.printf "dir: %s\n" (String.concat " " (List.sort compare !entries));
  (try ignore (Unix.stat "data.bin") with Unix.Unix_error (e, fn, arg) ->
     Printf.printf "Unix_error(%s, %s, %s)\n" (Unix.error_message e) fn arg);
  Unix.unlink "link.bin"; Unix.unlink "renamed.bin"; Unix.rmdir "subdir";
  let tm = Unix.gmtime 1_000_000_000. in
  Printf.printf "gmtime: %04d-%02d-%02d %02d:%02d:%02d wday=%d yday=%d\n" (tm.Unix.tm_year + 1900) (tm.Unix.tm_mon + 1)
    tm.Unix.tm_mday tm.Unix.tm_hour tm.Unix.tm_min tm.Unix.tm_sec tm.Unix.tm_wday tm.Unix.tm_yday;
  let rd, wr = Unix.pipe () in
  flush stdout;
  (match Unix.fork () with
   | 0 ->
       Unix.close rd;
       let s = Bytes.of_string "hello from child" in
       ignore (Unix.write wr s 0 (Bytes.length s));
       Unix._exit 7
   | pid ->
       Unix.close wr;
       let b = Bytes.create 100 in
       let k = Unix.read rd b 0 100 in
       Unix.close rd;
       let _, status = Unix.waitpid [] pid in
       Printf.printf "parent got [%s], child %s\n" (Bytes.sub_string b 0 k)
         (match status with Unix.WEXITED c -> "exited " ^ string_of_int c | Unix.WSIGNALED s -> "signaled " ^ string_of_int s
                          | Unix.WSTOPPED _ -> "stopped"));
  flush stdout;
  (match Unix.fork () with
   | 0 -> Unix.kill (Unix.getpid ()) Sys.sigkill; Unix._exit 0
   | pid ->
       let _, status = Unix.waitpid [] pid in
       Printf.printf "second child killed by sigkill: %b\n" (status = Unix.WSIGNALED Sys.sigkill));
  flush stdout;
  let saved = Unix.dup Unix.stdout in
  let out = Unix.openfile "redirected.txt" [ Unix.O_CREAT; Unix.O_WRONLY; Unix.O_TRUNC ] 0o644 in
  Unix.dup2 out Unix.stdout;
  print_string "this goes to the file";
  flush stdout;
  Unix.dup2 saved Unix.stdout;
  Unix.close out;
  let ic = open_in "redirected.txt" in
  Printf.printf "redirected content: [%s]\n" (input_line ic);
  close_in ic;
  let p = Unix.open_process_in "echo via shell; exit 4" in
  let line = input_line p in
  Printf.printf "process: [%s] status=%s\n" line
    (match Unix.close_process_in p with Unix.WEXITED c -> string_of_int c | _ -> "?");
  Printf.printf "isatty stdout=%b\n" (Unix.isatty Unix.stdout)
