(* Objects: classes, inheritance, virtual methods, self calls, immediate objects.
   argv.(1) = number of rounds (default 1100).  quick-size: 2 *)

class virtual shape (name : string) =
  object (self)
    method virtual area : int
    method virtual perimeter : int
    method name = name
    method score = self#area + (2 * self#perimeter)
  end

class rect w h =
  object
    inherit shape "rect"
    method area = w * h
    method perimeter = 2 * (w + h)
  end

class square s =
  object
    inherit rect s s as super
    method! name = "square"
    method! score = super#score + 1
  end

class tri a b c =
  object
    inherit shape "tri"
    method area = (a * b) / 2
    method perimeter = a + b + c
  end

class counter =
  object
    val mutable n = 0
    method incr k = n <- n + k
    method get = n
  end

let make i : shape =
  match i mod 3 with
  | 0 -> (new rect (i mod 17) (i mod 5 + 1) :> shape)
  | 1 -> (new square (i mod 13) :> shape)
  | _ -> (new tri (i mod 7) (i mod 11) (i mod 3 + 1) :> shape)

let round r =
  let shapes = Array.init 2000 (fun i -> make (i + r)) in
  let c = new counter in
  for _ = 1 to 20 do
    Array.iter (fun s -> c#incr (s#score land 0xFF)) shapes
  done;
  let acc =
    object
      val mutable names = 0
      method add (s : shape) = names <- names + String.length s#name
      method total = names
    end
  in
  Array.iter acc#add shapes;
  c#get + acc#total

let () =
  let rounds = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 1100 in
  let sum = ref 0 in
  for r = 1 to rounds do
    sum := (!sum + round r) land 0x3FFFFFFF
  done;
  Printf.printf "objects checksum %d\n" !sum
