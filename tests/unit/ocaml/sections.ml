(* What OCaml's own compiler-libs read from a bytecode executable:
     sections.byte EXE             table of contents, SYMB, CRCS and DBUG as text
     sections.byte EXE dump NAME   Dump of each marshalled value of section NAME
   Lines are tab-separated; camllvm's tests compare them with camllvm's reader. *)

open Instruct

let kind ev =
  match ev.ev_kind with Event_before -> "before" | Event_after _ -> "after" | Event_pseudo -> "pseudo"

(* DBUG, as runtime/backtrace_byt.c read_main_debug_info reads it *)
let events ic =
  let n = input_binary_int ic in
  for _ = 1 to n do
    let orig = input_binary_int ic in
    let (evl : debug_event list) = input_value ic in
    let (_dirs : string list) = input_value ic in
    List.iter
      (fun ev ->
        let s = ev.ev_loc.Location.loc_start and e = ev.ev_loc.Location.loc_end in
        Printf.printf "EVENT\t%d\t%s\t%s\t%d\t%d\t%d\t%s\t%s\n" (orig + ev.ev_pos) ev.ev_module
          s.Lexing.pos_fname s.Lexing.pos_lnum (s.Lexing.pos_cnum - s.Lexing.pos_bol)
          (e.Lexing.pos_cnum - s.Lexing.pos_bol) ev.ev_defname (kind ev))
      evl
  done

let summary ic =
  Printf.printf "FIRST\t%d\n" (Bytesections.pos_first_section ic);
  List.iter (fun (name, len) -> Printf.printf "SECTION\t%s\t%d\n" name len) (Bytesections.toc ());
  (match Bytesections.seek_section ic "SYMB" with
   | exception Not_found -> ()
   | _ ->
     let (map : Symtable.global_map) = input_value ic in
     Symtable.iter_global_map (fun id pos -> Printf.printf "GLOBAL\t%d\t%s\n" pos (Ident.name id)) map);
  (match Bytesections.seek_section ic "CRCS" with
   | exception Not_found -> ()
   | _ ->
     let (crcs : (string * Digest.t option) list) = input_value ic in
     List.iter
       (fun (name, crc) ->
         Printf.printf "CRC\t%s\t%s\n" name (match crc with None -> "-" | Some d -> Digest.to_hex d))
       crcs);
  match Bytesections.seek_section ic "DBUG" with exception Not_found -> () | _ -> events ic

(* Every marshalled value of a section; DBUG interleaves them with 4-byte words *)
let dump ic name =
  let len = Bytesections.seek_section ic name in
  let stop = pos_in ic + len in
  if name = "DBUG" then begin
    let n = input_binary_int ic in
    for _ = 1 to n do
      ignore (input_binary_int ic);
      Dump.to_channel stdout (input_value ic);
      Dump.to_channel stdout (input_value ic)
    done
  end
  else while pos_in ic < stop do Dump.to_channel stdout (input_value ic) done

let () =
  let ic = open_in_bin Sys.argv.(1) in
  Bytesections.read_toc ic;
  match Array.to_list Sys.argv with
  | [ _; _ ] -> summary ic
  | [ _; _; "dump"; name ] -> dump ic name
  | _ -> prerr_endline "usage: sections EXE [dump SECTION]"; exit 2
