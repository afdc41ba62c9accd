/* camllvm runtime shim: the only C in camllvm.
 *
 * Linked with every object of Debian's libcamlrun_pic.a except main, with
 * `ld --wrap=caml_interprete`, so every entry into bytecode execution (the
 * program start in caml_main and each callback from C in callback.c) comes
 * through camllvm_interprete_entry. The JIT installs its own entry with
 * camllvm_set_hook; the real interpreter stays reachable behind it.
 */
#define CAML_INTERNALS
#include <caml/mlvalues.h>
#include <caml/callback.h>
#include <caml/sys.h>

typedef value (*camllvm_interp_fn)(code_t prog, asize_t prog_size);

value __real_caml_interprete(code_t prog, asize_t prog_size);

static camllvm_interp_fn camllvm_hook = NULL;

/* Number of entries into OCaml's own interpreter (for --stats). */
long camllvm_interp_entries = 0;

/* The raise buffer of the innermost interpreter run that entered native code
   (set by camllvm_run_from_interp; see camllvm_try). Each run of the real
   interpreter restores it when it returns (it always returns: it catches
   every raise), so it never names a dead buffer. Per thread: systhreads
   switch interpreters and their buffers (initial-exec: one load, no call). */
__thread void *camllvm_interp_landing __attribute__((tls_model("initial-exec"))) = NULL;

static value real_interprete(code_t prog, asize_t prog_size)
{
  void *landing = camllvm_interp_landing;
  value res = __real_caml_interprete(prog, prog_size);
  camllvm_interp_landing = landing;
  return res;
}

value __wrap_caml_interprete(code_t prog, asize_t prog_size)
{
  /* prog == NULL is the interpreter's own initialisation call (it builds the
     threaded-code jump table): always the real one. */
  if (prog != NULL && camllvm_hook != NULL) return camllvm_hook(prog, prog_size);
  if (prog != NULL) camllvm_interp_entries++;
  return real_interprete(prog, prog_size);
}

void camllvm_set_hook(camllvm_interp_fn hook) { camllvm_hook = hook; }

/* The domain state at a fixed, linked address. OCaml allocates it
   (caml_init_domain, the first thing caml_main does) and reaches it through
   the Caml_state pointer; compiled code refers to this symbol instead, which
   saves a dependent load in every prologue and allocation. Moved before
   anything keeps an address inside it (caml_init_backtrace registers a field
   as a root later), so nothing else notices. */
#include <string.h>
#include <caml/domain_state.h>
#include <caml/memory.h>

caml_domain_state camllvm_domain_state __attribute__((aligned(64)));

/* As a rule, rather at a fixed address below 2 GiB (below the native table and
   the code, see below): compiled code then reaches its fields with 32-bit
   absolute addresses, and needs no register for the symbol's 64-bit address
   (loaded with movabs at every function's entry). camllvm_domain_address says
   where it is (0: at the symbol). */
#include <sys/mman.h>
#define DOMAIN_ADDRESS ((void *) 0x1fff0000)
uintnat camllvm_domain_address = 0;

/* Fresh writable memory at exactly ``address`` (the domain state, the code,
   jitglue.c's table), or NULL where anything is mapped there already. */
void *camllvm_map_fixed(void *address, uintnat bytes)
{
  void *mem = mmap(address, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (mem == address) return mem;
  if (mem != MAP_FAILED) munmap(mem, bytes);  /* (a kernel older than the flag: a hint) */
  return NULL;
}

static caml_domain_state *domain_state_home(void)
{
  caml_domain_state *mem = camllvm_map_fixed(DOMAIN_ADDRESS, sizeof(caml_domain_state));
  if (mem == NULL) return &camllvm_domain_state;
  camllvm_domain_address = (uintnat) mem;
  return mem;
}

void __real_caml_init_domain(void);

void __wrap_caml_init_domain(void)
{
  caml_domain_state *allocated, *home;
  __real_caml_init_domain();
  allocated = Caml_state;
  if (allocated == &camllvm_domain_state || (uintnat) allocated == camllvm_domain_address) return;
  home = domain_state_home();
  memcpy(home, allocated, sizeof *home);
  Caml_state = home;
  caml_stat_free(allocated);
}

/* The program's code at a fixed address below 2 GiB: compiled code pushes a
   return address (caml_start_code + pc) at every call, and with the code there
   each is a 32-bit immediate of the store instruction, instead of a load of
   caml_start_code and an add (which LLVM hoisted into every function's entry,
   and spilled). caml_load_code (fix_code.c) reads the code into a fresh block
   and registers it as a code fragment before anything else keeps an address
   inside it; the registration moves it. Where the address is taken (or the
   code is over 1 GiB) the code stays where it was, camllvm_code_address is 0,
   and compiled code loads caml_start_code instead. */
#include <caml/codefrag.h>
#include <caml/fix_code.h>

#define CODE_ADDRESS ((char *) 0x40000000)
#define CODE_AREA_MAX (1UL << 30)
uintnat camllvm_code_address = 0;

int __real_caml_register_code_fragment(char *start, char *end,
                                       enum digest_status digest_kind,
                                       unsigned char *opt_digest);

int __wrap_caml_register_code_fragment(char *start, char *end,
                                       enum digest_status digest_kind,
                                       unsigned char *opt_digest)
{
  uintnat size = end - start;
  char *area;
  if (camllvm_code_address == 0 && start == (char *) caml_start_code && size <= CODE_AREA_MAX
      && (area = camllvm_map_fixed(CODE_ADDRESS, size)) != NULL) {
    memcpy(area, start, size);
    caml_stat_free(start);
    caml_start_code = (code_t) area;
    start = area;
    end = start + size;
    camllvm_code_address = (uintnat) area;
  }
  return __real_caml_register_code_fragment(start, end, digest_kind, opt_digest);
}

/* The real interpreter, for the JIT's cold paths. */
value camllvm_real_interprete(code_t prog, asize_t prog_size)
{
  camllvm_interp_entries++;
  return real_interprete(prog, prog_size);
}

/* What ocamlrun's main() does: run the program, then exit through the
   runtime (flushing channels, running at_exit). Never returns. */
void camllvm_main(char_os **argv)
{
  caml_main(argv);
  caml_do_exit(0);
}

/* ocamlrun reads an uninitialised field here: caml_debuginfo_location
   (backtrace_byt.c) leaves loc_is_inlined unset for a pc without debug
   information, and caml_print_exception_backtrace then prints
   " (inlined)" after "unknown location" depending on stale stack contents.
   Under ocamlrun 4.13.1 that is observably 0 on the fatal-uncaught path
   (caml_fatal_uncaught_exception) and non-zero on the systhreads path
   (caml_thread_uncaught_exception); native code leaves other stack
   contents, so we set the field to what ocamlrun shows. OCaml-side
   Printexc never reads it for unknown locations. */
#include <caml/backtrace_prim.h>

void __real_caml_debuginfo_location(debuginfo dbg, struct caml_loc_info *li);
void __real_caml_fatal_uncaught_exception(value exn);
static int in_fatal_uncaught = 0;

/* Whether the instruction at a backtrace's pc is a raise, read from the code as
   loaded: an entry the JIT patched (a BRANCH into its stubs) hides the two words
   it overwrote, and "ACC0; RAISE" is a whole function (Printexc would print
   "Raised by primitive operation at" instead of "Raised at"). */
#include <caml/fix_code.h>
#include <caml/instruct.h>

opcode_t camllvm_code_word(code_t pc);  /* jitglue.c */

void __wrap_caml_debuginfo_location(debuginfo dbg, struct caml_loc_info *li)
{
  opcode_t word = camllvm_code_word((code_t) dbg);
  __real_caml_debuginfo_location(dbg, li);
  li->loc_is_raise = caml_is_instruction(word, RAISE) || caml_is_instruction(word, RERAISE);
  if (!li->loc_valid) li->loc_is_inlined = !in_fatal_uncaught;
}

void __wrap_caml_fatal_uncaught_exception(value exn)
{
  in_fatal_uncaught = 1;
  __real_caml_fatal_uncaught_exception(exn);
}
