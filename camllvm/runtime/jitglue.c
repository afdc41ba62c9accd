/* camllvm JIT glue: what native code needs from the runtime that is not a
 * plain runtime function. See docs/ARCHITECTURE.md ("JIT execution model").
 *
 * Every compiled OCaml function has the signature of camllvm_fn, in LLVM's
 * preserve_none calling convention (no callee-saved registers: OCaml functions
 * keep little in registers across calls, and a call then costs no register
 * saves). C cannot call such a function itself: it goes through
 * camllvm_call_native, and the table's other entries (lazy compilation,
 * deferral, generic application) are small LLVM functions too; all of them
 * come from the glue module that the JIT compiles first (camllvm/glue.py).
 * A compiled function is entered
 * with sp pointing at its arguments (extra_args + 1 of them) as after the
 * interpreter's APPLY, and returns the accumulator and the VM stack pointer
 * left pointing at the caller's return frame (the caller pops that frame).
 *
 * Deferred applications: a tail call to an interpreted closure must not nest
 * the interpreter inside native code (mutual tail recursion across tiers would
 * grow both stacks). Such a call returns a *marker* instead: sp tagged with 1,
 * pointing at the closure stored just below the arguments, and accu = the
 * extra_args count. Whoever made the nearest non-tail call runs it (see
 * camllvm_resolve and camllvm_enter_prim).
 */
#define CAML_INTERNALS
#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include <caml/alloc.h>
#include <caml/backtrace.h>
#include <caml/callback.h>
#include <caml/codefrag.h>
#include <caml/fail.h>
#include <caml/fix_code.h>
#include <caml/instruct.h>
#include <caml/memory.h>
#include <caml/mlvalues.h>
#include <caml/prims.h>
#include <caml/printexc.h>
#include <caml/signals.h>
#include <caml/stacks.h>

typedef struct { value accu; value *sp; } camllvm_ret;
typedef void *camllvm_fn;                /* a preserve_none function: never called from C */
typedef camllvm_ret (*camllvm_call_fn)(camllvm_fn fn, value *sp, value env, intnat extra_args);
typedef void *(*camllvm_compile_fn)(intnat code_offset);

value camllvm_real_interprete(code_t prog, asize_t prog_size);
void camllvm_set_hook(value (*hook)(code_t, asize_t));

/* The glue module's functions (set by camllvm_set_glue before the program starts). */
static camllvm_call_fn call_native;      /* C -> native: call_native(fn, sp, env, extra) */
static camllvm_fn lazy_entry;            /* table entry before the first call: compiles */
static camllvm_fn defer_entry;           /* table entry of an interpreted function */
camllvm_fn camllvm_apply_entry;          /* generic application (native code reads it) */

/* Native code of the function whose entry is at code word i (never NULL:
   lazy_entry until compiled, defer_entry if interpreted); one more entry, the
   generic application, for code outside the code area. */
camllvm_fn *camllvm_table = NULL;
uintnat camllvm_table_size = 0;          /* in code words */
/* As a rule the table is at a fixed address below the code (which shim.c moved
   to a fixed address): native code finds a closure's entry with one load,
   [TABLE_ADDRESS + 2 * (Code_val - code address)], no table or size to load.
   0 where the table is malloc'd instead. */
#define TABLE_ADDRESS ((char *) 0x20000000)
uintnat camllvm_table_address = 0;
extern uintnat camllvm_code_address;     /* shim.c */
void *camllvm_map_fixed(void *address, uintnat bytes);  /* shim.c */
long camllvm_native_entries = 0;         /* hook entries run natively */
long camllvm_crossings = 0;              /* native <-> interpreter transfers */
static camllvm_compile_fn compile_hook = NULL;
static void (*start_hook)(void) = NULL;  /* once the code is loaded: eager compiles */

camllvm_ret camllvm_interp_call(value *sp, value env, intnat extra_args);

/* Dead-slot clearing (camllvm/liveness.py): compiled code stores Val_unit in the
   dead slots of its frame before a call while this is set. A program can see
   when a value dies only through the primitives below (runtime/build.py's
   OBSERVED_PRIMITIVES): the interpreter's table and compiled code call these
   wrappers instead, and from the first call on, frames stay whole as ocamlrun
   keeps them. (Values that died before cannot be registered afterwards.)
   While it is off, the stores go to camllvm_dead_sink instead. */
int camllvm_clear_dead_slots = 1;
value camllvm_dead_sink;  /* where the clearing stores go while it is off */

#define OBSERVED(name, params, args)                         \
  CAMLprim value caml_##name params;                         \
  CAMLprim value camllvm_##name params                       \
  { camllvm_clear_dead_slots = 0; return caml_##name args; }
OBSERVED(final_register, (value f, value v), (f, v))
OBSERVED(final_register_called_without_value, (value f, value v), (f, v))
OBSERVED(weak_create, (value len), (len))
OBSERVED(ephe_create, (value len), (len))
OBSERVED(memprof_start, (value rate, value size, value tracker), (rate, size, tracker))

/* The tiered mode compiles the glue with the first function, possibly after
   the program started: the table's entries made before are NULL. */
void camllvm_set_glue(camllvm_call_fn call, camllvm_fn lazy, camllvm_fn defer, camllvm_fn apply)
{
  uintnat i;
  call_native = call; lazy_entry = lazy; defer_entry = defer; camllvm_apply_entry = apply;
  for (i = 0; i < camllvm_table_size; i++)
    if (camllvm_table[i] == NULL) camllvm_table[i] = lazy;
  if (camllvm_table != NULL) camllvm_table[camllvm_table_size] = apply;
}

#define Is_deferred(r) (((uintnat)(r).sp & 1) != 0)
/* An exception returned instead of raised: accu is the exception (its
   backtrace already stashed), sp is this tag. Non-tail callers pass it to
   their trap by return; C entry points turn it into an exception result. */
#define RAISED_SP ((value *) 2)
#define Is_raised(r) ((r).sp == RAISED_SP)
#define ENTER_MAX_ARGS 64               /* deferred applications the enter stub runs itself */

/* ---- threaded-code stubs living outside the code area (backtraces skip them) ---- */

static code_t stub_area;                 /* mmap'd near caml_start_code */
static code_t stop_stub;                 /* STOP */
static code_t apply_stubs[256];          /* ACC 0; POP 1; APPLY n */
static code_t enter_stub;                /* see camllvm_enter_prim */
#define ENTER_STOP ENTER_MAX_ARGS  /* enter stub's SWITCH case: toplevel code reached STOP */
#define ENTER_STUB_WORDS (6 + ENTER_STOP + 1 + 2 + 4 + 5 * (ENTER_MAX_ARGS - 1))
code_t camllvm_enter_switch;             /* the enter stub's SWITCH (tier.c's stubs use it) */
static value fake_closure_block[3];      /* header, code, closinfo */
static code_t fake_closure_code;         /* ACC0; RETURN 1 */
static int enter_prim_index = -1;
static uintnat stub_used = 0;
#define STUB_WORDS 8192

static opcode_t threaded(int op)
{
  return (opcode_t)(caml_instr_table[op] - caml_instr_base);
}

opcode_t camllvm_threaded(int op) { return threaded(op); }

/* Past the end of the code, rounded: where mappings near the code can go. */
static char *code_area_end(void)
{
  return (char *) caml_start_code + ((caml_code_size + 0xFFFFF) & ~(uintnat)0xFFFF);
}

/* Fresh writable code words near the code (a BRANCH reaches +-2^31 words), or NULL. */
code_t camllvm_map_near_code(uintnat words)
{
  char *hint = code_area_end() + STUB_WORDS * sizeof(opcode_t) + 0x10000;
  void *mem = mmap(hint, words * sizeof(opcode_t), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return mem == MAP_FAILED ? NULL : (code_t) mem;
}

static code_t stub_alloc(int words)
{
  code_t p;
  if (stub_used + words > STUB_WORDS) caml_fatal_error("camllvm: stub area exhausted");
  p = stub_area + stub_used;
  stub_used += words;
  return p;
}

/* Code words for "ACC 0; POP 1; APPLY n": run closure sp[0] on the n arguments below it. */
static code_t apply_stub(intnat nargs)
{
  code_t p;
  if (nargs < 256 && apply_stubs[nargs] != NULL) return apply_stubs[nargs];
  p = stub_alloc(6);
  p[0] = threaded(ACC); p[1] = 0; p[2] = threaded(POP); p[3] = 1;
  p[4] = threaded(APPLY); p[5] = (opcode_t) nargs;
  if (nargs < 256) apply_stubs[nargs] = p;
  return p;
}

value camllvm_enter_prim(value accu);

static void init_stubs(void)
{
  /* Near the code so that a BRANCH (32-bit word offset) can reach it. */
  char *hint = code_area_end();
  void *mem = mmap(hint, STUB_WORDS * sizeof(opcode_t), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) caml_fatal_error("camllvm: cannot map stub area");
  stub_area = (code_t) mem;
  stop_stub = stub_alloc(1);
  stop_stub[0] = threaded(STOP);
  fake_closure_code = stub_alloc(3);
  fake_closure_code[0] = threaded(ACC0);
  fake_closure_code[1] = threaded(RETURN); fake_closure_code[2] = 1;
  fake_closure_block[0] = Make_header(2, Closure_tag, Caml_black);
  fake_closure_block[1] = (value) fake_closure_code;
  fake_closure_block[2] = Make_closinfo(0, 2);
  enter_prim_index = caml_prim_table.size;
  caml_ext_table_add(&caml_prim_table, (void *) camllvm_enter_prim);
  /* PUSH_RETADDR (exposes env and extra_args); C_CALL1 enter, which returns
     Val_int(n); SWITCH on n: 0 -> "ACC0; RAISE_NOTRACE" (the exception is at
     sp[0]); 0 < n < ENTER_STOP -> "ACC0; POP 1; APPLY n": apply the closure
     at sp[0] to the n arguments below it, in place of the function that was
     entered (the real return frame is just above them). A normal result is
     applied that way too: the fake closure (ACC0; RETURN 1) to the result,
     which returns through the real frame with extra_args = 0. ENTER_STOP ->
     "ACC0; POP 1; STOP" (toplevel code entered by on-stack replacement). */
  {
    intnat n, table = 6, exn = table + ENTER_STOP + 1, stop = exn + 2, apply = stop + 4;
    enter_stub = stub_alloc(ENTER_STUB_WORDS);
    enter_stub[0] = threaded(PUSH_RETADDR); enter_stub[1] = 0;
    enter_stub[2] = threaded(C_CALL1); enter_stub[3] = (opcode_t) enter_prim_index;
    enter_stub[4] = threaded(SWITCH); enter_stub[5] = ENTER_STOP + 1;
    camllvm_enter_switch = enter_stub + 4;
    enter_stub[table] = (opcode_t)(exn - table);
    enter_stub[exn] = threaded(ACC0); enter_stub[exn + 1] = threaded(RAISE_NOTRACE);
    enter_stub[table + ENTER_STOP] = (opcode_t)(stop - table);
    enter_stub[stop] = threaded(ACC0); enter_stub[stop + 1] = threaded(POP);
    enter_stub[stop + 2] = 1; enter_stub[stop + 3] = threaded(STOP);
    for (n = 1; n < ENTER_MAX_ARGS; n++) {
      code_t p = enter_stub + apply + 5 * (n - 1);
      enter_stub[table + n] = (opcode_t)(p - (enter_stub + table));
      p[0] = threaded(ACC0); p[1] = threaded(POP); p[2] = 1;
      p[3] = threaded(APPLY); p[4] = (opcode_t) n;
    }
  }
}

/* ---- table of native code ---- */

/* The code as loaded (threaded), before any entry or counting site is patched
   with a BRANCH into our stubs: what backtraces read at a pc (shim.c). */
static code_t pristine_code = NULL;

opcode_t camllvm_code_word(code_t pc)
{
  if (pristine_code != NULL && pc >= caml_start_code
      && (char *) pc < (char *) caml_start_code + caml_code_size)
    return pristine_code[pc - caml_start_code];
  return *pc;
}

static camllvm_fn *table_at_fixed_address(uintnat bytes)
{
  camllvm_fn *mem;
  if (camllvm_code_address == 0 || TABLE_ADDRESS + bytes > (char *) camllvm_code_address)
    return NULL;
  mem = camllvm_map_fixed(TABLE_ADDRESS, bytes);
  if (mem != NULL) camllvm_table_address = (uintnat) mem;
  return mem;
}

static void init_table(void)
{
  uintnat i, n = caml_code_size / sizeof(opcode_t);
  pristine_code = malloc(caml_code_size);
  if (pristine_code != NULL) memcpy(pristine_code, caml_start_code, caml_code_size);
  camllvm_table = table_at_fixed_address((n + 1) * sizeof(camllvm_fn));
  if (camllvm_table == NULL) camllvm_table = malloc((n + 1) * sizeof(camllvm_fn));
  if (camllvm_table == NULL) caml_fatal_error("camllvm: out of memory");
  for (i = 0; i < n; i++) camllvm_table[i] = lazy_entry;
  camllvm_table[n] = camllvm_apply_entry;  /* native code's lookup of code outside */
  camllvm_table_size = n;
  init_stubs();
}

/* Native code for closure clos, or the interpreter glue for code outside
   the main code area (toplevel phrases, dynlinked code). */
camllvm_fn camllvm_code_of_closure(value clos)
{
  uintnat i = (uintnat)((code_t) Code_val(clos) - caml_start_code);
  return i < camllvm_table_size ? camllvm_table[i] : defer_entry;
}

/* Run a deferred application (made at a non-tail call site): never deferred. */
camllvm_ret camllvm_resolve(camllvm_ret r)
{
  value *at = (value *)((uintnat) r.sp & ~(uintnat) 1);
  return camllvm_interp_call(at + 1, at[0], (intnat) r.accu);
}

static camllvm_ret camllvm_apply(value *sp, value clos, intnat extra_args)
{
  return call_native(camllvm_code_of_closure(clos), sp, clos, extra_args);
}

extern int camllvm_tier_active;
/* The closure whose code is being compiled, while Python compiles (Val_unit if
   unknown): the compiler reads the functions its environment holds. */
value camllvm_compiling_closure = Val_unit;
camllvm_fn camllvm_tier_native_call(uintnat i, camllvm_fn interpreted);

/* First call of a function (from the glue's lazy entry, which then tail-calls
   the result): ask Python to compile it (NULL: interpret it), install it. */
camllvm_fn camllvm_lazy_target(value env)
{
  uintnat i = (uintnat)((code_t) Code_val(env) - caml_start_code);
  camllvm_fn fn;
  camllvm_compiling_closure = env;
  if (camllvm_tier_active) {
    fn = camllvm_tier_native_call(i, defer_entry);
  } else {
    fn = compile_hook ? (camllvm_fn) compile_hook((intnat)(i * sizeof(opcode_t))) : NULL;
    if (fn == NULL) fn = defer_entry;
    camllvm_table[i] = fn;
  }
  camllvm_compiling_closure = Val_unit;
  return fn;
}

/* ---- instructions with a dynamic number of words (interp.c) ---- */

/* GRAB with too few arguments: build the partial application (code pointer
   on the preceding RESTART) and return it, leaving sp at the return frame.
   Allocation as Alloc_small from interp.c (Setup_for_gc saves accu, env, pc). */
camllvm_ret camllvm_grab_pap(value *sp, value accu, value env, intnat extra_args, code_t pc)
{
  mlsize_t num_args = 1 + extra_args, i, wosize = num_args + 3;
  value clos;
  Caml_state_field(young_ptr) -= Whsize_wosize(wosize);
  if (Caml_state_field(young_ptr) < Caml_state_field(young_limit)) {
    sp -= 3; sp[0] = accu; sp[1] = env; sp[2] = (value) pc;
    Caml_state_field(extern_sp) = sp;
    caml_alloc_small_dispatch(wosize, CAML_DO_TRACK | CAML_FROM_CAML, 1, NULL);
    sp = Caml_state_field(extern_sp); env = sp[1]; sp += 3;
  }
  Hd_hp(Caml_state_field(young_ptr)) = Make_header(wosize, Closure_tag, 0);
  clos = Val_hp(Caml_state_field(young_ptr));
  Field(clos, 2) = env;
  for (i = 0; i < num_args; i++) Field(clos, i + 3) = sp[i];
  Code_val(clos) = pc - 3;
  Closinfo_val(clos) = Make_closinfo(0, 2);
  return (camllvm_ret){ clos, sp + num_args };
}

/* interp.c's process_actions (Setup_for_event; caml_process_pending_actions();
   Restore_after_event), out of line: every function entry and loop polls, and
   this slow path inline would be a seventh of the IR LLVM compiles. The event
   frame stays pushed: the caller reads env back from it (the GC may move it)
   and pops it; extra_args is an integer and cannot change. */
camllvm_ret camllvm_actions(value *sp, value accu, value env, value extra_args, code_t pc)
{
  sp -= 6;
  sp[0] = accu; sp[1] = Val_unit; sp[2] = Val_unit;
  sp[3] = (value) pc; sp[4] = env; sp[5] = extra_args;
  Caml_state_field(extern_sp) = sp;
  caml_process_pending_actions();
  sp = Caml_state_field(extern_sp);
  return (camllvm_ret){ sp[0], sp };
}

/* ---- catching exceptions that arrive by siglongjmp ---- */

/* The common landing of camllvm_try, camllvm_enter_prim and run_native (as
   interp.c's sigsetjmp handler): restore the C roots and the previous raise
   buffer, stash the backtrace as interp.c does for an exception raised by C
   (OCaml raises in native code return instead of jumping), return it. */
static value caught(int kind, struct longjmp_buffer *prev, struct caml__roots_block *roots)
{
  value exn = Caml_state_field(exn_bucket);
  Caml_state_field(local_roots) = roots;
  Caml_state_field(external_raise) = prev;
  (void) kind;
  if (Caml_state_field(backtrace_active))
    caml_stash_backtrace(exn, Caml_state_field(extern_sp), 0);
  return exn;
}

/* ---- light raise buffers ---- */

/* caml_raise leaves by siglongjmp (__longjmp_chk once fortified) to
   Caml_state->external_raise. For the buffers of try regions, entered at
   every OCaml `try`, glibc's sigsetjmp costs more than the rest of the try:
   they are marked light and use GCC's __builtin_setjmp instead (frame and
   stack pointer only; the function saves its registers itself). The runtime
   library is linked with --wrap=__longjmp_chk, so that a raise recognises a
   light buffer and returns there with __builtin_longjmp; any other buffer
   (the interpreter's, callbacks') is left to glibc. A light buffer is marked
   by its own address and a magic word, where a glibc buffer holds the saved
   r15 and the mangled stack pointer: no register can hold both by chance. */
struct light_buffer { void *jb[5]; struct light_buffer *self; uintnat magic; };
#define LIGHT_MAGIC ((uintnat) 0x6c6967687462756aUL)
_Static_assert(sizeof(struct light_buffer) <= sizeof(struct longjmp_buffer),
               "a light buffer lives in a longjmp_buffer");

void __real___longjmp_chk(struct __jmp_buf_tag *env, int val);

void __wrap___longjmp_chk(struct __jmp_buf_tag *env, int val)
{
  struct light_buffer *light = (struct light_buffer *) env;
  if (light->self == light && light->magic == LIGHT_MAGIC) __builtin_longjmp(light->jb, 1);
  __real___longjmp_chk(env, val);
}

/* ---- try regions ---- */

/* What a try region leaves for its parent when it reaches a POPTRAP. */
struct camllvm_region_out { value accu; value *sp; value env; intnat exit_pc; };
typedef int (*camllvm_region_fn)(value *sp, value accu, value env, intnat extra_args,
                                 struct camllvm_region_out *out);

extern __thread void *camllvm_interp_landing __attribute__((tls_model("initial-exec")));  /* shim.c */

/* The body of a try under a raise buffer of its own (see camllvm_try). */
static __attribute__((noinline))
int guarded_try(camllvm_region_fn body, value *sp, value accu, value env,
                intnat extra_args, struct camllvm_region_out *out)
{
  struct longjmp_buffer buf;   /* used as a light_buffer (it is larger) */
  struct light_buffer *light = (struct light_buffer *) &buf;
  struct longjmp_buffer *volatile prev = Caml_state_field(external_raise);
  struct caml__roots_block *volatile roots = Caml_state_field(local_roots);
  int status;
  light->self = light;
  light->magic = LIGHT_MAGIC;
  if (__builtin_setjmp(light->jb)) {
    out->accu = caught(1, prev, roots);
    return 1;
  }
  Caml_state_field(external_raise) = &buf;
  status = body(sp, accu, env, extra_args, out);
  Caml_state_field(external_raise) = prev;
  return status;
}

/* Run the body of a try (the trap frame is already pushed) so that an
   exception raised by C inside it reaches its handler; native OCaml code
   never calls setjmp itself (LLVM does not tail-call out of functions that
   do). Returns 0 when the body left through a POPTRAP (out filled), 1 when an
   exception reached this trap (out->accu is the exception, its backtrace
   already stashed). When the innermost raise buffer is the interpreter's that
   entered this native code, the body is simply called: a raise by C lands
   in that interpreter, whose handler (as interp.c's) stashes the backtrace
   and goes to trapsp, i.e. to this try's handler, run by the interpreter.
   The rare raise by C costs more, and every try saves a setjmp and the
   register saves it forces (~10 % of a try-heavy program). */
int camllvm_try(camllvm_region_fn body, value *sp, value accu, value env,
                intnat extra_args, struct camllvm_region_out *out)
{
  if ((void *) Caml_state_field(external_raise) == camllvm_interp_landing)
    return body(sp, accu, env, extra_args, out);
  return guarded_try(body, sp, accu, env, extra_args, out);
}

/* ---- native -> interpreter ---- */

/* Run an interpreted closure on the arguments at sp (real return frame above
   them). A frame returning to a private STOP stub is inserted between the
   arguments and the real frame, so the interpreter stops when the closure
   returns, and backtrace scans still see the real return address. */
camllvm_ret camllvm_interp_call(value *sp, value clos, intnat extra_args)
{
  intnat nargs = extra_args + 1;
  value *nsp = sp - 4;
  value res;
  camllvm_crossings++;
  memmove(nsp + 1, sp, nargs * sizeof(value));
  nsp[0] = clos;
  nsp[1 + nargs] = (value) stop_stub;
  nsp[2 + nargs] = Val_unit;
  nsp[3 + nargs] = Val_long(0);
  Caml_state_field(extern_sp) = nsp;
  res = camllvm_real_interprete(apply_stub(nargs), 6 * sizeof(opcode_t));
  if (Is_exception_result(res))   /* the interpreter stashed the backtrace */
    return (camllvm_ret){ Extract_exception(res), RAISED_SP };
  return (camllvm_ret){ res, Caml_state_field(extern_sp) };
}

/* ---- interpreter -> native ---- */

/* OSR code left its loop (irgen's exit_to_interpreter): accu, env and
   extra_args lie below sp, r.accu is the pc to go on at. The interpreter gets
   there by RAISE_NOTRACE (the enter stub's exception path) through a trap
   frame made for it: raising restores pc, env and extra_args from the frame,
   sp just above it, and trapsp from its link. */
#define Is_interp_exit(r) (((uintnat)(r).sp & 3) == 3)

/* What the enter stub's SWITCH reads after the C call: v just below `above`,
   under the two words Restore_after_c_call pops (env, pc); case n. */
static value to_stub(value *above, value v, intnat n)
{
  value *nsp = above - 3;
  nsp[0] = Val_unit; nsp[1] = Val_unit; nsp[2] = v;
  Caml_state_field(extern_sp) = nsp;
  return Val_int(n);
}

static value interp_exit(camllvm_ret r)
{
  value *sp = (value *)((uintnat) r.sp & ~(uintnat) 3);
  value accu = sp[-1], env = sp[-2], extra = sp[-3];
  value *frame = sp - 4;
  frame[0] = r.accu;
  frame[1] = Val_long(Caml_state_field(trapsp) - frame);
  frame[2] = env;
  frame[3] = extra;
  Caml_state_field(trapsp) = frame;
  return to_stub(frame, accu, 0);                         /* ACC0; RAISE_NOTRACE */
}

/* Run native code fn from an interpreter stub's C_CALL: sp is
   Caml_state->extern_sp at the call (env, pc+1 | ...), args the native
   code's sp, env and extra_args its registers. Returns Val_int(n) for the
   enter stub's SWITCH (see init_stubs): the interpreter goes on by raising
   (0), by applying a closure (n), or, when toplevel code reached its STOP,
   by stopping (ENTER_STOP). */
value camllvm_run_from_interp(camllvm_fn fn, value *sp, value *args, value env,
                              intnat extra_args, int toplevel)
{
  /* The native code may reallocate the VM stack: keep sp as a distance from its top. */
  intnat sp_offset = (char *) Caml_state_field(stack_high) - (char *) sp;
  camllvm_ret r;
  camllvm_crossings++;
  camllvm_interp_landing = Caml_state_field(external_raise);  /* see camllvm_try */
  /* No raise buffer of our own: an exception raised by C in the native code
     lands in the interpreter's, whose handler does what ours would (stash the
     backtrace from extern_sp, raise to trapsp). */
  r = call_native(fn, args, env, extra_args);
  if (Is_interp_exit(r)) return interp_exit(r);
  if (Is_deferred(r) && (intnat) r.accu + 1 >= ENTER_MAX_ARGS) r = camllvm_resolve(r);
  if (Is_raised(r))     /* ACC0; RAISE_NOTRACE. Below the interpreter's own sp is free
                           (native code's dead frames); below trapsp is not: with no
                           handler, trapsp is the top of the stack. */
    return to_stub((value *)((char *) Caml_state_field(stack_high) - sp_offset), r.accu, 0);
  if (Is_deferred(r)) {  /* closure | args | real frame: the stub applies it */
    value *at = (value *)((uintnat) r.sp & ~(uintnat) 1);
    return to_stub(at + 1, at[0], (intnat) r.accu + 1);
  }
  if (toplevel)          /* result | toplevel's stack: ACC0; POP 1; STOP */
    return to_stub(r.sp, r.accu, ENTER_STOP);
  r.sp[-1] = r.accu;     /* fake closure, result | real frame: ACC0; POP 1; APPLY 1 */
  return to_stub(r.sp - 1, (value) &fake_closure_block[1], 1);
}

/* C_CALL1 target of enter_stub: the interpreter reached a compiled function. */
value camllvm_enter_prim(value accu)
{
  value *sp = Caml_state_field(extern_sp);  /* env, pc+1 | retaddr, env, extra | args */
  value env = sp[0];
  (void) accu;
  return camllvm_run_from_interp(camllvm_code_of_closure(env), sp, sp + 5, env,
                                 Long_val(sp[4]), 0);
}

/* Make the interpreter enter native code at function entry pc (byte offset):
   the first two code words become BRANCH enter_stub. Returns 0 if out of reach. */
int camllvm_patch_entry(intnat ofs)
{
  code_t at = caml_start_code + ofs / sizeof(opcode_t);
  intnat delta = enter_stub - (at + 1);
  if (delta != (int32_t) delta) return 0;
  at[1] = (opcode_t) delta;
  at[0] = threaded(BRANCH);
  return 1;
}

/* ---- entries through the caml_interprete hook ---- */

static int is_callback_code(code_t prog)
{
  return prog[0] == threaded(ACC) && prog[2] == threaded(APPLY)
      && prog[4] == threaded(POP) && prog[5] == 1 && prog[6] == threaded(STOP);
}

/* Mirrors caml_interprete's entry and exit (interp.c): callback depth, the
   external_raise buffer, and the exception result when nothing catches. */
static value run_native(code_t prog)
{
  struct longjmp_buffer raise_buf;
  struct longjmp_buffer *initial_external_raise = Caml_state_field(external_raise);
  struct caml__roots_block *volatile initial_local_roots = Caml_state_field(local_roots);
  intnat initial_sp_offset = (char *) Caml_state_field(stack_high) - (char *) Caml_state_field(extern_sp);
  value *sp;
  camllvm_ret r;
  int kind;
  camllvm_native_entries++;
  caml_callback_depth++;
  kind = sigsetjmp(raise_buf.buf, 0);
  if (kind) {
    value exn = caught(kind, initial_external_raise, initial_local_roots);
    Caml_state_field(extern_sp) = (value *)((char *) Caml_state_field(stack_high) - initial_sp_offset);
    caml_callback_depth--;
    return Make_exception_result(exn);
  }
  Caml_state_field(external_raise) = &raise_buf;
  sp = Caml_state_field(extern_sp);
  if (prog == caml_start_code) {
    r = call_native(camllvm_table[0], sp, Atom(0), 0);   /* compiled by jit_interprete */
  } else {                            /* callback_code: ACC n+3; APPLY n; POP 1; STOP */
    intnat nargs = prog[3];
    r = camllvm_apply(sp, sp[nargs + 3], nargs - 1);
    if (Is_deferred(r)) r = camllvm_resolve(r);
    if (!Is_raised(r)) r.sp += 4;     /* the callback's return frame, then POP 1 */
  }
  if (Is_raised(r)) {
    Caml_state_field(external_raise) = initial_external_raise;
    Caml_state_field(extern_sp) = (value *)((char *) Caml_state_field(stack_high) - initial_sp_offset);
    caml_callback_depth--;
    return Make_exception_result(r.accu);
  }
  Caml_state_field(external_raise) = initial_external_raise;
  Caml_state_field(extern_sp) = r.sp;
  caml_callback_depth--;
  return r.accu;
}

static value jit_interprete(code_t prog, asize_t prog_size)
{
  if (prog == caml_start_code) {
    if (camllvm_table == NULL) {
      init_table();
      if (start_hook != NULL) start_hook();
    }
    if (camllvm_table[0] == lazy_entry) {
      camllvm_fn top = compile_hook ? (camllvm_fn) compile_hook(0) : NULL;
      camllvm_table[0] = top != NULL ? top : defer_entry;
    }
    if (camllvm_table[0] == defer_entry)  /* toplevel left to the interpreter */
      return camllvm_real_interprete(prog, prog_size);
    return run_native(prog);
  }
  if (camllvm_table != NULL && call_native != NULL && is_callback_code(prog))
    return run_native(prog);
  return camllvm_real_interprete(prog, prog_size);
}

/* ---- objects: GETPUBMET slow path and GETDYNMET (same search as interp.c) ---- */

static intnat find_method(value meths, value tag)
{
  intnat li = 3, hi = Field(meths, 0), mi;
  while (li < hi) {
    mi = ((li + hi) >> 1) | 1;
    if (tag < Field(meths, mi)) hi = mi - 2; else li = mi;
  }
  return li;
}

value camllvm_getpubmet_miss(value obj, value tag, opcode_t *cache)
{
  value meths = Field(obj, 0);
  intnat li = find_method(meths, tag);
  *cache = (opcode_t)((li - 3) * sizeof(value));
  return Field(meths, li - 1);
}

value camllvm_getdynmet(value obj, value tag)
{
  value meths = Field(obj, 0);
  return Field(meths, find_method(meths, tag) - 1);
}

/* ---- set-up from Python ---- */

void camllvm_jit_install(camllvm_compile_fn compile, void (*on_start)(void))
{
  compile_hook = compile;
  start_hook = on_start;
  camllvm_set_hook(jit_interprete);
}

/* Install native code for the function at byte offset ofs (eager compiles). */
void camllvm_set_native(intnat ofs, camllvm_fn fn)
{
  camllvm_table[ofs / sizeof(opcode_t)] = fn;
}

/* atexit is not exported by glibc's shared object: register for Python. */
void camllvm_at_exit(void (*fn)(void)) { atexit(fn); }

/* Byte offsets of the Caml_state fields native code uses. */
intnat camllvm_state_offset(int field)
{
  caml_domain_state *s = NULL;
  switch (field) {
  case 0: return (intnat) &s->_young_limit;
  case 1: return (intnat) &s->_young_ptr;
  case 2: return (intnat) &s->_stack_threshold;
  case 3: return (intnat) &s->_extern_sp;
  case 4: return (intnat) &s->_trapsp;
  case 5: return (intnat) &s->_external_raise;
  case 6: return (intnat) &s->_exn_bucket;
  case 7: return (intnat) &s->_backtrace_active;
  case 8: return (intnat) &s->_local_roots;
  case 9: return (intnat) &s->_stack_high;
  case 10: return (intnat) sizeof(struct longjmp_buffer);
  case 11: return (intnat) &s->_young_start;
  case 12: return (intnat) &s->_young_end;
  default: return -1;
  }
}

/* ---- running on a thread with a big C stack ---- */

/* Native code has no C stack check: each native frame lies below a VM frame
   (a non-tail call pushes a return frame, a callback or a try region pushes
   its own), and the caller sizes the C stack from the VM stack's limit. The
   main OCaml thread still gets a guard zone and a SIGSEGV handler, for limits
   raised later (Gc.set) or frames bigger than the sizing assumes: a fault in
   the guard zone from native code (at a call or a frame push, where a callee
   could raise too) raises Stack_overflow as the runtime's own check would;
   from C code, which cannot be abandoned halfway, the program ends with the
   message and exit code of an uncaught Stack_overflow (but without at_exit:
   no OCaml code runs on the signal stack, so unflushed output is lost). */
#define GUARD_BYTES ((size_t) 1 << 20)
#define ALT_STACK_BYTES ((size_t) 64 << 10)

static char *c_stack_low;                  /* lowest usable byte of the main thread's stack */
static pthread_t main_tid;

static void *hot_library_base;   /* load address of the hot library, if one is loaded */

/* The hot library (camllvm/codecache.py) holds native code too: note its load
   address, given one of its symbols. */
void camllvm_note_hot_library(void *symbol)
{
  Dl_info dl;
  if (dladdr(symbol, &dl) != 0) hot_library_base = dl.dli_fbase;
}

/* Native OCaml code: MCJIT's (outside every shared object) or the hot library's. */
static int in_native_code(void *pc)
{
  Dl_info dl;
  if (dladdr(pc, &dl) == 0) return 1;
  return hot_library_base != NULL && dl.dli_fbase == hot_library_base;
}

static int in_guard_zone(char *addr)
{
  return pthread_equal(pthread_self(), main_tid)
         && addr < c_stack_low && addr >= c_stack_low - GUARD_BYTES;
}

static void segv_handler(int sig, siginfo_t *info, void *context)
{
  ucontext_t *uc = context;
  void *pc = (void *) uc->uc_mcontext.gregs[REG_RIP];
  (void) sig;
  if (!in_guard_zone(info->si_addr)) {   /* a real crash: fault again, unhandled */
    signal(SIGSEGV, SIG_DFL);
    return;
  }
  if (in_native_code(pc) && Caml_state_field(external_raise) != NULL) {
    /* Native code at a call or a frame push:
       unwind to the innermost handler as caml_raise does (light buffers
       included), without running pending actions on this small signal stack. */
    Caml_state_field(exn_bucket) = Field(caml_global_data, STACK_OVERFLOW_EXN);
    __wrap___longjmp_chk(Caml_state_field(external_raise)->buf, 1);
  }
  static const char msg[] = "Fatal error: exception Stack_overflow\n";
  if (write(2, msg, sizeof msg - 1) < 0) { /* nothing more to do */ }
  _exit(2);
}

static void install_guard(void)
{
  stack_t alt;
  struct sigaction sa;
  alt.ss_sp = malloc(ALT_STACK_BYTES);
  alt.ss_size = ALT_STACK_BYTES;
  alt.ss_flags = 0;
  if (alt.ss_sp == NULL || sigaltstack(&alt, NULL) != 0) return;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = segv_handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;  /* NODEFER: siglongjmp leaves it unblocked */
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, NULL);
}

struct main_args { char **argv; sigset_t mask; };
void camllvm_main(char **argv);

static void *main_thread(void *p)
{
  struct main_args *a = p;
  pthread_attr_t attr;
  size_t size = 0;
  void *addr = NULL;
  pthread_getattr_np(pthread_self(), &attr);
  pthread_attr_getstack(&attr, &addr, &size);
  pthread_attr_destroy(&attr);
  c_stack_low = addr;
  main_tid = pthread_self();
  install_guard();
  pthread_sigmask(SIG_SETMASK, &a->mask, NULL);   /* the mask the program was started with */
  camllvm_main(a->argv);
  return NULL;
}

/* Run the program on a thread with stack_bytes of C stack; systhreads get the
   same size by default. The waiting thread blocks every signal, so that a
   signal the program sends itself is delivered to it (before kill returns),
   as under ocamlrun. Never returns (the program exits the process). */
void camllvm_main_big_stack(char **argv, size_t stack_bytes)
{
  pthread_attr_t attr;
  pthread_t tid;
  sigset_t all;
  struct main_args a;
  a.argv = argv;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &a.mask);
  /* Under a limit on address space the stack may not fit: halve it (down to
     64 MiB; the guard zone still turns an overflow into Stack_overflow). */
  for (;;) {
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, stack_bytes);
    pthread_setattr_default_np(&attr);
    pthread_attr_setguardsize(&attr, GUARD_BYTES);
    if (pthread_create(&tid, &attr, main_thread, &a) == 0) break;
    pthread_attr_destroy(&attr);
    if (stack_bytes <= ((size_t) 64 << 20))
      caml_fatal_error("camllvm: cannot create the main thread (%zu bytes of C stack)",
                       stack_bytes);
    stack_bytes /= 2;
  }
  pthread_join(tid, NULL);
  exit(0);
}
