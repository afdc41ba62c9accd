(* test: libs=threads *)
(* Threads: create/join, Mutex-protected counter, Condition-based producer/consumer and a
   strict ping-pong hand-off; the printed output does not depend on scheduling. *)
let counter = ref 0
let m = Mutex.create ()

let worker n () =
  for _ = 1 to 1000 do
    Mutex.lock m;
    counter := !counter + n;
    Mutex.unlock m;
    if n mod 2 = 0 then Thread.yield ()
  done

(* bounded queue of capacity 2 *)
let q = Queue.create ()
let qm = Mutex.create ()
let not_empty = Condition.create ()
let not_full = Condition.create ()

let producer () =
  for i = 1 to 50 do
    Mutex.lock qm;
    while Queue.length q >= 2 do Condition.wait not_full qm done;
    Queue.push i q;
    Condition.signal not_empty;
    Mutex.unlock qm
  done

let consumer acc () =
  for _ = 1 to 50 do
    Mutex.lock qm;
    while Queue.is_empty q do Condition.wait not_empty qm done;
    acc := Queue.pop q :: !acc;
    Condition.signal not_full;
    Mutex.unlock qm
  done

(* ping-pong: two threads alternate strictly, each appending its name *)
let turn = ref 0
let tm = Mutex.create ()
let tc = Condition.create ()
let trace = Buffer.create 64

let player id () =
  for _ = 1 to 10 do
    Mutex.lock tm;
    while !turn <> id do Condition.wait tc tm done;
    Buffer.add_string trace (if id = 0 then "ping " else "pong ");
    turn := 1 - id;
    Condition.broadcast tc;
    Mutex.unlock tm
  done

let () =
  let ts = List.init 4 (fun i -> Thread.create (worker (i + 1)) ()) in
  List.iter Thread.join ts;
  Printf.printf "counter=%d\n" !counter;
  let got = ref [] in
  let c = Thread.create (consumer got) () in
  let p = Thread.create producer () in
  Thread.join p; Thread.join c;
  Printf.printf "consumed in order: %b, sum=%d\n" (List.rev !got = List.init 50 (fun i -> i + 1)) (List.fold_left ( + ) 0 !got);
  let a = Thread.create (player 0) () and b = Thread.create (player 1) () in
  Thread.join a; Thread.join b;
  print_endline (Buffer.contents trace);
  let results = Array.make 8 0 in
  let ths = Array.init 8 (fun i -> Thread.create (fun () -> results.(i) <- (let s = ref 0 in for k = 1 to 10000 * (i + 1) do s := !s + k done; !s)) ()) in
  Array.iter Thread.join ths;
  Array.iteri (fun i r -> Printf.printf "thread %d: %d\n" i r) results;
  let t = Thread.create (fun () -> failwith "in thread") () in
  Thread.join t;
  print_endline "main continues after a thread died";
  Printf.printf "self id is 0: %b\n" (Thread.id (Thread.self ()) = 0)
