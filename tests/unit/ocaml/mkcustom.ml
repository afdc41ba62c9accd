(* Marshal values that Dump cannot show to Sys.argv.(1); the test checks them by hand. *)
let oc = open_out_bin Sys.argv.(1)
let emit ?(flags = []) v = Marshal.to_channel oc v flags

let rec f x = if x = 0 then 0 else g (x - 1)
and g x = if x = 0 then 1 else f (x - 1)

let () =
  emit [ 0l; -1l; Int32.max_int; Int32.min_int ];
  emit [ 0L; -1L; Int64.max_int; Int64.min_int ];
  emit [ 3n; -3n; 0x7fffffffn; -0x80000000n; 0x80000000n; Nativeint.max_int; Nativeint.min_int ];
  let i = 42l in
  emit (i, i);
  emit ~flags:[ Marshal.Closures ] (f, g);
  emit (Array.make (1 lsl 22) 7);
  close_out oc
