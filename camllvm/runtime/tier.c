/* camllvm tiering: OCaml's interpreter runs cold code; hot code is compiled.
 * See docs/ARCHITECTURE.md ("Tiered mode").
 *
 * Two kinds of counting sites are patched into the threaded code, each a
 * BRANCH to a stub of its own (outside the code area):
 *
 *  - a call site at the start of every function (after its GRAB, if any):
 *    "CONSTINT id; C_CALL1 tier_call; <the instructions the BRANCH
 *    overwrote>; BRANCH back". The accumulator is dead at a function's start.
 *    When the count reaches its threshold, the function is compiled and its
 *    entry patched to enter native code (camllvm_patch_entry).
 *  - a loop site on every backward branch: when the branch is taken,
 *    "PUSH; PUSH_RETADDR; CONSTINT id; C_CALL1 tier_loop" counts it; once
 *    hot, the loop is compiled (on-stack replacement: a native function
 *    entered at the header with the interpreter's sp, env, extra_args and
 *    accu) and run from the stub, which then finishes as the enter stub does
 *    (camllvm_run_from_interp), or goes on in the interpreter where the loop
 *    exits (interp_exit in jitglue.c).
 *
 * Only whole instructions that neither allocate, raise nor read the pc are
 * moved into a stub (Python chooses them: camllvm/tier.py); a function whose
 * first instructions are not such stays interpreted unless native code calls
 * it. The sites are found by a scan of the raw code, before it is threaded.
 */
#define CAML_INTERNALS
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <caml/fix_code.h>
#include <caml/instruct.h>
#include <caml/mlvalues.h>
#include <caml/prims.h>
#include <caml/stacks.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

typedef void *camllvm_fn;
typedef camllvm_fn (*tier_compile_fn)(intnat code_offset, intnat site);

opcode_t camllvm_threaded(int op);
code_t camllvm_map_near_code(uintnat words);
int camllvm_patch_entry(intnat ofs);
value camllvm_run_from_interp(camllvm_fn fn, value *sp, value *args, value env,
                              intnat extra_args, int toplevel);
extern camllvm_fn *camllvm_table;
extern value camllvm_compiling_closure;
extern code_t camllvm_enter_switch;

/* Opcode properties (from camllvm/tier.py) */
#define F_MOVABLE 1   /* may run from a stub: no allocation, raise, pc or trap use */
#define F_BRANCH 2    /* jumps to its last operand (maybe conditionally) */
#define F_COND 4      /* ... or falls through */
#define F_LABEL 8     /* its last operand is a label relative to its own word */
#define F_ALLOCATES 16    /* may allocate (liveness.ALLOCATING) */
#define F_SELF_CLOSURE 32 /* the closure of the function's own recursive definition */
#define F_CALL 64         /* a non-tail application (APPLY, APPLY1..3) */
#define F_ENDS 128        /* no fall-through (opcodes.NO_FALLTHROUGH) */

enum { SITE_CALL, SITE_LOOP };

struct tier_site {
  int32_t kind;
  int32_t at;            /* code word patched with BRANCH stub */
  int32_t target;        /* call: the function's entry word; loop: the header */
  int32_t moved;         /* words moved into the stub (call) / the branch's size (loop) */
  intnat count;
  intnat hits;           /* calls / iterations counted so far (orders the compile queue) */
  opcode_t saved[2];     /* the two words the patch overwrote */
  code_t stub;
  camllvm_fn osr;        /* loop: native code entered at the header, once compiled */
  int toplevel;          /* loop: that code ends at the toplevel's STOP */
  int dead;              /* loop: cannot be compiled */
  int pending;           /* loop: compiling in the background */
};

static struct tier_site *sites;
static intnat nsites, sites_cap;
static const int32_t *raw_code;     /* before threading (Python keeps it alive) */
static intnat raw_words;
static const int8_t *op_operands;   /* fixed operand words; -1 SWITCH, -2 CLOSUREREC */
static const uint8_t *op_flags;
static intnat n_ops;
static uint8_t *is_target;          /* word i is a jump target */
static intnat call_threshold = 2000, loop_threshold = 10000;
static tier_compile_fn compile_call, compile_loop;
static int call_prim = -1, loop_prim = -1;
static uint32_t *native_counts;     /* per code word: calls from native code */
static struct timespec compile_from; /* nothing is compiled before (camllvm_tier_delay) */
static int delaying = 0;
int camllvm_tier_active = 0;        /* the table's lazy entries count (tier.c decides) */
long camllvm_tier_compiles = 0;     /* for --stats */
long camllvm_tier_osr_entries = 0;

/* Size in words of the instruction at word i (0 if malformed). */
static intnat insn_size(intnat i)
{
  int32_t op = raw_code[i];
  intnat n;
  if (op < 0 || op >= n_ops) return 0;
  n = op_operands[op];
  if (n == -1) {                                /* SWITCH */
    uint32_t sizes;
    if (i + 1 >= raw_words) return 0;
    sizes = (uint32_t) raw_code[i + 1];
    n = 1 + (sizes & 0xFFFF) + (sizes >> 16);
  } else if (n == -2) {                         /* CLOSUREREC */
    if (i + 1 >= raw_words || raw_code[i + 1] < 1) return 0;
    n = 2 + raw_code[i + 1];
  }
  return i + 1 + n <= raw_words ? 1 + n : 0;
}

/* The word the last operand (a label relative to its own word) of the
   instruction at word i, of size words, points at. */
static intnat last_label(intnat i, intnat size)
{
  return i + size - 1 + raw_code[i + size - 1];
}

static void add_site(int kind, intnat at, intnat target, intnat moved)
{
  struct tier_site *s;
  if (nsites == sites_cap) {
    sites_cap = sites_cap ? 2 * sites_cap : 1024;
    sites = realloc(sites, sites_cap * sizeof *sites);
    if (sites == NULL) caml_fatal_error("camllvm: out of memory");
  }
  s = &sites[nsites++];
  memset(s, 0, sizeof *s);
  s->kind = kind; s->at = (int32_t) at; s->target = (int32_t) target; s->moved = (int32_t) moved;
}

static void mark(intnat w) { if (w >= 0 && w < raw_words) is_target[w] = 1; }

/* First pass: jump targets and function entries. */
static int scan_targets(uint8_t *entry)
{
  intnat i = 0, size, k;
  while (i < raw_words) {
    int32_t op = raw_code[i];
    if ((size = insn_size(i)) == 0) return 0;
    if (op == SWITCH) {
      for (k = 2; k < size; k++) mark(i + 2 + raw_code[i + k]);
    } else if (op == CLOSUREREC) {
      for (k = 3; k < size; k++) {
        intnat e = i + 3 + raw_code[i + k];
        mark(e); if (e >= 0 && e < raw_words) entry[e] = 1;
      }
    } else if (op == CLOSURE) {
      intnat e = i + 2 + raw_code[i + 2];
      mark(e); if (e >= 0 && e < raw_words) entry[e] = 1;
    } else if (op_flags[op] & F_LABEL) {                /* branches, PUSHTRAP, PUSH_RETADDR */
      mark(last_label(i, size));
    }
    i += size;
  }
  return 1;
}

/* Words from p that whole movable instructions cover (>= 2), or 0. */
static intnat movable_words(intnat p)
{
  intnat covered = 0, size;
  while (covered < 2) {
    intnat w = p + covered;
    if (w >= raw_words) return 0;
    if (covered > 0 && is_target[w]) return 0;
    if ((size = insn_size(w)) == 0) return 0;
    if (!(op_flags[raw_code[w]] & F_MOVABLE)) return 0;
    if ((op_flags[raw_code[w]] & F_BRANCH) && last_label(w, size) <= w) return 0;  /* a loop site */
    covered += size;
  }
  return covered;
}

/* Whether the code calls a primitive whose index has wanted[index] set (C_CALL1..5,
   C_CALLN); -1 if the code cannot be scanned. */
int camllvm_calls_prims(const int32_t *code, intnat words, const int8_t *operands,
                        intnat ops, const uint8_t *wanted, intnat nprims)
{
  intnat i, size;
  raw_code = code; raw_words = words; op_operands = operands; n_ops = ops;
  for (i = 0; i < words; i += size) {
    int32_t op = raw_code[i], prim;
    if ((size = insn_size(i)) == 0) return -1;
    if (op >= C_CALL1 && op <= C_CALL5) prim = raw_code[i + 1];
    else if (op == C_CALLN) prim = raw_code[i + 2];
    else continue;
    if (prim >= 0 && prim < nprims && wanted[prim]) return 1;
  }
  return 0;
}

/* Deep recursions keep garbage in their frames (ocamlc leaves every local there
   until the function returns: the sieve's filter_again holds each intermediate
   list across its non-tail self-call); compiled code clears dead slots before
   such calls (camllvm/liveness.py). A function that calls itself non-tail and
   allocates is therefore compiled after call_threshold / DEEP_FACTOR calls. */
#define DEEP_FACTOR 16

static uint32_t *seen, stamp;       /* deep_recursion's walks (during the plan only) */
static intnat *todo;

/* Whether the function entered at word entry is a deep recursion (see DEEP_FACTOR):
   a walk of the code reachable from it (not into the closures it makes). */
static int deep_recursion(intnat entry)
{
  intnat n = 0, steps = 0;
  int self_call = 0, alloc = 0;
  if (seen == NULL) {
    seen = calloc(raw_words + 1, sizeof *seen);
    todo = malloc((raw_words + 1) * sizeof *todo);
    if (seen == NULL || todo == NULL) caml_fatal_error("camllvm: out of memory");
  }
  stamp++;
  todo[n++] = entry;
  while (n > 0) {
    intnat i = todo[--n], size, k;
    int32_t prev = -1;
    for (; i >= 0 && i < raw_words && seen[i] != stamp; prev = raw_code[i], i += size) {
      int32_t op = raw_code[i];
      seen[i] = stamp;
      if ((size = insn_size(i)) == 0 || ++steps > 100000) return 0;
      if ((op_flags[op] & F_CALL) && prev != -1 && (op_flags[prev] & F_SELF_CLOSURE)) self_call = 1;
      if (op_flags[op] & F_ALLOCATES) alloc = 1;
      if (op == SWITCH) {
        for (k = 2; k < size && n < raw_words; k++) todo[n++] = i + 2 + raw_code[i + k];
      } else if ((op_flags[op] & F_LABEL) && n < raw_words) {
        todo[n++] = last_label(i, size);
      }
      if (op_flags[op] & F_ENDS) break;
    }
  }
  return self_call && alloc;
}

/* Find the sites. Returns their number, or -1 if the code cannot be scanned. */
intnat camllvm_tier_plan(const int32_t *code, intnat words, const int8_t *operands,
                         const uint8_t *flags, intnat ops, intnat calls, intnat loops)
{
  uint8_t *entry;
  intnat i, size;
  raw_code = code; raw_words = words; op_operands = operands; op_flags = flags; n_ops = ops;
  call_threshold = calls; loop_threshold = loops;
  is_target = calloc(words + 1, 1);
  entry = calloc(words + 1, 1);
  if (is_target == NULL || entry == NULL) caml_fatal_error("camllvm: out of memory");
  nsites = 0;
  if (!scan_targets(entry)) { free(entry); return -1; }
  for (i = 0; i < words; i += size) {
    int32_t op = raw_code[i];
    size = insn_size(i);
    if (entry[i]) {
      intnat p = op == GRAB ? i + 2 : i, moved = movable_words(p);
      if (moved) {
        add_site(SITE_CALL, p, i, moved);
        if (deep_recursion(i)) sites[nsites - 1].count = call_threshold - call_threshold / DEEP_FACTOR;
      }
    }
    if ((op_flags[op] & F_BRANCH) && last_label(i, size) <= i)
      add_site(SITE_LOOP, i, last_label(i, size), size);
  }
  free(entry);
  free(seen); free(todo); seen = NULL; todo = NULL;
  return nsites;
}

/* ---- stubs ---- */

static opcode_t *emit_op(opcode_t *p, int op) { *p++ = camllvm_threaded(op); return p; }

/* A BRANCH at p (2 words) to word target; returns the end. */
static opcode_t *emit_branch(opcode_t *p, code_t target)
{
  *p++ = camllvm_threaded(BRANCH);
  *p = (opcode_t)(target - p);
  return p + 1;
}

/* Copy the moved instructions of a call site, their labels pointed at the originals. */
static opcode_t *emit_moved(opcode_t *p, struct tier_site *s)
{
  intnat w = s->at, end = s->at + s->moved;
  while (w < end) {
    intnat size = insn_size(w), k;
    int32_t op = raw_code[w];
    p[0] = camllvm_threaded(op);
    for (k = 1; k < size; k++) p[k] = caml_start_code[w + k];
    if (op == SWITCH) {                    /* offsets from the table's first word */
      for (k = 2; k < size; k++)
        p[k] = (opcode_t)((caml_start_code + w + 2 + raw_code[w + k]) - (p + 2));
    } else if (op_flags[op] & F_LABEL) {
      p[size - 1] = (opcode_t)((caml_start_code + last_label(w, size)) - (p + size - 1));
    }
    p += size; w += size;
  }
  return p;
}

#define CALL_STUB_WORDS(moved) (4 + (moved) + 2)
#define LOOP_STUB_WORDS (3 + 2 + 13 + 7)

static intnat stub_words(struct tier_site *s)
{
  return s->kind == SITE_CALL ? CALL_STUB_WORDS(s->moved) : LOOP_STUB_WORDS;
}

static opcode_t *emit_call_stub(opcode_t *p, intnat id, struct tier_site *s)
{
  p = emit_op(p, CONSTINT); *p++ = (opcode_t) id;
  p = emit_op(p, C_CALL1); *p++ = (opcode_t) call_prim;
  p = emit_moved(p, s);
  return emit_branch(p, caml_start_code + s->at + s->moved);
}

/* [cond: op args -> taken; BRANCH after] taken: PUSH; PUSH_RETADDR; CONSTINT id;
   C_CALL1 tier_loop; BRANCHIFNOT cont; OFFSETINT -1; BRANCH enter switch;
   cont: POP 3; ACC0; POP 1; BRANCH header. */
static opcode_t *emit_loop_stub(opcode_t *p, intnat id, struct tier_site *s)
{
  int32_t op = raw_code[s->at];
  code_t header = caml_start_code + s->target;
  opcode_t *fix_taken = NULL, *fix_cont, *taken;
  intnat k;
  if (op_flags[op] & F_COND) {
    p[0] = camllvm_threaded(op);
    for (k = 1; k < s->moved; k++) p[k] = caml_start_code[s->at + k];
    fix_taken = p + s->moved - 1;
    p = emit_branch(p + s->moved, caml_start_code + s->at + s->moved);
  }
  taken = p;
  if (fix_taken) *fix_taken = (opcode_t)(taken - fix_taken);
  p = emit_op(p, PUSH);
  p = emit_op(p, PUSH_RETADDR); *p = (opcode_t)(taken - p); p++;
  p = emit_op(p, CONSTINT); *p++ = (opcode_t) id;
  p = emit_op(p, C_CALL1); *p++ = (opcode_t) loop_prim;
  p = emit_op(p, BRANCHIFNOT); fix_cont = p++;
  p = emit_op(p, OFFSETINT); *p++ = (opcode_t) -1;
  p = emit_branch(p, camllvm_enter_switch);
  *fix_cont = (opcode_t)(p - fix_cont);
  p = emit_op(p, POP); *p++ = 3;
  p = emit_op(p, ACC0);
  p = emit_op(p, POP); *p++ = 1;
  return emit_branch(p, header);
}

static int reachable(code_t from, code_t to)
{
  intnat d = to - (from + 1);
  return d == (int32_t) d;
}

static void patch(struct tier_site *s)
{
  code_t at = caml_start_code + s->at;
  s->saved[0] = at[0]; s->saved[1] = at[1];
  at[1] = (opcode_t)(s->stub - (at + 1));
  at[0] = camllvm_threaded(BRANCH);
}

static void unpatch(struct tier_site *s)
{
  code_t at = caml_start_code + s->at;
  at[0] = s->saved[0]; at[1] = s->saved[1];
}

value camllvm_tier_call(value id);
value camllvm_tier_loop(value id);

/* ---- background compilation ----
 * In the tiered mode, Python compiles hot code on a thread of its own
 * (camllvm/jit.py, Jit._background) while the interpreter goes on: the
 * compile hooks then return PENDING, and that thread hands each result to
 * camllvm_tier_ready. The threaded code, the table and the sites are written
 * only by the thread running OCaml, at its next counting event (drain_ready),
 * in the order the results came. At exit, a compilation in progress is waited
 * for (LLVM's static destructors must not run under it: the runtime's exit()
 * is wrapped, -Wl,--wrap=exit, since LLVM registers its destructors with
 * atexit lazily, after any handler of ours); after a fork, the child compiles
 * nothing more (the compiling thread is not in it). */
#define PENDING ((camllvm_fn) 1)
#define LOOP_RETRY 1000          /* iterations before a pending loop asks again */
#define CALL_RETRY 1000          /* calls before a function hot too early asks again */
enum { READY_ENTRY, READY_TABLE, READY_LOOP };
struct ready {
  int kind;              /* READY_ENTRY: table + entry patch; READY_TABLE: table only */
  intnat at;             /* code word (ENTRY, TABLE) or site (LOOP) */
  intnat site;           /* ENTRY: the call site that asked (-1: none) */
  camllvm_fn fn;         /* NULL: stays interpreted */
  int stops;             /* LOOP: the code ends at the toplevel's STOP */
  struct ready *next;
};
static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ready *ready_head, **ready_tail = &ready_head;
static volatile int ready_waiting;
static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t job_done = PTHREAD_COND_INITIALIZER;
static int job_running, stopping;
int camllvm_tier_forked = 0;         /* in a child of fork: compile nothing */

/* The compiling thread: code for the site or entry ``at`` is ready. */
void camllvm_tier_ready(int kind, intnat at, intnat site, camllvm_fn fn, int stops)
{
  struct ready *r = malloc(sizeof *r);
  if (r == NULL) return;               /* (then it stays interpreted) */
  r->kind = kind; r->at = at; r->site = site; r->fn = fn; r->stops = stops; r->next = NULL;
  pthread_mutex_lock(&ready_lock);
  *ready_tail = r;
  ready_tail = &r->next;
  ready_waiting = 1;
  pthread_mutex_unlock(&ready_lock);
}

/* From now on, native code fn runs the function at code word entry: native callers
   find it in the table, the interpreter at its patched entry (the tier-up, the
   background's result, and the warm start of Jit._warm_start). */
void camllvm_tier_install_entry(intnat entry, camllvm_fn fn)
{
  camllvm_table[entry] = fn;
  camllvm_patch_entry(entry * (intnat) sizeof(opcode_t));
}

static void install_ready(struct ready *r)
{
  struct tier_site *s;
  switch (r->kind) {
  case READY_ENTRY:
    if (r->fn != NULL) {
      camllvm_tier_install_entry(r->at, r->fn);
    } else if (r->site >= 0) {
      unpatch(&sites[r->site]);
    }
    break;
  case READY_TABLE:
    camllvm_table[r->at] = r->fn;
    break;
  case READY_LOOP:
    s = &sites[r->at];
    s->pending = 0;
    s->toplevel = r->stops;
    if (r->fn != NULL) s->osr = r->fn;
    else { s->dead = 1; unpatch(s); }
    break;
  }
}

/* Install what the compiling thread finished (on the thread running OCaml). */
static void drain_ready(void)
{
  struct ready *r, *next;
  if (!ready_waiting) return;
  pthread_mutex_lock(&ready_lock);
  r = ready_head;
  ready_head = NULL;
  ready_tail = &ready_head;
  ready_waiting = 0;
  pthread_mutex_unlock(&ready_lock);
  for (; r != NULL; r = next) {
    next = r->next;
    install_ready(r);
    free(r);
  }
}

/* The compiling thread, around each job: 0 if the program is exiting. */
int camllvm_tier_begin_job(void)
{
  int go;
  pthread_mutex_lock(&job_lock);
  go = !stopping;
  job_running = go;
  pthread_mutex_unlock(&job_lock);
  return go;
}

void camllvm_tier_end_job(void)
{
  pthread_mutex_lock(&job_lock);
  job_running = 0;
  pthread_cond_broadcast(&job_done);
  pthread_mutex_unlock(&job_lock);
}

static void wait_for_compiler(void)
{
  pthread_mutex_lock(&job_lock);
  stopping = 1;
  while (job_running) pthread_cond_wait(&job_done, &job_lock);
  pthread_mutex_unlock(&job_lock);
}

void __real_exit(int status);
void __wrap_exit(int status)
{
  wait_for_compiler();
  __real_exit(status);
}

static void forked_child(void)
{
  camllvm_tier_forked = 1;
  pthread_mutex_init(&ready_lock, NULL);
  pthread_mutex_init(&job_lock, NULL);
  job_running = 0;
}

/* Python starts its compiling thread. */
void camllvm_tier_background(void)
{
  pthread_atfork(NULL, NULL, forked_child);
}

/* --tier-delay=MS: nothing is compiled in the first MS milliseconds (LLVM's
   start-up and first compilations cost ~0.1-0.3 s of CPU, which a shorter run
   never earns back); code that gets hot earlier asks again CALL_RETRY calls or
   LOOP_RETRY iterations later, its counting stub still running meanwhile (which
   is why it is not the default: call-heavy runs of 0.2-3 s lose 5-50 %). Set
   before the program starts. */
void camllvm_tier_delay(intnat ms)
{
  clock_gettime(CLOCK_MONOTONIC, &compile_from);
  compile_from.tv_sec += ms / 1000;
  compile_from.tv_nsec += (ms % 1000) * 1000000L;
  if (compile_from.tv_nsec >= 1000000000L) {
    compile_from.tv_sec++;
    compile_from.tv_nsec -= 1000000000L;
  }
  delaying = ms > 0;
}

static int too_early(void)
{
  struct timespec now;
  if (!delaying) return 0;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (now.tv_sec < compile_from.tv_sec
      || (now.tv_sec == compile_from.tv_sec && now.tv_nsec < compile_from.tv_nsec))
    return 1;
  delaying = 0;
  return 0;
}

/* Compile the function at code word entry (its RESTART entry too, if any): enter
   it natively from the interpreter from now on. NULL if it stays interpreted,
   PENDING while it compiles in the background. */
static camllvm_fn compile_function(intnat entry, intnat site)
{
  camllvm_fn fn;
  if (camllvm_tier_forked) return NULL;
  camllvm_tier_compiles++;
  fn = compile_call(entry * (intnat) sizeof(opcode_t), site);
  if (fn != NULL && fn != PENDING) camllvm_tier_install_entry(entry, fn);
  return fn;
}

/* Once the code is loaded and threaded: build the stubs, patch the sites. */
void camllvm_tier_install(void)
{
  code_t area, p;
  intnat i, words;
  native_counts = calloc(raw_words + 1, sizeof *native_counts);
  if (native_counts == NULL) caml_fatal_error("camllvm: out of memory");
  camllvm_tier_active = 1;
  if (nsites == 0) return;
  for (i = 0, words = 0; i < nsites; i++) words += stub_words(&sites[i]);
  area = camllvm_map_near_code(words);
  if (area == NULL) return;                  /* no tiering: everything interpreted */
  call_prim = caml_prim_table.size;
  caml_ext_table_add(&caml_prim_table, (void *) camllvm_tier_call);
  loop_prim = caml_prim_table.size;
  caml_ext_table_add(&caml_prim_table, (void *) camllvm_tier_loop);
  p = area;
  for (i = 0; i < nsites; i++) {
    struct tier_site *s = &sites[i];
    code_t at = caml_start_code + s->at;
    if (!reachable(at, p) || !reachable(p + stub_words(s), caml_start_code)) continue;
    s->stub = p;
    p = s->kind == SITE_CALL ? emit_call_stub(p, i, s) : emit_loop_stub(p, i, s);
  }
  for (i = 0; i < nsites; i++)
    if (sites[i].stub != NULL) patch(&sites[i]);
}

/* C_CALL1 target of a call site's stub (the accumulator is dead). */
value camllvm_tier_call(value id)
{
  struct tier_site *s = &sites[Long_val(id)];
  drain_ready();
  s->hits++;
  if (++s->count == call_threshold && too_early()) {
    s->count = call_threshold - CALL_RETRY;
  } else if (s->count == call_threshold) {
    camllvm_compiling_closure = Caml_state_field(extern_sp)[0];  /* env, pushed by C_CALL */
    if (compile_function(s->target, Long_val(id)) == NULL) unpatch(s);
    camllvm_compiling_closure = Val_unit;
  }
  return Val_unit;
}

/* Native code calls the code at word i (a function's entry or its RESTART),
   which is not compiled: count, and compile it once hot. The code to run
   (interpreted: the deferral entry, which runs it in the interpreter). */
camllvm_fn camllvm_tier_native_call(uintnat i, camllvm_fn interpreted)
{
  intnat entry = raw_code[i] == RESTART ? (intnat) i + 1 : (intnat) i;
  camllvm_fn fn, before = camllvm_table[i];
  drain_ready();
  if (camllvm_table[i] != before) return camllvm_table[i];  /* just installed */
  if (native_counts[i] == UINT32_MAX || ++native_counts[i] < (uint64_t) call_threshold)
    return interpreted;
  if (too_early()) {
    native_counts[i] = call_threshold > CALL_RETRY ? (uint32_t) (call_threshold - CALL_RETRY) : 0;
    return interpreted;
  }
  native_counts[i] = UINT32_MAX;         /* decided: do not ask again */
  /* (compiling the function installs its RESTART entry too) */
  fn = compile_function(entry, -1);
  return fn != NULL && fn != PENDING ? camllvm_table[i] : interpreted;
}

/* C_CALL1 target of a loop site's stub. The stack holds env, pc+1 (the
   C call) | retaddr, env, extra_args (PUSH_RETADDR) | accu | the loop's. */
value camllvm_tier_loop(value id)
{
  struct tier_site *s = &sites[Long_val(id)];
  value *sp = Caml_state_field(extern_sp);
  camllvm_fn fn;
  drain_ready();
  if (s->osr == NULL) {
    s->hits++;
    if (s->dead || ++s->count < loop_threshold || camllvm_tier_forked) return Val_false;
    if (too_early()) {
      s->count = loop_threshold - LOOP_RETRY;
      return Val_false;
    }
    if (!s->pending) camllvm_tier_compiles++;
    camllvm_compiling_closure = sp[0];
    fn = compile_loop((intnat) s->target * sizeof(opcode_t), Long_val(id));
    camllvm_compiling_closure = Val_unit;
    if (fn == PENDING) {           /* ask again later (another site may have asked first) */
      s->pending = 1;
      s->count = loop_threshold - LOOP_RETRY;
      return Val_false;
    }
    s->pending = 0;
    if (fn == NULL) {                         /* stays interpreted */
      s->dead = 1;
      unpatch(s);
      return Val_false;
    }
    s->osr = fn;
  }
  camllvm_tier_osr_entries++;
  return Val_int(1 + Long_val(camllvm_run_from_interp(s->osr, sp, sp + 6, sp[0],
                                                      Long_val(sp[4]), s->toplevel)));
}

/* Calls or iterations a site has counted (the compiling thread compiles first what
   ran most while it waited: jit.py's CompileQueue); -1 for no site (a call from native code). */
intnat camllvm_tier_site_hits(intnat site)
{
  return site >= 0 && site < nsites ? sites[site].hits : -1;
}

/* Set-up from Python. */
void camllvm_tier_hooks(tier_compile_fn call, tier_compile_fn loop)
{
  compile_call = call; compile_loop = loop;
}

void camllvm_tier_set_toplevel(intnat site, int toplevel) { sites[site].toplevel = toplevel; }
