(* Print the memory graph of a value as space-separated tokens, the format
   tests/unit/ocamltools.py renders from camllvm.marshal values:
     i<n>              immediate integer
     s<hex>            string (bytes)
     d<bits>           boxed float, Int64.bits_of_float
     a<bits>,<bits>..  flat float array (Double_array_tag)
     c                 custom block (int32, int64, nativeint...)
     x<tag>            closure or infix pointer (not traversed)
     b<tag>:<size>     block, followed by its fields
     @<k>              the k-th boxed value met before (sharing, cycles)
   Atoms (size 0) and strings of length <= 1 are never numbered. *)

module Phys = Hashtbl.Make (struct
  type t = Obj.t
  let equal = ( == )
  let hash = Hashtbl.hash
end)

let hex s =
  String.concat "" (List.init (String.length s) (fun i -> Printf.sprintf "%02x" (Char.code s.[i])))

let bits f = Int64.to_string (Int64.bits_of_float f)

let dump (out : string -> unit) (v : Obj.t) =
  let seen = Phys.create 64 in
  let count = ref 0 in
  let rec go v =
    if Obj.is_int v then out (Printf.sprintf "i%d" (Obj.obj v : int))
    else begin
      let tag = Obj.tag v in
      if tag = Obj.closure_tag || tag = Obj.infix_tag then out (Printf.sprintf "x%d" tag)
      else if Obj.size v = 0 && tag <> Obj.string_tag then out (Printf.sprintf "b%d:0" tag)
      else if tag = Obj.string_tag && String.length (Obj.obj v : string) <= 1 then
        out ("s" ^ hex (Obj.obj v))
      else
        match Phys.find_opt seen v with
        | Some k -> out (Printf.sprintf "@%d" k)
        | None ->
          Phys.add seen v !count;
          incr count;
          if tag = Obj.string_tag then out ("s" ^ hex (Obj.obj v))
          else if tag = Obj.double_tag then out ("d" ^ bits (Obj.obj v))
          else if tag = Obj.double_array_tag then begin
            let a : float array = Obj.obj v in
            out ("a" ^ String.concat "," (Array.to_list (Array.map bits a)))
          end
          else if tag = Obj.custom_tag then out "c"
          else begin
            out (Printf.sprintf "b%d:%d" tag (Obj.size v));
            for i = 0 to Obj.size v - 1 do go (Obj.field v i) done
          end
    end
  in
  go v

let to_channel oc v =
  let first = ref true in
  dump (fun s -> if not !first then output_char oc ' '; first := false; output_string oc s) v;
  output_char oc '\n'
