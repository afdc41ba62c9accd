(* test: libs=threads *)
(* Two threads run hot trys whose exceptions are raised by C, while they switch (each
   thread's interpreter and raise buffers are its own). *)
let worker k () =
  let acc = ref 0 in
  for i = 1 to 60000 do
    acc := !acc + (try int_of_string (if i mod 3 = 0 then "no" else "7") with Failure _ -> k);
    if i mod 5000 = 0 then Thread.yield ()
  done;
  !acc

let () =
  let results = Array.make 2 0 in
  let ts = Array.init 2 (fun k -> Thread.create (fun () -> results.(k) <- worker (k + 1) ()) ()) in
  Array.iter Thread.join ts;
  Printf.printf "%d %d\n" results.(0) results.(1)
