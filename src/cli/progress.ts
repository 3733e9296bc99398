/**
 * How far a reader got, on a terminal: bt summary, deps, check… of a big
 * log spend seconds reading it (a raw log is normalized on the way), and
 * say so on stderr while they do (`bt: reading build.trace: 1,234,567
 * records, 3.1 s`), one line rewritten in place and cleared when done;
 * nothing when stderr is not a terminal. A raw log that took long gets a
 * hint: normalizing it once makes every later question faster.
 */
import { setLoadProgress, type LoadProgress } from '../model/index.js';
import { count, displayPath, quoteArg } from '../present/format.js';

/** Nothing is drawn for a log read faster than this (ms). */
const QUIET_FOR = 700;
/** The line is redrawn at most this often (ms). */
const REDRAW = 200;
/** A raw log whose reading took longer than this (ms) gets the hint. */
const HINT_AFTER = 2000;

/** Progress on `out` (a terminal) for every log a command loads; `now` is the clock (ms). */
export function terminalProgress(out: Pick<NodeJS.WriteStream, 'write'>, now: () => number = () => performance.now()): LoadProgress {
  let t0 = 0;
  let drawn = 0;
  let started = false;
  return {
    records(n, path) {
      const t = now();
      if (!started) {
        started = true;
        t0 = t;
      }
      if (t - t0 < QUIET_FOR || t - drawn < REDRAW) return;
      drawn = t;
      out.write(`\r\x1b[Kbt: reading ${displayPath(path)}: ${count(n)} records, ${((t - t0) / 1000).toFixed(1)} s`);
    },
    done(info) {
      if (drawn) out.write('\r\x1b[K');
      drawn = 0;
      started = false;
      if (info.raw && info.ms > HINT_AFTER) {
        const norm = `${info.path.replace(/\.trace$/, '')}.norm.trace`;
        out.write(
          `bt: ${displayPath(info.path)} is a raw log, normalized on every read (${(info.ms / 1000).toFixed(1)} s this time): ` +
            `bt normalize ${quoteArg(info.path)} -o ${quoteArg(norm)} once makes every question faster\n`,
        );
      }
    },
  };
}

/** Every log this command loads shows its progress on stderr, if stderr is a terminal. */
export function showLoadProgress(): void {
  if (process.stderr.isTTY) setLoadProgress(terminalProgress(process.stderr));
}
