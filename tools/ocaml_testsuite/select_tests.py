"""Select single-file bytecode-runnable tests from the OCaml 4.13.1 testsuite
(Debian source package ocaml_4.13.1, fetch.sh) and copy them to
$OCAML_TESTSUITE_DIR/src/<dir>/<name>.ml with a <name>.json describing
flags/libs/OCAMLRUNPARAM/args/readonly files; skipped ones and why: skipped.txt."""
import os, re, json, shutil, sys
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BASE = os.environ.get('OCAML_TESTSUITE_DIR', os.path.join(REPO, '.cache', 'ocaml-testsuite'))
T = os.path.join(BASE, 'apt', 'ocaml-4.13.1', 'testsuite', 'tests')
OUT = os.path.join(BASE, 'src')
DIRS = """basic basic-float basic-io basic-io-2 basic-more basic-modules backtrace exotic-syntax
float-unboxing lazy letrec-compilation local-functions match-exception misc misc-unsafe
prim-bswap prim-revapply runtime-errors translprim array-functions extension-constructor
statmemprof runtime-objects regression generalized-open asmcomp
lib-arg lib-array lib-bool lib-buffer lib-bytes lib-channels lib-digest lib-either lib-filename
lib-float lib-floatarray lib-format lib-fun lib-hashtbl lib-int lib-int64 lib-lazy lib-list
lib-marshal lib-obj lib-option lib-printf lib-queue lib-random lib-result lib-scanf lib-seq
lib-set lib-stack lib-stdlabels lib-str lib-stream lib-string lib-sys lib-systhreads
lib-threads lib-uchar lib-unix lib-bigarray lib-atomic""".split()

def header(txt):
    m = re.search(r'\(\* TEST', txt)
    if not m: return None
    i = m.end(); depth = 1
    while i < len(txt) and depth > 0:
        if txt.startswith('(*', i): depth += 1; i += 2
        elif txt.startswith('*)', i): depth -= 1; i += 2
        else: i += 1
    h = txt[m.start()+2:i-2]
    # drop nested comments
    while True:
        h2 = re.sub(r'\(\*((?!\(\*).)*?\*\)', ' ', h, flags=re.S)
        if h2 == h: break
        h = h2
    return h

def actions(h):
    return set(re.findall(r'^\s*\*+\s*([\w.-]+)', h, flags=re.M))

skipped = []; selected = []
for d in DIRS:
    for root, _, files in os.walk(os.path.join(T, d)):
        for f in sorted(files):
            if not f.endswith('.ml'): continue
            p = os.path.join(root, f); rel = os.path.relpath(p, T)
            txt = open(p, errors='replace').read()
            h = header(txt)
            def skip(why): skipped.append((rel, why))
            if h is None: skip('no header (auxiliary)'); continue
            acts = actions(h)
            bad = [w for w in ('expect', 'toplevel', 'ocamlopt.byte', 'ocamldoc', 'check-ocamlc.byte-output') if w in acts]
            if bad: skip('action ' + bad[0]); continue
            if re.search(r'\bmodules\s*=', h): skip('multi-file / C stubs (modules=)'); continue
            if re.search(r'\bprogram\s*=|\bscript\s*=|compile_only|binary_modules|include (config|ocamlcommon)|-dlambda', h):
                skip('custom build/script'); continue
            if 'native' in acts and not ({'bytecode', 'ocamlc.byte', 'run'} & acts):
                skip('native only'); continue
            if 'libwin32unix' in acts and 'libunix' not in acts and 'hasunix' not in acts:
                skip('windows only'); continue
            if 'flambda' in acts: skip('flambda'); continue
            if re.search(r'external\s+\w+\s*:[^=]*=\s*"(?!caml_|%)', txt): skip('own C stubs'); continue
            flags = []
            for m in re.finditer(r'\b(?:flags|ocamlc_flags)\s*\+?=\s*"([^"]*)"', h):
                flags += m.group(1).split()
            rp = []
            for m in re.finditer(r'ocamlrunparam\s*\+?=\s*"([^"]*)"', h):
                v = m.group(1).strip(',')
                if v not in rp: rp.append(v)
            libs = []
            if re.search(r'include\s+testing', h): libs.append('testing')
            if re.search(r'include\s+systhreads', h): libs += ['unix', 'threads']
            elif re.search(r'include\s+unix|hasunix|libunix', h): libs.append('unix')
            if re.search(r'include\s+str', h): libs.append('str')
            m = re.search(r'\barguments\s*=\s*"([^"]*)"', h)
            args = m.group(1).split() if m else []
            m = re.search(r'readonly_files\s*=\s*"([^"]*)"', h)
            ro = m.group(1).split() if m else []
            if any(x.endswith('.c') for x in ro): skip('C readonly file'); continue
            parts = rel[:-3].split('/')
            dname, name = parts[0], '__'.join(parts[1:])
            od = os.path.join(OUT, dname); os.makedirs(od, exist_ok=True)
            shutil.copy(p, os.path.join(od, name + '.ml'))
            # files the program reads: readonly_files plus its own source (arguments)
            ro_all = sorted(set(ro + [a for a in args if os.path.exists(os.path.join(root, a))]))
            if ro_all:
                fd = os.path.join(od, name + '.files'); os.makedirs(fd, exist_ok=True)
                for r in ro_all: shutil.copy(os.path.join(root, r), fd)
            meta = dict(orig=rel, flags=flags, ocamlrunparam=rp or [''], libs=libs, args=args, files=ro_all)
            json.dump(meta, open(os.path.join(od, name + '.json'), 'w'), indent=1)
            selected.append(rel)
shutil.copy(os.path.join(T, '../lib/testing.ml'), OUT); shutil.copy(os.path.join(T, '../lib/testing.mli'), OUT)
with open(os.path.join(BASE, 'skipped.txt'), 'w') as fo:
    for r, w in skipped: fo.write(f'{r}\t{w}\n')
print(len(selected), 'selected;', len(skipped), 'skipped')
