// Run by pool_memory.test.ts in a fresh process: one pool worker decodes the image given
// (argv[2]) nine times, one job after another, and this prints the process's resident
// memory after the first job and the highest seen after each of the others.
import { ImagePool } from '../../src/data/pool.js';

const file = process.argv[2]!;
const pool = new ImagePool(1);
const job = () => pool.run({ input: file, name: 'big', preset: 'torchvision', opts: { size: [224, 224], layout: 'NCHW' } });
await job();
const first = process.memoryUsage().rss;
let peak = first;
for (let i = 0; i < 8; i++) {
  await job();
  peak = Math.max(peak, process.memoryUsage().rss);
}
await pool.close();
console.log(JSON.stringify({ first, peak }));
