/**
 * Preloaded into the traced `bt` process by the benchmark
 * (node --import .../rusage-hook.js): at exit, writes bt's own resource
 * usage (RUSAGE_SELF: the node process, not the build it waited for) to the
 * file named by BT_BENCH_RUSAGE. The variable is removed from the
 * environment first, so the traced build does not inherit it.
 */
import fs from 'node:fs';

const out = process.env.BT_BENCH_RUSAGE;
delete process.env.BT_BENCH_RUSAGE;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    fs.writeFileSync(
      out,
      JSON.stringify({ userSeconds: u.userCPUTime / 1e6, systemSeconds: u.systemCPUTime / 1e6, maxRssKiB: u.maxRSS }),
    );
  });
}
