/**
 * bt check on real traces (eBPF, as root) of Debian's python3 building a
 * tiny package with pip (pip wheel ., setuptools' setup.py under it), with
 * a HOME of its own holding pip's configuration, setuptools' and a user
 * site-packages: those are Python's homes and no finding; the file the
 * setup.py reads from HOME is. A python that only runs code (no pip, no
 * setup.py) drives no Python build: its look at the user site-packages
 * stays a finding.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { ebpfTest } from '../helpers/ebpf.js';
import { needPythonModules, needTools } from '../helpers/tools.js';
import { bt, tmpdir, trace } from '../helpers/trace.js';

const PYTHON = '/usr/bin/python3';

/** Debian's python3's X.Y; undefined (the test skipped) when it or its pip and setuptools are missing; under CI that fails the test. */
function pythonVersion(t: TestContext): string | undefined {
  if (!needTools(t, PYTHON) || !needPythonModules(t, PYTHON, 'pip', 'setuptools')) return undefined;
  return spawnSync(PYTHON, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).stdout.trim();
}

interface Json {
  checked: string[];
  findings: Array<{ kind: string; file: string; fix?: string; uses: Array<{ path: string; access: string[] }> }>;
}

ebpfTest("check: a pip build's own homes (pip.conf, ~/.pydistutils.cfg, pip's cache, the user site-packages) are no finding; a file setup.py reads from HOME is", async (t) => {
  const version = pythonVersion(t);
  if (!version) return;
  const top = tmpdir('bt-python-');
  const home = path.join(top, 'home');
  const site = path.join(home, `.local/lib/python${version}/site-packages`);
  fs.mkdirSync(site, { recursive: true });
  fs.mkdirSync(path.join(home, '.config/pip'), { recursive: true });
  fs.writeFileSync(path.join(home, '.config/pip/pip.conf'), '[global]\ntimeout = 60\n');
  fs.writeFileSync(path.join(home, '.pydistutils.cfg'), '[build]\n');
  fs.writeFileSync(path.join(home, 'version.txt'), '0.1\n');
  const dir = path.join(top, 'proj');
  fs.mkdirSync(path.join(dir, 'hello'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'hello/__init__.py'), 'X = 1\n');
  fs.writeFileSync(
    path.join(dir, 'setup.py'),
    'import os\nfrom setuptools import setup\nsetup(name="hello", version=open(os.path.expanduser("~/version.txt")).read().strip(), packages=["hello"])\n',
  );
  // pip_* variables of the caller's would change what pip reads
  const env = { HOME: home, PATH: '/usr/bin:/bin', PIP_CONFIG_FILE: undefined, PIP_CACHE_DIR: undefined, PYTHONUSERBASE: undefined, XDG_CONFIG_HOME: undefined, XDG_CACHE_HOME: undefined };
  const tr = await trace([PYTHON, '-m', 'pip', 'wheel', '-q', '--no-deps', '--no-build-isolation', '--no-index', '-w', 'dist', '.'], { cwd: dir, env });
  assert.equal(tr.code, 0, tr.stderr);
  assert.ok(fs.existsSync(path.join(dir, 'dist/hello-0.1-py3-none-any.whl')));

  const r = await bt(['check', '--json', tr.file]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const json = JSON.parse(r.stdout) as Json;
  assert.deepEqual(json.checked, ['hermeticity', 'races']);
  // setup.py runs twice under pip (egg_info, then bdist_wheel): two reads; pip's look at HOME itself (the existing parent
  // of its missing cache, ~/.cache/pip) is a directory above a home, no finding either
  const version_txt = path.join(home, 'version.txt');
  assert.deepEqual(
    json.findings.map((f) => [f.kind, f.file, f.uses.map((u) => [u.path, u.access.join('+')]), f.fix]),
    // HOME holds every tool's files: the fix names the file, not all of HOME
    [['hermeticity', home, [[version_txt, 'read'], [version_txt, 'read']], `if the build may use it: --allow ${version_txt}`]],
  );
  // without the homes: pip.conf, .pydistutils.cfg and the user site-packages are what the build read of HOME
  const strict = await bt(['check', '--json', '--strict', tr.file]);
  const used = new Set((JSON.parse(strict.stdout) as Json).findings.flatMap((f) => f.uses.map((u) => u.path)).filter((p) => p.startsWith(`${home}/`)));
  assert.deepEqual([...used].sort(), [path.join(home, '.config/pip/pip.conf'), site, path.join(home, '.pydistutils.cfg'), version_txt]);

  // python running code, no build tool: its look at the user site-packages is a finding
  const plain = await trace([PYTHON, '-c', 'import sys'], { cwd: dir, env });
  assert.equal(plain.code, 0, plain.stderr);
  const p = JSON.parse((await bt(['check', '--json', plain.file])).stdout) as Json;
  assert.deepEqual(
    p.findings.map((f) => [f.kind, f.file, f.uses.map((u) => [u.path, u.access.join('+')])]),
    [['hermeticity', path.dirname(site), [[site, 'stat+list']]]],
  );
});
