(* test: *)
(* Modules: functors, functor application chains, include, local modules, recursive modules,
   module type constraints, generative functors. *)
module type ORDERED = sig type t val compare : t -> t -> int val to_string : t -> string end

module MakeSorted (O : ORDERED) = struct
  type t = O.t list
  let empty = []
  let rec add x = function [] -> [ x ] | y :: r as l -> if O.compare x y <= 0 then x :: l else y :: add x r
  let to_string l = "[" ^ String.concat "; " (List.map O.to_string l) ^ "]"
end

module IntO = struct type t = int let compare = compare let to_string = string_of_int end
module RevO (O : ORDERED) = struct include O let compare a b = O.compare b a end
module S1 = MakeSorted (IntO)
module S2 = MakeSorted (RevO (IntO))
module S3 = MakeSorted (RevO (RevO (IntO)))

module Counter () = struct let c = ref 0 let next () = incr c; !c end
module C1 = Counter ()
module C2 = Counter ()

module rec Even : sig val f : int -> bool end = struct let f n = n = 0 || Odd.f (n - 1) end
and Odd : sig val f : int -> bool end = struct let f n = n <> 0 && Even.f (n - 1) end

module rec Tree : sig type t = Node of string * Forest.t val size : t -> int end = struct
  type t = Node of string * Forest.t
  let size (Node (_, f)) = 1 + Forest.size f
end
and Forest : sig type t = Tree.t list val size : t -> int end = struct
  type t = Tree.t list
  let size l = List.fold_left (fun a t -> a + Tree.size t) 0 l
end

module Ext = struct
  include List
  let sum = fold_left ( + ) 0
end

let () =
  let l = [ 5; 1; 4; 2; 3 ] in
  Printf.printf "%s %s %s\n" (S1.to_string (List.fold_right S1.add l S1.empty))
    (S2.to_string (List.fold_right S2.add l S2.empty)) (S3.to_string (List.fold_right S3.add l S3.empty));
  ignore (C1.next ()); ignore (C1.next ());
  Printf.printf "generative: %d %d\n" (C1.next ()) (C2.next ());
  Printf.printf "recursive modules: %b %b\n" (Even.f 10) (Odd.f 7);
  let t = Tree.Node ("a", [ Tree.Node ("b", []); Tree.Node ("c", [ Tree.Node ("d", []) ]) ]) in
  Printf.printf "tree size: %d\n" (Tree.size t);
  Printf.printf "include: %d %d\n" (Ext.sum [ 1; 2; 3 ]) (Ext.length [ 1 ]);
  let module L = struct let x = 10 let f y = x * y end in
  Printf.printf "local module: %d\n" (L.f 4);
  let open Printf in
  printf "local open ok\n"
