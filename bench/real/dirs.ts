/**
 * The benchmark's own directories (its --out, the build directories under
 * /var/tmp/bt-bench, the unpacked sources under /var/cache/bt-bench). It
 * runs as root and writes logs, build output and `rm -rf` into them; /var/tmp
 * is writable by every user, who could have made /var/tmp/bt-bench-real a
 * link to /etc or a directory of their own before. So each directory must
 * be a real directory owned by whoever runs the benchmark and writable by
 * nobody else, below directories of its own or root's (a shared one, like
 * /var/tmp, must be sticky), with no symbolic link on the way that someone
 * else made; missing ones are made so (0755).
 */
import fs from 'node:fs';
import path from 'node:path';

/** Makes `dir` (absolute) and its missing parents, or checks the existing ones; throws a one-line Error on anything another user could have planted. */
export function ownDir(dir: string, uid = process.geteuid?.() ?? 0): void {
  if (!path.isAbsolute(dir)) throw new Error(`${dir}: give an absolute directory`);
  let at = '/';
  for (const part of dir.split('/').filter((p) => p && p !== '.')) {
    if (part === '..') throw new Error(`${dir}: give the directory without '..'`);
    const next = path.join(at, part);
    let st = lstat(next);
    if (!st) {
      try {
        fs.mkdirSync(next, { mode: 0o755 });
      } catch (err) {
        throw new Error(`cannot make ${next}: ${(err as Error).message}`);
      }
      st = fs.lstatSync(next);
    }
    if (st.isSymbolicLink()) {
      if (st.uid !== uid && st.uid !== 0) throw new Error(`${next} is a symbolic link of uid ${st.uid}: the benchmark does not write through it; remove it or give another --out`);
      at = fs.realpathSync(next);
      continue;
    }
    if (!st.isDirectory()) throw new Error(`${next} is not a directory: remove it or give another --out`);
    // whoever owns a directory on the way, or may rename in it, decides what is below it
    if (st.uid !== uid && st.uid !== 0) throw new Error(`${next} belongs to uid ${st.uid}: the benchmark writes only in and below directories of its own; remove it or give another --out`);
    if (st.mode & 0o002 && !(st.mode & 0o1000)) throw new Error(`${next} is writable by everyone and not sticky: give another --out`);
    at = next;
  }
  const st = fs.statSync(at);
  if (st.uid !== uid) throw new Error(`${dir} belongs to uid ${st.uid}: the benchmark writes only in and below directories of its own; remove it or give another --out`);
  if (st.mode & 0o022) throw new Error(`${dir} is writable by others (mode ${(st.mode & 0o7777).toString(8)}): the benchmark writes only into directories no one else can write; chmod go-w it or give another --out`);
}

function lstat(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot look at ${p}: ${(err as Error).message}`);
  }
}
