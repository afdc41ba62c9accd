(* test: *)
(* Recursive value definitions (caml_alloc_dummy / caml_update_dummy): cyclic lists,
   records referring to functions and to themselves, lazy knots. *)
type node = { name : string; mutable next : node; value : int }
type fnode = { f : int -> int; data : int }

let rec ones = 1 :: ones
let rec abc = 'a' :: 'b' :: 'c' :: abc
let rec n1 = { name = "n1"; next = n2; value = 1 }
and n2 = { name = "n2"; next = n1; value = 2 }
let rec fr = { f = (fun x -> if x = 0 then fr.data else fr.f (x - 1) + 1); data = 10 }
let rec fl = [| 1.5; 2.5 |] and fl_user = (fun () -> fl.(0) +. fl.(1))

let rec take n l = if n = 0 then [] else match l with [] -> [] | x :: r -> x :: take (n - 1) r

let () =
  Printf.printf "ones: %s\n" (String.concat "," (List.map string_of_int (take 5 ones)));
  Printf.printf "abc: %s\n" (String.of_seq (List.to_seq (take 7 abc)));
  Printf.printf "cycle: %s %s %s %d\n" n1.name n1.next.name n1.next.next.name n1.next.next.next.value;
  Printf.printf "physical cycle: %b\n" (n1.next.next == n1);
  Printf.printf "record with closure: %d\n" (fr.f 5);
  Printf.printf "float array knot: %g\n" (fl_user ());
  let rec local = 0 :: 1 :: local in
  Printf.printf "local cycle: %d\n" (List.nth (take 10 local) 9);
  let rec even = function 0 -> true | n -> odd (n - 1) and odd = function 0 -> false | n -> even (n - 1) in
  let rec pair = (even, odd_ref) and odd_ref = ref 3 in
  Printf.printf "pair: %b %d\n" ((fst pair) 10) !(snd pair);
  n2.next <- n2;
  Printf.printf "after mutation: %s\n" n1.next.next.next.name
