/**
 * bt view's command line (src/cli/view.ts): --html refuses a name that
 * says another format and an output it cannot write before it reads the
 * log, as bt graph -o does; --host refuses a wildcard address (the Host
 * check would answer 403 to every request through the machine's own
 * address) and serves on the machine's address it is given.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BT, bt, oneLineError, tmpdir } from '../helpers/trace.js';
import { cBuildTrace } from '../normalize/synth.js';

describe('bt view --html: the output first', () => {
  const dir = tmpdir('bt-view-cli-');
  const log = cBuildTrace(['a']).write(path.join(dir, 'b.trace'));

  it('a name whose extension is not .html or .htm is refused in one line, before the log is read, and nothing is written', async () => {
    for (const name of ['build.jpg', 'build.JSON', 'out.svg']) {
      const out = path.join(dir, name);
      oneLineError(await bt(['view', path.join(dir, 'missing.trace'), '--html', out]), new RegExp(`^bt: --html ${esc(out)}: the page is HTML, not ${esc(path.extname(name).toLowerCase())}: end the name in \\.html or \\.htm$`));
      oneLineError(await bt(['view', log, '--html', out]), /: the page is HTML, not /);
      assert.equal(fs.existsSync(out), false, name);
    }
    // .html, .HTM and a name without an extension are written
    for (const name of ['page.html', 'page.HTM', 'page']) {
      const r = await bt(['view', '-q', log, '--html', path.join(dir, name)]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(fs.readFileSync(path.join(dir, name), 'utf8'), /^<!doctype html>/);
    }
  });

  it('an output that cannot be written is said before the log is read (the log is missing too), exit 2', async () => {
    const bad = path.join(dir, 'nodir', 'x.html');
    const r = await bt(['view', path.join(dir, 'missing.trace'), '--html', bad]);
    assert.equal(r.stderr, `bt: cannot write the page ${bad}: no such file or directory (ENOENT): the directory does not exist`);
    assert.equal(r.code, 2);
  });

  it('a log that cannot be read leaves no temporary page behind', async () => {
    const out = fs.mkdtempSync(path.join(dir, 'out-'));
    const notLog = path.join(dir, 'notes.txt');
    fs.writeFileSync(notLog, 'not a log\n');
    oneLineError(await bt(['view', '-q', notLog, '--html', path.join(out, 'x.html')]), /is not a bt log/);
    assert.deepEqual(fs.readdirSync(out), []);
  });
});

/** This machine's addresses but loopback's and IPv6 link-local. */
function machineAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flatMap((l) => l ?? [])
    .filter((a) => !a.internal && !/^fe80:/i.test(a.address))
    .map((a) => a.address);
}

describe('bt view --host', () => {
  const dir = tmpdir('bt-view-host-');
  const log = cBuildTrace(['a']).write(path.join(dir, 'b.trace'));

  it('a wildcard address is refused in one line naming the address to give, before the log is read, exit 2', async () => {
    const mine = machineAddresses();
    for (const host of ['0.0.0.0', '::', '[::]', '0:0:0:0:0:0:0:0', '0']) {
      const r = await bt(['view', path.join(dir, 'missing.trace'), '--no-open', '--host', host]);
      oneLineError(
        r,
        new RegExp(`^bt: --host ${esc(host)} listens on every address, but the page answers only at the address its URL names: give the address to serve on( \\(this machine's: [^)]+\\))?, e\\.g\\. --host (\\S+)$`),
      );
      const eg = /e\.g\. --host (\S+)$/.exec(r.stderr)![1];
      if (mine.length) assert.ok(mine.includes(eg), `${eg} is one of ${mine.join(', ')}`);
      else assert.equal(eg, '127.0.0.1');
    }
  });

  const ipv4 = machineAddresses().find((a) => !a.includes(':'));
  it("this machine's address: the URL names it, a request through it is answered, a foreign Host still gets 403", { skip: !ipv4 && 'no address but loopback' }, async () => {
    const child = spawn(process.execPath, [BT, 'view', log, '--no-open', '-q', '--host', ipv4!], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /^(http:\/\/\S+\/)\n/m.exec(out);
          if (m) resolve(m[1]);
        });
        child.stderr.on('data', (d) => (err += d));
        child.on('exit', (code) => reject(new Error(`bt view exited (${code}): ${err}`)));
      });
      const u = new URL(url);
      assert.equal(u.hostname, ipv4);
      assert.equal((await fetch(`${url}api/meta`)).status, 200);
      const foreign = await new Promise<number>((resolve, reject) => {
        const req = http.request({ host: ipv4, port: Number(u.port), path: `${u.pathname}api/meta`, headers: { Host: `evil.example:${u.port}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(foreign, 403, 'a foreign Host (DNS rebinding)');
      assert.equal((await fetch(`${u.origin}/api/meta`)).status, 403, 'no token');
    } finally {
      child.kill('SIGINT');
    }
  });
});

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
