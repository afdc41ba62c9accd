(* test: *)
(* Objects and classes: public method calls (GETPUBMET), self calls (GETMETHOD), inheritance,
   virtual methods, initializers, instance variables, functional update, immediate objects,
   calls on objects of unknown class, dynamic method lookup by name (GETDYNMET via %send). *)
class virtual shape name =
  object (self)
    val name : string = name
    method virtual area : float
    method name = name
    method describe = Printf.sprintf "%s with area %.2f" self#name self#area
  end

class circle r =
  object
    inherit shape "circle"
    method area = 3.14159 *. r *. r
  end

class square s =
  object (self)
    inherit shape "square" as super
    method area = s *. s
    method! describe = "[" ^ super#describe ^ "] side=" ^ string_of_float s ^ " " ^ self#extra
    method private extra = "private!"
  end

class counter =
  object
    val mutable count = 0
    val step = 1
    method incr = count <- count + step; count
    method get = count
    method with_step s = {< step = s >}
  end

class logged_counter =
  object
    inherit counter as super
    val mutable log = []
    method! incr = let v = super#incr in log <- v :: log; v
    method log = List.rev log
    initializer log <- [ -1 ]
  end

let total_area (l : < area : float; .. > list) = List.fold_left (fun a s -> a +. s#area) 0. l
let call_m o = o#m 10

external send : < .. > -> CamlinternalOO.tag -> 'a = "%send"
let send_by_name (o : < .. >) name : 'a = send o (CamlinternalOO.public_method_label name)

class ['a] stack =
  object
    val mutable items : 'a list = []
    method push x = items <- x :: items
    method pop = match items with [] -> None | x :: r -> items <- r; Some x
    method size = List.length items
  end

let () =
  let shapes = [ (new circle 1. :> shape); (new square 2. :> shape); (new circle 0.5 :> shape) ] in
  List.iter (fun s -> print_endline s#describe) shapes;
  Printf.printf "total area %.4f\n" (total_area shapes);
  let c = new counter in
  ignore c#incr; ignore c#incr;
  let c10 = c#with_step 10 in
  ignore c10#incr;
  Printf.printf "counter %d, copy-with-step %d\n" c#get c10#get;
  let lc = new logged_counter in
  for _ = 1 to 3 do ignore lc#incr done;
  Printf.printf "logged: %s\n" (String.concat "," (List.map string_of_int lc#log));
  let o1 = object method m x = x + 1 end in
  let o2 = object val k = 5 method m x = x * k method other = "o2" end in
  Printf.printf "unknown class calls: %d %d\n" (call_m o1) (call_m o2);
  let obj = object
      method foo = 42
      method bar x = x ^ "!"
      method baz a b = a - b
    end in
  Printf.printf "dynamic: %d %s %d\n" (send_by_name obj "foo" : int) ((send_by_name obj "bar" : string -> string) "hi")
    ((send_by_name obj "baz" : int -> int -> int) 10 3);
  let copy = Oo.copy c in
  ignore copy#incr;
  Printf.printf "Oo.copy: orig %d copy %d\n" c#get copy#get;
  let st = new stack in
  List.iter st#push [ "a"; "b"; "c" ];
  Printf.printf "stack size %d pop %s\n" st#size (match st#pop with Some s -> s | None -> "-");
  let objs = Array.init 1000 (fun i -> if i mod 2 = 0 then (new circle (float_of_int i) :> shape) else (new square 1. :> shape)) in
  let s = Array.fold_left (fun a o -> a +. o#area) 0. objs in
  Printf.printf "many calls: %.1f\n" s;
  Printf.printf "oid ordering stable: %b\n" (Oo.id c < Oo.id c10)
