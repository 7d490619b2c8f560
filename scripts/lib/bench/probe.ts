/**
 * Preloaded (`node --require probe.js`) into a measured process: on exit it writes the process's own resource usage to
 * the file named by BENCH_PROBE_OUT. Node has no rusage for child processes, and /usr/bin/time is not on every machine.
 */
import { writeFileSync } from 'node:fs';

const out = process.env.BENCH_PROBE_OUT;
if (out) {
  // Not inherited by grandchildren (jest workers, terraform): they would overwrite the file.
  delete process.env.BENCH_PROBE_OUT;
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ maxRssKiB: u.maxRSS, userCpuMs: u.userCPUTime / 1000, systemCpuMs: u.systemCPUTime / 1000 }));
  });
}
