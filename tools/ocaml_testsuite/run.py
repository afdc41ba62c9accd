#!/usr/bin/env python3
"""Differential run of OCaml 4.13.1 testsuite programs: ocamlrun vs camllvm.

Programs: $OCAML_TESTSUITE_DIR/src/<dir>/<name>.ml with <name>.json (made by
select_tests.py from the testsuite of Debian's ocaml_4.13.1 source package, fetch.sh);
OCAML_TESTSUITE_DIR defaults to .cache/ocaml-testsuite in the repository.

For every program and every OCAMLRUNPARAM variant of its TEST header:
  oracle   : ocamlrun prog.byte, twice (to detect nondeterministic programs)
  default  : camllvm prog.byte            (cold: first run of this program)
  default2 : camllvm prog.byte            (again: warm path, from the code cache)
  all      : camllvm --jit=all prog.byte
  s4k      : camllvm prog.byte with OCAMLRUNPARAM=<rp>,s=4k, against
             ocamlrun with the same OCAMLRUNPARAM
stdout, stderr and exit code are compared byte for byte.  Each run gets a fresh
working directory (with the program's readonly files), stdin </dev/null,
`nice -n 19`.  A mode that differs is rerun (oracle 3 more times, camllvm
once) to tell a consistent difference from a flaky one.

usage: run.py [--only SUBSTR,...] [--keep-cache] [--extra] [--summary FILE]
Results: $OCAML_TESTSUITE_DIR/results/<dir>/<name>[@rp]/<mode>.{out,err,rc} and
$OCAML_TESTSUITE_DIR/results/summary.json, summary.txt.
"""
import argparse, glob, json, os, shutil, subprocess, sys, tempfile, time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BASE = os.environ.get('OCAML_TESTSUITE_DIR', os.path.join(REPO, '.cache', 'ocaml-testsuite'))
SRC = BASE + '/src'
BUILD = BASE + '/build'
RES = BASE + '/results'
CAMLLVM = os.path.join(REPO, '.venv', 'bin', 'camllvm')
CACHE = BASE + '/cache'
T_ORACLE = 20
T_CAMLLVM = 180


def run_timeout(cmd, cwd, env, timeout):
    """Run in a new session; on timeout kill that session's group only."""
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
        return out, err, p.returncode
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, 9)
        except ProcessLookupError:
            pass
        out, err = p.communicate()
        return out, err, 'timeout'


def build(meta, mlpath, bdir):
    os.makedirs(bdir, exist_ok=True)
    name = os.path.basename(mlpath)[:-3]
    shutil.copy(mlpath, bdir)
    cmd = ['ocamlc'] + meta['flags']
    libs = meta['libs']
    if 'threads' in libs:
        cmd += ['-I', '+threads']
    if 'unix' in libs:
        cmd += ['unix.cma']
    if 'threads' in libs:
        cmd += ['threads.cma']
    if 'str' in libs:
        cmd += ['str.cma']
    if 'testing' in libs:
        shutil.copy(SRC + '/testing.mli', bdir)
        shutil.copy(SRC + '/testing.ml', bdir)
        cmd += ['testing.mli', 'testing.ml']
    cmd += [name + '.ml', '-o', name + '.byte']
    out, err, rc = run_timeout(cmd, bdir, dict(os.environ), 300)
    return rc == 0, (out + err).decode(errors='replace'), ' '.join(cmd)


def base_env(rp):
    env = {k: v for k, v in os.environ.items()
           if k not in ('OCAMLRUNPARAM', 'CAMLRUNPARAM')}
    env['CAMLLVM_CACHE_DIR'] = CACHE
    if rp:
        env['OCAMLRUNPARAM'] = rp
    return env


def one_run(kind, prog, meta, filesdir, rp, timeout):
    """kind: 'ocamlrun' or list of camllvm options."""
    wd = tempfile.mkdtemp(prefix='run-', dir=BASE + '/work')
    if filesdir and os.path.isdir(filesdir):
        for f in os.listdir(filesdir):
            shutil.copy(os.path.join(filesdir, f), wd)
    if kind == 'ocamlrun':
        cmd = ['nice', '-n', '19', 'ocamlrun', prog] + meta['args']
    else:
        cmd = ['nice', '-n', '19', CAMLLVM] + kind + [prog] + meta['args']
    t0 = time.time()
    out, err, rc = run_timeout(cmd, wd, base_env(rp), timeout)
    dt = time.time() - t0
    shutil.rmtree(wd, ignore_errors=True)
    return dict(out=out, err=err, rc=rc, time=round(dt, 2), cmd=cmd)


def same(a, b):
    return a['out'] == b['out'] and a['err'] == b['err'] and a['rc'] == b['rc']


def save(d, mode, r):
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, mode + '.out'), 'wb').write(r['out'])
    open(os.path.join(d, mode + '.err'), 'wb').write(r['err'])
    open(os.path.join(d, mode + '.rc'), 'w').write(
        f"{r['rc']}\n{' '.join(r['cmd'])}\ntime {r['time']}\n")


def first_diff(a, b):
    for key in ('rc', 'out', 'err'):
        if a[key] != b[key]:
            if key == 'rc':
                return f"exit code {a['rc']} vs {b['rc']}"
            la = a[key].decode(errors='replace').splitlines()
            lb = b[key].decode(errors='replace').splitlines()
            for i in range(max(len(la), len(lb))):
                x = la[i] if i < len(la) else '<EOF>'
                y = lb[i] if i < len(lb) else '<EOF>'
                if x != y:
                    return f"{key} line {i+1}: ocamlrun={x[:150]!r} camllvm={y[:150]!r}"
            return f"{key}: trailing bytes differ"
    return ''


def main():
    global BUILD, RES
    ap = argparse.ArgumentParser()
    ap.add_argument('--only', default='')
    ap.add_argument('--keep-cache', action='store_true',
                    help='do not clear the private code cache first')
    ap.add_argument('--summary', default=RES + '/summary.json')
    ap.add_argument('--force-g', action='store_true',
                    help='compile every program with -g and run with OCAMLRUNPARAM b '
                         '(build-g/, results-g/)')
    ap.add_argument('--extra', action='store_true',
                    help='also tiny tier thresholds (sync, warm, background), --jit-seed=1, '
                         '--jit=all with s=4k, with b, and with --opt=3')
    a = ap.parse_args()
    if a.force_g:
        BUILD, RES = BUILD + '-g', RES + '-g'
        if a.summary == ap.get_default('summary'):
            a.summary = RES + '/summary.json'
    os.makedirs(RES, exist_ok=True)
    os.makedirs(BASE + '/work', exist_ok=True)
    if not a.keep_cache and os.path.isdir(CACHE + '/code'):
        shutil.rmtree(CACHE + '/code')
    metas = sorted(glob.glob(SRC + '/*/*.json'))
    if a.only:
        keys = a.only.split(',')
        metas = [m for m in metas if any(k in m for k in keys)]
    rev = subprocess.run(['git', '-C', REPO, 'rev-parse', '--short', 'HEAD'],
                         capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(['git', '-C', REPO, 'status', '--short'],
                           capture_output=True, text=True).stdout.strip()
    summary = dict(camllvm_rev=rev, camllvm_dirty=dirty.splitlines(), started=time.ctime(),
                   tests={})
    for mj in metas:
        meta = json.load(open(mj))
        if a.force_g:
            if '-g' not in meta['flags']:
                meta['flags'] = meta['flags'] + ['-g']
            meta['ocamlrunparam'] = [
                x if any(p == 'b' or p.startswith('b=') for p in x.split(','))
                else (x + ',b' if x else 'b') for x in meta['ocamlrunparam']]
        ml = mj[:-5] + '.ml'
        rel = os.path.relpath(ml, SRC)[:-3]
        filesdir = mj[:-5] + '.files'
        bdir = os.path.join(BUILD, rel)
        ok, log, ccmd = build(meta, ml, bdir)
        entry = dict(orig=meta['orig'], compile=ccmd, compiled=ok, variants={})
        summary['tests'][rel] = entry
        if not ok:
            entry['compile_log'] = log[-2000:]
            print(f'[nocompile] {rel}: {log.strip().splitlines()[-1] if log.strip() else ""}', flush=True)
            continue
        prog = os.path.join(bdir, os.path.basename(ml)[:-3] + '.byte')
        for rp in meta['ocamlrunparam']:
            vkey = rp or '-'
            rdir = os.path.join(RES, rel + ('@' + rp if rp else ''))
            v = dict(ocamlrunparam=rp, modes={})
            entry['variants'][vkey] = v
            o1 = one_run('ocamlrun', prog, meta, filesdir, rp, T_ORACLE)
            o2 = one_run('ocamlrun', prog, meta, filesdir, rp, T_ORACLE)
            save(rdir, 'oracle', o1)
            v['oracle_time'] = o1['time']
            if o1['rc'] == 'timeout':
                v['status'] = 'oracle-timeout'
                print(f'[oracle-timeout] {rel} {vkey}', flush=True)
                continue
            if not same(o1, o2):
                save(rdir, 'oracle2', o2)
                v['status'] = 'oracle-nondeterministic'
                v['oracle_diff'] = first_diff(o1, o2)
                print(f'[nondet] {rel} {vkey}: {v["oracle_diff"]}', flush=True)
                continue
            oracles = {rp: o1}

            def oracle_for(xrp):
                if xrp not in oracles:
                    oracles[xrp] = one_run('ocamlrun', prog, meta, filesdir, xrp, T_ORACLE)
                    save(rdir, 'oracle-' + xrp.replace(',', '_').replace('=', ''), oracles[xrp])
                return oracles[xrp]
            rp4 = (rp + ',s=4k') if rp else 's=4k'
            rpb = rp if 'b' in rp.split(',') or any(x.startswith('b=') and x != 'b=0' for x in rp.split(',')) \
                else ((rp + ',b') if rp else 'b')
            modes = [('default', [], rp), ('default2', [], rp),
                     ('all', ['--jit=all'], rp), ('s4k', [], rp4)]
            if a.extra:
                tiny = ['--tier-calls=2', '--tier-loops=2']
                modes += [('tiny-sync', tiny + ['--sync-compile'], rp),
                          ('tiny-sync-warm', tiny + ['--sync-compile'], rp),
                          ('tiny-bg', tiny, rp),
                          ('seed1', ['--jit-seed=1'], rp),
                          ('all-s4k', ['--jit=all'], rp4),
                          ('all-b', ['--jit=all'], rpb),
                          ('tiny-s4k', tiny + ['--sync-compile'], rp4),
                          ('all-opt3', ['--jit=all', '--opt=3'], rp)]
            bad = []
            for mode, opts, mrp in modes:
                oracle = oracle_for(mrp)
                if oracle['rc'] == 'timeout':
                    continue
                r = one_run(opts, prog, meta, filesdir, mrp, T_CAMLLVM)
                save(rdir, mode, r)
                m = dict(time=r['time'], ok=same(oracle, r))
                if not m['ok']:
                    m['diff'] = first_diff(oracle, r)
                    # classify: is the oracle itself unstable, is camllvm consistent?
                    extra = [one_run('ocamlrun', prog, meta, filesdir, mrp, T_ORACLE)
                             for _ in range(3)]
                    m['oracle_matches_camllvm'] = any(same(x, r) for x in extra)
                    m['oracle_unstable'] = any(not same(x, oracle) for x in extra)
                    r2 = one_run(opts, prog, meta, filesdir, mrp, T_CAMLLVM)
                    save(rdir, mode + '-rerun', r2)
                    m['rerun_ok'] = same(oracle, r2)
                    bad.append(mode)
                v['modes'][mode] = m
            v['status'] = 'pass' if not bad else 'DIFF:' + ','.join(bad)
            print(f"[{v['status']}] {rel} {vkey} (ocamlrun {o1['time']}s, "
                  + ' '.join(f"{k} {x['time']}s" for k, x in v['modes'].items()) + ')',
                  flush=True)
            for mode in bad:
                print(f"    {mode}: {v['modes'][mode]['diff']}", flush=True)
        json.dump(summary, open(a.summary, 'w'), indent=1)
    summary['finished'] = time.ctime()
    json.dump(summary, open(a.summary, 'w'), indent=1)
    # text summary
    n = len(summary['tests'])
    comp = [t for t in summary['tests'].values() if t['compiled']]
    lines = [f'camllvm {rev} (dirty files: {len(summary["camllvm_dirty"])}); '
             f'{n} programs, {len(comp)} compiled']
    cnt = {}
    for rel, t in summary['tests'].items():
        for vk, v in t['variants'].items():
            s = v['status'].split(':')[0]
            cnt[s] = cnt.get(s, 0) + 1
            if s == 'DIFF':
                for mode, m in v['modes'].items():
                    if not m['ok']:
                        lines.append(f'DIFF {rel} [{vk}] {mode}: {m["diff"]} '
                                     f'(rerun_ok={m["rerun_ok"]}, oracle_unstable={m["oracle_unstable"]})')
    lines.insert(1, 'variants: ' + ', '.join(f'{k}={v}' for k, v in sorted(cnt.items())))
    open(os.path.splitext(a.summary)[0] + '.txt', 'w').write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
