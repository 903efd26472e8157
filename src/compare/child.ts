// A fresh process per model (started by ./isolate.ts): it runs one MeasureJob and sends
// progress and the result back over IPC, so each model's peak RSS is its own process's
// high-water mark, untouched by the models measured before it.
import { peakRssKb } from '../util/peak_rss.js';
import { measureModel, type MeasureJob, type Prepared } from './measure.js';

type ToParent =
  | { type: 'progress'; phase: string; done: number; total: number }
  | { type: 'result'; result: unknown }
  | { type: 'error'; message: string };

const send = (m: ToParent) => new Promise<void>((resolve) => process.send!(m, undefined, {}, () => resolve()));

process.once('message', ({ job, prepared }: { job: MeasureJob; prepared: Prepared }) => {
  const peak = () => Math.round((peakRssKb() / 1024) * 10) / 10;
  measureModel(job, prepared, (phase, done, total) => void send({ type: 'progress', phase, done, total }), peak)
    .then((result) => send({ type: 'result', result }))
    .catch((e: Error) => send({ type: 'error', message: e.message }))
    .finally(() => process.disconnect());
});
