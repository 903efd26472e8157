// The peak resident memory of this process, in kilobytes.
//
// On Linux it is VmHWM from /proc/self/status: the high-water mark of this process's own
// memory. getrusage's ru_maxrss (process.resourceUsage().maxRSS) is not: Linux carries it
// across exec from the forked parent, and libuv starts children by fork, so a child of a
// process holding 1.5 GB reports at least 1.5 GB whatever it uses itself.
import { readFileSync } from 'node:fs';

export function peakRssKb(): number {
  if (process.platform === 'linux') {
    try {
      const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
      if (m) return Number(m[1]);
    } catch {
      // no /proc: fall back below
    }
  }
  return process.resourceUsage().maxRSS;
}
