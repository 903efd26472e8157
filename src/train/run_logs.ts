// What a training run writes besides checkpoints:
//
//   <out>/log.jsonl    one JSON line per logged step ({"step","epoch","loss","xent",
//                      "accuracy","lr","gradNorm","imagesPerSec"}), plus lines with an
//                      "event" field: "epoch" (summary, validation), "nan" (guard),
//                      "skip" (undecodable image), "resume"
//   <logdir>/          TensorBoard event files: scalars loss, accuracy, learning_rate,
//                      images_per_sec and val/top1, val/top5, val/loss; histograms of every
//                      trained parameter and its gradient under kratzert's finetune.py tags
//                      (<param> and <param>/gradient); the conv1 filters as an image;
//                      the training graph, scoped by layer (src/logs/graphdef.ts), once
//
// On resume the abandoned tail is dropped: JSONL lines of steps after the checkpoint are
// removed (the file is rewritten atomically), and the new event file starts with a
// SessionLog START at the checkpoint's step, which makes TensorBoard discard the old
// file's later events.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { filterGrid } from '../explain/filters.js';
import type { Tensor } from '../tensor.js';
import { atomicWriteFile } from '../util/fs.js';
import type { Graph, Value } from '../graph/graph.js';
import { toGraphDef } from '../logs/graphdef.js';
import { encodeGraphDef } from '../logs/graphdef_proto.js';
import { JsonlLogger } from '../logs/jsonl.js';
import { SummaryWriter } from '../logs/tensorboard.js';

export const JSONL_FILE = 'log.jsonl';

/**
 * Rewrite a JSONL log without the step records past `step` (the tail of a killed run, or of
 * steps the NaN guard went back on); event lines are history and stay. Returns lines dropped.
 */
export async function truncateJsonl(path: string, step: number): Promise<number> {
  if (!existsSync(path)) return 0;
  const lines = readFileSync(path, 'utf8').split('\n');
  const keep: string[] = [];
  let dropped = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      dropped++; // a line cut short by the kill
      continue;
    }
    if (!('event' in rec) && typeof rec['step'] === 'number' && rec['step'] > step) dropped++;
    else keep.push(line);
  }
  if (dropped) await atomicWriteFile(path, new TextEncoder().encode(keep.map((l) => l + '\n').join('')));
  return dropped;
}

export interface StepRecord {
  step: number;
  epoch: number;
  loss: number;
  xent: number;
  accuracy: number;
  lr: number;
  gradNorm: number;
  imagesPerSec: number;
}

export class TrainLogs {
  private jsonl: JsonlLogger;
  readonly tb: SummaryWriter | null;

  private constructor(jsonl: JsonlLogger, tb: SummaryWriter | null) {
    this.jsonl = jsonl;
    this.tb = tb;
  }

  /** The NaN guard went back to the checkpoint at `step`: drop the abandoned step records. */
  async rewind(step: number, checkpoint: string): Promise<void> {
    const path = this.jsonl.path;
    this.jsonl.close();
    await truncateJsonl(path, step);
    this.jsonl = new JsonlLogger(path);
    this.jsonl.log({ event: 'rewind', step, checkpoint });
    this.tb?.sessionStart(step, checkpoint);
  }

  static async open(out: string, logdir: string | null, resumeStep: number | null, checkpoint = ''): Promise<TrainLogs> {
    await mkdir(out, { recursive: true });
    const path = join(out, JSONL_FILE);
    if (resumeStep !== null) await truncateJsonl(path, resumeStep);
    const jsonl = new JsonlLogger(path);
    const tb = logdir ? new SummaryWriter(logdir) : null;
    if (resumeStep !== null) {
      jsonl.log({ event: 'resume', step: resumeStep, checkpoint });
      tb?.sessionStart(resumeStep, checkpoint);
    }
    return new TrainLogs(jsonl, tb);
  }

  step(r: StepRecord): void {
    this.jsonl.log({ ...r });
    if (!this.tb) return;
    this.tb.scalar('loss', r.loss, r.step);
    this.tb.scalar('cross_entropy', r.xent, r.step);
    this.tb.scalar('accuracy', r.accuracy, r.step);
    this.tb.scalar('learning_rate', r.lr, r.step);
    if (Number.isFinite(r.imagesPerSec)) this.tb.scalar('images_per_sec', r.imagesPerSec, r.step);
  }

  event(name: string, fields: Record<string, unknown>): void {
    this.jsonl.log({ event: name, ...fields });
  }

  validation(step: number, m: { top1: number; top5: number; loss: number }): void {
    if (!this.tb) return;
    this.tb.scalar('val/top1', m.top1, step);
    this.tb.scalar('val/top5', m.top5, step);
    this.tb.scalar('val/loss', m.loss, step);
  }

  /** Histograms of trained weights and their gradients (kratzert's tags). */
  histograms(step: number, weights: ReadonlyMap<string, Float32Array>, grads: ReadonlyMap<string, Float32Array> | null): void {
    if (!this.tb) return;
    for (const [name, w] of weights) this.tb.histogram(name, w, step);
    if (grads) for (const [name, g] of grads) this.tb.histogram(`${name}/gradient`, g, step);
  }

  /** The training graph for TensorBoard's Graphs tab, each layer a box, the backward part under grad/. */
  graph(g: Graph, layers: readonly string[], logits: Value): void {
    this.tb?.graph(encodeGraphDef(toGraphDef(g, { layers, forwardOutputs: [logits] })));
  }

  /** The first conv layer's filters as one image (src/explain/filters.ts). */
  async filters(step: number, tag: string, weights: Tensor, bgr: boolean): Promise<void> {
    if (!this.tb) return;
    const layout = weights.shape[2] === 3 || weights.shape[2] === 1 ? 'HWIO' : 'OIHW';
    const img = await filterGrid(weights, layout, { scale: 4, ...(bgr ? { channelOrder: 'bgr' as const } : {}) });
    this.tb.image(tag, img.png, img.height, img.width, step, img.channels);
  }

  close(): void {
    this.jsonl.close();
    this.tb?.close();
  }
}
