/**
 * The trace's cgroup v2: found wherever cgroup2 is mounted, created fresh
 * inside the cgroup bt was started in, filtered on by id (the directory's
 * inode) and level, and removed at the end. Inside the caller's cgroup, the
 * build stays under whatever manages it: stopping, killing or freezing that
 * cgroup (systemd's stop of a unit, a CI runner's job, cgroup.kill) reaches
 * the build too, and its limits and accounting apply to it; a bt trace run
 * inside a traced build so nests in the outer trace's cgroup, which then
 * records the inner build too. bt started in the hierarchy's root cgroup
 * ("0::/") uses <root>/bt/ instead, and so does a caller's cgroup that
 * cannot take a child with processes (a threaded one, one bt may not
 * write): then with a one-line note (TraceCgroup.note). A cgroup with
 * processes (bt's own) can enable no controller for its children, so the
 * child it gets is always one processes may join. Processes left running
 * at the end go back to the cgroup bt was started in (else to the root).
 * Stale cgroups of bt runs that died (SIGKILL) are removed by the next run,
 * in both places.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CaptureError } from '../errors.js';
import { sleepSync } from '../log/io.js';

const PARENT = 'bt';
const TRACE_DIR = /^trace-(\d+)-[0-9a-z]+$/;

/** This process's cgroup v2 path, relative to the hierarchy's root ("/bt/trace-1-x"), from /proc/self/cgroup. */
export function ownCgroup(text = fs.readFileSync('/proc/self/cgroup', 'utf8')): string | undefined {
  const line = text.split('\n').find((l) => l.startsWith('0::'));
  return line ? line.slice(3) : undefined;
}

/** Mount point of the cgroup v2 hierarchy, from /proc/self/mountinfo. */
export function cgroup2Root(mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8')): string {
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fstype = line.slice(sep + 3).split(' ')[0];
    if (fstype === 'cgroup2') return line.split(' ')[4].replace(/\\040/g, ' ');
  }
  throw new CaptureError(
    'E_NO_CGROUP2',
    'no cgroup v2 hierarchy is mounted: mount -t cgroup2 none /sys/fs/cgroup/unified (bt filters the build by cgroup)',
  );
}

/**
 * Where a bt started in OWN makes its trace cgroups: inside OWN (unless it
 * is the root), else (or when that fails) in <root>/bt/.
 */
export function traceParents(root = cgroup2Root(), own = ownCgroup()): string[] {
  const home = homeOf(root, own);
  return home === root ? [path.join(root, PARENT)] : [home, path.join(root, PARENT)];
}

/** The cgroup bt was started in, as a directory (the root when unknown). */
function homeOf(root: string, own: string | undefined): string {
  return own && own !== '/' ? path.join(root, own) : root;
}

export class TraceCgroup {
  readonly dir: string;
  readonly id: bigint;
  readonly level: number;
  /** Why the cgroup is under <root>/bt/ and not inside the caller's: one line for stderr, or undefined. */
  readonly note: string | undefined;
  private removed = false;

  private constructor(
    dir: string,
    id: bigint,
    level: number,
    /** Where processes left running go at the end: bt's own cgroup, then the root. */
    private readonly homes: string[],
    note?: string,
  ) {
    this.dir = dir;
    this.id = id;
    this.level = level;
    this.note = note;
  }

  static create(root = cgroup2Root(), own = ownCgroup()): TraceCgroup {
    const parents = traceParents(root, own);
    const fallback = parents[parents.length - 1];
    const home = parents.length > 1 ? parents[0] : undefined;
    const homes = home ? [home, root] : [root];
    const name = `trace-${process.pid}-${Date.now().toString(36)}`;
    let note: string | undefined;
    if (home) {
      try {
        cleanStale(home, homes);
        const cg = TraceCgroup.make(root, path.join(home, name), homes);
        try {
          cleanStale(fallback, [root]); // what earlier runs left there
        } catch {
          /* no <root>/bt/ */
        }
        return cg;
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        note =
          `cannot make the trace's cgroup inside ${home} (${e.code ?? e.message}): it is ${fallback}/${name}, ` +
          'where stopping, freezing or limiting the cgroup bt runs in does not reach the build';
      }
    }
    try {
      fs.mkdirSync(fallback, { recursive: true });
      cleanStale(fallback, [root]);
      return TraceCgroup.make(root, path.join(fallback, name), homes, note);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new CaptureError(
        'E_CGROUP',
        `cannot create a cgroup under ${fallback} (${e.code ?? e.message}): run bt as root`,
        { cause: err },
      );
    }
  }

  /**
   * The cgroup bt's executable made for a trace it started (front-start.ts)
   * where create() would have: inside bt's own cgroup, or <root>/bt/ from
   * the hierarchy's root. Checked to be one of this bt's (its name, its id),
   * then what earlier runs left is cleaned up, as create() does first.
   */
  static adopt(dir: string, id: bigint, level: number, root = cgroup2Root(), own = ownCgroup()): TraceCgroup {
    const parents = traceParents(root, own);
    const home = parents.length > 1 ? parents[0] : undefined;
    const homes = home ? [home, root] : [root];
    const m = TRACE_DIR.exec(path.basename(dir));
    const ino = fs.statSync(dir, { bigint: true }).ino;
    if (path.dirname(dir) !== parents[0] || !m || Number(m[1]) !== process.pid || ino !== id || path.relative(root, dir).split(path.sep).length !== level) {
      throw new CaptureError('E_CGROUP', `the cgroup ${dir} that bt's executable made is not where bt makes its cgroups: run BT_EARLY_START=0 bt trace … and report this`);
    }
    try {
      cleanStale(parents[0], homes, dir);
      if (home) cleanStale(parents[1], [root]);
    } catch {
      /* nothing to clean */
    }
    return new TraceCgroup(dir, id, level, homes);
  }

  /**
   * Makes the cgroup DIR, one that processes can join: a child of a
   * threaded cgroup is "domain invalid" (joining it fails with EOPNOTSUPP),
   * and is removed again.
   */
  private static make(root: string, dir: string, homes: string[], note?: string): TraceCgroup {
    fs.mkdirSync(dir);
    let type = 'domain';
    try {
      type = fs.readFileSync(path.join(dir, 'cgroup.type'), 'utf8').trim();
    } catch {
      /* kernels before 4.14: no threaded cgroups */
    }
    if (type !== 'domain') {
      fs.rmdirSync(dir);
      throw new Error(`EOPNOTSUPP: a child of it is "${type}"`); // no errno of its own: the note prints the message
    }
    const id = fs.statSync(dir, { bigint: true }).ino;
    // Level: components below the hierarchy root (root = 0). The mount
    // root itself may sit below the real root inside a cgroup namespace;
    // that case is detected at run time (no event from the build).
    const level = path.relative(root, dir).split(path.sep).length;
    return new TraceCgroup(dir, id, level, homes, note);
  }

  get procsFile(): string {
    return path.join(this.dir, 'cgroup.procs');
  }

  /** Pids currently in the cgroup (and its descendants). */
  pids(): number[] {
    return listPids(this.dir);
  }

  /** True while any process of the build is alive. */
  populated(): boolean {
    try {
      const ev = fs.readFileSync(path.join(this.dir, 'cgroup.events'), 'utf8');
      return /populated 1/.test(ev);
    } catch {
      return this.pids().length > 0;
    }
  }

  /** Sends a signal to every process in the cgroup. SIGKILL uses cgroup.kill when available. */
  signalAll(signal: NodeJS.Signals): void {
    if (signal === 'SIGKILL') {
      try {
        fs.writeFileSync(path.join(this.dir, 'cgroup.kill'), '1');
        return;
      } catch {
        /* kernels before 5.14: kill one by one */
      }
    }
    for (const pid of this.pids()) {
      try {
        process.kill(pid, signal);
      } catch {
        /* already gone */
      }
    }
  }

  /** Moves the remaining processes out (home) so the cgroup can go. */
  evict(): number[] {
    return evict(this.dir, this.homes);
  }

  /** Removes the cgroup (evicting leftovers first). Idempotent. */
  remove(): void {
    if (this.removed) return;
    evict(this.dir, this.homes);
    removeTree(this.dir, this.homes);
    this.removed = true;
  }
}

/**
 * Moves every process of the cgroup tree into the first of `homes` that
 * takes it (a cgroup with controllers for its children takes none: the
 * root always does).
 */
function evict(dir: string, homes: string[]): number[] {
  const moved: number[] = [];
  for (const pid of listPids(dir)) {
    for (const home of homes) {
      try {
        fs.writeFileSync(path.join(home, 'cgroup.procs'), `${pid}\n`);
        moved.push(pid);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ESRCH') break; // exited meanwhile
      }
    }
  }
  return moved;
}

function listPids(dir: string): number[] {
  const out: number[] = [];
  try {
    for (const l of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (l) out.push(Number(l));
    for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
      if (ent.isDirectory()) out.push(...listPids(path.join(dir, ent.name)));
    }
  } catch {
    /* removed meanwhile */
  }
  return out;
}

/**
 * A task that has begun to exit cannot be moved out of its cgroup, and keeps
 * it busy (EBUSY) until the kernel detaches it, after freeing its memory:
 * tens of ms for a process with a large heap, or a launcher killed just
 * before (bt's exit); the threads of a killed process exit one by one. How
 * long a removal waits for that, moving out again what can be moved.
 */
const EXITING_WAIT_MS = 500;
const RETRY_MS = 5;

function removeTree(dir: string, homes: string[]): void {
  try {
    for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
      if (ent.isDirectory()) removeTree(path.join(dir, ent.name), homes);
    }
    for (let waited = 0; ; waited += RETRY_MS) {
      try {
        fs.rmdirSync(dir);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EBUSY' || waited >= EXITING_WAIT_MS) throw err;
        sleepSync(RETRY_MS);
        evict(dir, homes);
      }
    }
  } catch {
    /* gone already, or still busy: the next run cleans it */
  }
}

/**
 * Removes the trace-<pid>-* cgroups in PARENT whose bt process is gone (but `keep`),
 * moving what still runs in them to the first of `homes` that takes it.
 * Also when PARENT is the caller's cgroup: there, what a killed bt left
 * running stays under the caller.
 */
function cleanStale(parent: string, homes: string[], keep?: string): void {
  for (const name of fs.readdirSync(parent)) {
    const m = TRACE_DIR.exec(name);
    if (!m || path.join(parent, name) === keep) continue;
    const pid = Number(m[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (alive && pid !== process.pid) continue;
    const dir = path.join(parent, name);
    evict(dir, homes);
    removeTree(dir, homes);
  }
}
