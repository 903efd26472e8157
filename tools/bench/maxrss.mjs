// Preloaded into a benchmarked process (node --import): appends the process's peak RSS in
// kilobytes (getrusage's ru_maxrss, via process.resourceUsage) to $ALEXNET_BENCH_RSS_FILE
// when it exits, so tools/bench/zoo.ts can report the peak of `alexnet classify`.
import { appendFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.ALEXNET_BENCH_RSS_FILE;
  if (file) appendFileSync(file, `${process.resourceUsage().maxRSS}\n`);
});
