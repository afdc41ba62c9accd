(* test: *)
(* First-class modules: packing, unpacking, choosing implementations at run time,
   modules in data structures, functors applied to unpacked modules. *)
module type SHAPE = sig val name : string val area : float -> float end
module type STACK = sig type 'a t val empty : 'a t val push : 'a -> 'a t -> 'a t val to_list : 'a t -> 'a list end

let shapes : (module SHAPE) list =
  [ (module struct let name = "square" let area s = s *. s end);
    (module struct let name = "circle" let area r = 3.14 *. r *. r end);
    (module struct let name = "triangle" let area s = s *. s *. 0.433 end) ]

module ListStack : STACK = struct
  type 'a t = 'a list
  let empty = []
  let push x l = x :: l
  let to_list l = l
end

module RevStack : STACK = struct
  type 'a t = 'a list
  let empty = []
  let push x l = l @ [ x ]
  let to_list l = l
end

let use_stack (module S : STACK) = S.to_list (S.push 3 (S.push 2 (S.push 1 S.empty)))
let choose b : (module STACK) = if b then (module ListStack) else (module RevStack)

module type T = sig type t val v : t val show : t -> string end
let show_t (type a) (module M : T with type t = a) = M.show M.v
let make_t (type a) (v : a) (show : a -> string) = (module struct type t = a let v = v let show = show end : T with type t = a)

module Doubler (S : SHAPE) = struct let name = S.name ^ "x2" let area x = 2. *. S.area x end

let () =
  List.iter (fun (module S : SHAPE) -> Printf.printf "%s: %.3f\n" S.name (S.area 2.)) shapes;
  List.iter (fun b -> print_endline (String.concat "," (List.map string_of_int (use_stack (choose b))))) [ true; false ];
  Printf.printf "%s %s\n" (show_t (make_t 42 string_of_int)) (show_t (make_t "s" (fun s -> s ^ s)));
  let (module S) = List.nth shapes 1 in
  let module D = Doubler (S) in
  Printf.printf "%s %.2f\n" D.name (D.area 1.);
  let tbl = Hashtbl.create 4 in
  List.iter (fun ((module S : SHAPE) as m) -> Hashtbl.replace tbl S.name m) shapes;
  let (module Sq : SHAPE) = Hashtbl.find tbl "square" in
  Printf.printf "from table: %s %.1f\n" Sq.name (Sq.area 3.)
