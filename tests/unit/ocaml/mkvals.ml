(* Marshal test values to Sys.argv.(1), one after another, and print on
   stdout, one line each, the name and the Dump of the value as OCaml's
   own unmarshaller (Marshal.from_string) reads it back. *)

type point = { x : float; y : float }
type big = { f0 : int; f1 : int; f2 : int; f3 : int; f4 : int; f5 : int; f6 : int; f7 : int; f8 : string }
type many = C0 | K0 of int | K1 of int | K2 of int | K3 of int | K4 of int | K5 of int | K6 of int
  | K7 of int | K8 of int | K9 of int | K10 of int | K11 of int | K12 of int | K13 of int
  | K14 of int | K15 of int | K16 of int | K17 of int * string

let oc = open_out_bin Sys.argv.(1)

let emit ?(flags = []) name v =
  let data = Marshal.to_string v flags in
  output_string oc data;
  print_string (name ^ "\t");
  Dump.to_channel stdout (Marshal.from_string data 0 : Obj.t)

let () =
  List.iter (fun n -> emit (Printf.sprintf "int %d" n) n)
    [ 0; 1; -1; 63; 64; 127; 128; -128; -129; 255; 256; 32767; 32768; -32768; -32769;
      65535; 65536; 0x7fffffff; 0x80000000; -0x80000000; -0x80000001; 1 lsl 40;
      max_int; min_int ];
  List.iter (fun n -> emit (Printf.sprintf "string %d" n) (String.init n (fun i -> Char.chr ((i * 7 + n) land 255))))
    [ 0; 1; 2; 31; 32; 33; 255; 256; 65535; 65536; 70001 ];
  emit "string nul" "a\000b\255";
  List.iter (fun (name, f) -> emit ("float " ^ name) f)
    [ ("0", 0.0); ("-0", -0.0); ("1.5", 1.5); ("nan", nan); ("inf", infinity);
      ("-inf", neg_infinity); ("max", max_float); ("min_sub", 5e-324); ("pi", 4.0 *. atan 1.0) ];
  List.iter (fun n -> emit (Printf.sprintf "float array %d" n) (Array.init n (fun i -> float i /. 3.0)))
    [ 0; 1; 2; 255; 256; 1000 ];
  emit "float record" { x = 1.25; y = -2.5 };
  emit "float in tuple" (1.0, 2.0, "x");
  emit "tuple" (1, "two", 3);
  emit "list" [ 1; 2; 3 ];
  emit "option" (Some (Some None));
  emit "unit list" [ (); () ];
  emit "big record" { f0 = 0; f1 = 1; f2 = 2; f3 = 3; f4 = 4; f5 = 5; f6 = 6; f7 = 7; f8 = "eight" };
  emit "constructors" [ C0; K0 0; K15 15; K16 16; K17 (17, "seventeen") ];
  emit "int array 1000" (Array.init 1000 (fun i -> i * i - 500));
  emit "empty array" [||];
  let s = "shared" in
  emit "shared string" (s, s, [ s; s ]);
  emit ~flags:[ Marshal.No_sharing ] "no sharing" (s, s);
  let r = ref 0 in
  emit "shared ref" (r, r);
  let fl = 3.5 in
  emit "shared float" (fl, fl);
  let first = "first" in
  emit "shared16" ((first :: List.init 300 string_of_int) @ [ first ]);
  emit "shared32" ((first :: List.init 70000 string_of_int) @ [ first ]);
  let rec cyc = 1 :: 2 :: cyc in
  emit "cycle" cyc;
  emit "long list" (List.init 100000 (fun i -> i));
  emit "deep left" (List.fold_left (fun acc i -> Obj.repr (acc, i)) (Obj.repr 0) (List.init 100000 (fun i -> i)));
  emit "lazy forced" (let l = lazy (1 + 1) in ignore (Lazy.force l); (l, 0));
  close_out oc
