(* test: *)
(* Printf: conversions, flags, widths, precisions, %a/%t, sprintf/bprintf/ksprintf,
   format concatenation, and Format boxes/breaks with asprintf. *)
let pp_pair ppf (a, b) = Format.fprintf ppf "(%d,@ %s)" a b

let () =
  Printf.printf "[%d] [%5d] [%-5d] [%05d] [%+d] [% d] [%i]\n" 42 42 42 42 42 42 (-7);
  Printf.printf "[%x] [%X] [%#x] [%o] [%#o] [%u]\n" 255 255 255 8 8 (-1);
  Printf.printf "[%s] [%10s] [%-10s] [%S] [%.3s]\n" "abc" "abc" "abc" "a\"b\n" "abcdef";
  Printf.printf "[%c] [%C] [%C] [%%] [%B] [%b]\n" 'x' 'y' '\'' true false;
  Printf.printf "[%f] [%.0f] [%.10f] [%e] [%g] [%G] [%F] [%h] [%H]\n" 1.5 2.5 (1. /. 3.) 12345.678 1e-5 1e20 1e10 0.1 (-3.75);
  Printf.printf "[%*d] [%-*d] [%.*f]\n" 6 1 6 2 3 3.14159;
  Printf.printf "[%ld] [%Ld] [%nd] [%lx] [%Lo]\n" 123l (-123L) 77n 255l 64L;
  Printf.printf "%a and %t\n" (fun oc s -> output_string oc (String.uppercase_ascii s)) "custom" (fun oc -> output_string oc "thunk");
  let s = Printf.sprintf "%d-%s-%.2f" 1 "two" 3. in
  print_endline s;
  let b = Buffer.create 16 in
  Printf.bprintf b "%d items" 3;
  Printf.bprintf b ", %s" "more";
  print_endline (Buffer.contents b);
  let k = Printf.ksprintf (fun s -> String.length s) "%s%s" "abc" "de" in
  Printf.printf "ksprintf len=%d\n" k;
  let fmt = "%d+" ^^ "%d=%d\n" in
  Printf.printf fmt 1 2 3;
  Printf.printf "%s\n" (Printf.sprintf "%08.3f|%-8.2e|%+.1g" 3.14159 0.000123 99999.);
  let e = Format.asprintf "@[<hov 2>list:@ %a@]" (Format.pp_print_list ~pp_sep:(fun ppf () -> Format.fprintf ppf ";@ ") pp_pair)
      (List.init 12 (fun i -> (i, String.make (i mod 4 + 1) 'w'))) in
  print_endline e;
  let e2 = Format.asprintf "@[<v>line1@,@[<h>h box %d@]@,%a@]" 7 (Format.pp_print_option Format.pp_print_int) (Some 3) in
  print_endline e2;
  Format.printf "@[<hv 4>hv:@ aaaaaaaaaaaaaaaaaaaa@ bbbbbbbbbbbbbbbbbbbbbbbbbbbb@ cccccccccccccccccccccccccccc@ dddddddddddddddd@]@.";
  Format.printf "%s %d %a@." "format" 12 Format.pp_print_float 1.25;
  Format.set_margin 30;
  Format.printf "@[<b 2>boxed:@ one@ two@ three@ four@ five@ six@ seven@ eight@]@.";
  Format.eprintf "to stderr via Format %d@." 99;
  let pp_tree =
    let rec pp ppf = function
      | `L s -> Format.fprintf ppf "%s" s
      | `N (a, b) -> Format.fprintf ppf "@[<hov 1>(%a@ %a)@]" pp a pp b
    in pp in
  Format.printf "%a@." pp_tree (`N (`N (`L "alpha", `L "beta"), `N (`L "gamma", `N (`L "delta", `L "epsilon"))));
  Printf.printf "%s\n" (Printf.sprintf "%c%c%c" 'a' 'b' 'c');
  Printf.eprintf "eprintf %s\n" "works"
