// Preloaded into a benchmarked process (node --import): appends the process's peak RSS in
// kilobytes (src/util/peak_rss.ts: VmHWM, not ru_maxrss, which a child inherits from the
// process that forked it) to $ALEXNET_BENCH_RSS_FILE when it exits, so the bench can
// report the peak of `alexnet classify`. It uses the compiled copy, as bin/alexnet.js does.
import { appendFileSync } from 'node:fs';
import { peakRssKb } from '../../dist/util/peak_rss.js';

process.on('exit', () => {
  const file = process.env.ALEXNET_BENCH_RSS_FILE;
  if (file) appendFileSync(file, `${peakRssKb()}\n`);
});
