(* Float kernel: gravitational n-body simulation (softened, leapfrog-like Euler steps).
   argv.(1) = number of time steps (default 900000).  quick-size: 2000 *)

type body = {
  mutable x : float; mutable y : float; mutable z : float;
  mutable vx : float; mutable vy : float; mutable vz : float;
  mass : float;
}

(* A deterministic pseudo-random float in [0, 1). *)
let seed = ref 7
let rnd () =
  seed := (!seed * 1103515245 + 12345) land 0x3FFFFFFF;
  float_of_int (!seed lsr 6) /. float_of_int (0x3FFFFFFF lsr 6)

let make_body i =
  let r = 1.0 +. float_of_int i in
  let a = rnd () *. 6.283185307179586 in
  let speed = 1.0 /. sqrt r in
  { x = r *. cos a; y = r *. sin a; z = 0.1 *. (rnd () -. 0.5);
    vx = -. speed *. sin a; vy = speed *. cos a; vz = 0.01 *. (rnd () -. 0.5);
    mass = if i = 0 then 10.0 else 0.001 +. 0.01 *. rnd () }

let advance bodies dt =
  let n = Array.length bodies in
  for i = 0 to n - 1 do
    let b = bodies.(i) in
    for j = i + 1 to n - 1 do
      let c = bodies.(j) in
      let dx = b.x -. c.x and dy = b.y -. c.y and dz = b.z -. c.z in
      let d2 = (dx *. dx) +. (dy *. dy) +. (dz *. dz) +. 1e-4 in
      let mag = dt /. (d2 *. sqrt d2) in
      let mb = b.mass *. mag and mc = c.mass *. mag in
      b.vx <- b.vx -. (dx *. mc); b.vy <- b.vy -. (dy *. mc); b.vz <- b.vz -. (dz *. mc);
      c.vx <- c.vx +. (dx *. mb); c.vy <- c.vy +. (dy *. mb); c.vz <- c.vz +. (dz *. mb)
    done
  done;
  Array.iter (fun b -> b.x <- b.x +. (dt *. b.vx); b.y <- b.y +. (dt *. b.vy);
                       b.z <- b.z +. (dt *. b.vz)) bodies

let energy bodies =
  let e = ref 0.0 in
  let n = Array.length bodies in
  for i = 0 to n - 1 do
    let b = bodies.(i) in
    e := !e +. (0.5 *. b.mass *. ((b.vx *. b.vx) +. (b.vy *. b.vy) +. (b.vz *. b.vz)));
    for j = i + 1 to n - 1 do
      let c = bodies.(j) in
      let dx = b.x -. c.x and dy = b.y -. c.y and dz = b.z -. c.z in
      e := !e -. (b.mass *. c.mass /. sqrt ((dx *. dx) +. (dy *. dy) +. (dz *. dz) +. 1e-4))
    done
  done;
  !e

let () =
  let steps = if Array.length Sys.argv > 1 then int_of_string Sys.argv.(1) else 900000 in
  let bodies = Array.init 6 make_body in
  Printf.printf "energy before %.9f\n" (energy bodies);
  for _ = 1 to steps do advance bodies 0.001 done;
  Printf.printf "energy after %.9f\n" (energy bodies)
