// Training checkpoints: one directory per checkpoint in the run's --out directory,
//
//   ckpt-00000212/weights.safetensors   bundle weights (src/weights/bundle.ts): usable
//                 weights.json          by classify, eval and --weights as they are
//                 optimizer.safetensors momentum buffers, by parameter name
//                 state.json            step, epoch and position in the epoch's order, RNG
//                                       state, NaN-guard state, metrics, the run's config
//
//   frozen.safetensors                  a fine-tune's frozen (untrained) parameters,
//                                       written once per process; each checkpoint's weights
//                                       then hold the trained ones and refer to this file
//                                       by name and sha256 (REST_FILE_KEY in
//                                       src/weights/read.ts, whose readWeights joins them)
//
// Atomicity: the files are written into a hidden temporary directory, each fsynced, then
// the directory is renamed to its final name and the parent directory fsynced (rename(2)
// is atomic within a filesystem). A ckpt-* directory therefore exists only when complete;
// a run killed while writing leaves a .tmp-* directory, removed by the next run. Old
// checkpoints are renamed to a .trash-* name before being deleted, for the same reason.
//
// Retention: the `keep` newest checkpoints, plus the best by validation top-1 (the
// earliest of equals), are kept.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tensor } from '../tensor.js';
import { createHash } from 'node:crypto';
import { atomicWriteFile, syncDir, writeFileSynced } from '../util/fs.js';
import { bundleMetadata, type BundleConfig } from '../weights/bundle.js';
import { readWeights, REST_FILE_KEY, REST_SHA256_KEY } from '../weights/read.js';
import { encodeSafetensors, readSafetensors } from '../weights/safetensors.js';

export const CHECKPOINT_FORMAT = 'alexnet-ts-checkpoint/1';
export const WEIGHTS_FILE = 'weights.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const STATE_FILE = 'state.json';
export const FROZEN_FILE = 'frozen.safetensors';

export interface CheckpointState {
  format: typeof CHECKPOINT_FORMAT;
  /** Updates applied so far. */
  step: number;
  /** The epoch in progress (0-based) and the positions of its order already consumed. */
  epoch: number;
  cursor: number;
  /** Validation top-1 of the weights in this checkpoint, when it was measured. */
  valTop1: number | null;
  /** Everything else the loop needs to continue exactly (see run_state.ts). */
  loop: Record<string, unknown>;
  /** The run's configuration. */
  config: Record<string, unknown>;
  time: string;
}

export interface CheckpointData {
  weights: ReadonlyMap<string, Tensor>;
  momenta: ReadonlyMap<string, Tensor>;
  bundle: BundleConfig;
  optimizer: Record<string, string>;
  state: CheckpointState;
  /** The run's frozen parameters (writeFrozen), which `weights` then leaves out. */
  frozen?: FrozenRef;
}

export interface FrozenRef {
  file: string;
  sha256: string;
}

/** Write a fine-tune's frozen parameters to outDir/frozen.safetensors (atomically); its name and sha256. */
export async function writeFrozen(outDir: string, weights: ReadonlyMap<string, Tensor>): Promise<FrozenRef> {
  await mkdir(outDir, { recursive: true });
  const chunks = encodeSafetensors(weights);
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  await atomicWriteFile(join(outDir, FROZEN_FILE), chunks);
  return { file: FROZEN_FILE, sha256: h.digest('hex') };
}

export interface CheckpointInfo {
  dir: string;
  step: number;
  valTop1: number | null;
}

export const checkpointName = (step: number): string => `ckpt-${String(step).padStart(8, '0')}`;
const NAME_RE = /^ckpt-(\d{8,})$/;

export interface WriteHooks {
  /**
   * @internal (a test hook, left out of the published .d.ts by stripInternal)
   * Called once, when half of the weights file's bytes are written and synced (tests use
   * it to kill the process in the middle of a checkpoint).
   */
  midway?: () => void;
}

const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v, null, 2) + '\n');

/** Write a checkpoint for state.step into outDir; returns its directory. */
export async function writeCheckpoint(outDir: string, data: CheckpointData, hooks: WriteHooks = {}): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const name = checkpointName(data.state.step);
  const tmp = join(outDir, `.tmp-${name}-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  const rest: Record<string, string> = data.frozen ? { [REST_FILE_KEY]: `../${data.frozen.file}`, [REST_SHA256_KEY]: data.frozen.sha256 } : {};
  await writeFileSynced(join(tmp, WEIGHTS_FILE), encodeSafetensors(data.weights, { ...bundleMetadata(data.bundle), ...rest }), { midway: hooks.midway });
  await writeFileSynced(join(tmp, 'weights.json'), [json(data.bundle)]);
  await writeFileSynced(join(tmp, OPTIMIZER_FILE), encodeSafetensors(data.momenta, data.optimizer));
  await writeFileSynced(join(tmp, STATE_FILE), [json(data.state)]);
  await syncDir(tmp);
  const dest = join(outDir, name);
  if (existsSync(dest)) await discard(outDir, name); // a checkpoint of the same step from an abandoned branch
  await rename(tmp, dest);
  await syncDir(outDir);
  return dest;
}

async function discard(outDir: string, name: string): Promise<void> {
  const trash = join(outDir, `.trash-${name}-${process.pid}`);
  await rename(join(outDir, name), trash);
  await rm(trash, { recursive: true, force: true });
}

/** Remove what killed writers left behind (.tmp-* and .trash-* directories). */
export async function cleanPartial(outDir: string): Promise<string[]> {
  if (!existsSync(outDir)) return [];
  const stale = readdirSync(outDir).filter((n) => n.startsWith('.tmp-ckpt-') || n.startsWith('.trash-ckpt-'));
  for (const n of stale) await rm(join(outDir, n), { recursive: true, force: true });
  return stale;
}

/** Complete checkpoints in outDir, oldest first. */
export function listCheckpoints(outDir: string): CheckpointInfo[] {
  if (!existsSync(outDir)) return [];
  const out: CheckpointInfo[] = [];
  for (const n of readdirSync(outDir)) {
    const m = NAME_RE.exec(n);
    if (!m) continue;
    const dir = join(outDir, n);
    const statePath = join(dir, STATE_FILE);
    if (!existsSync(statePath)) continue;
    let valTop1: number | null = null;
    try {
      const s = JSON.parse(readFileSync(statePath, 'utf8')) as Partial<CheckpointState>;
      valTop1 = typeof s.valTop1 === 'number' ? s.valTop1 : null;
    } catch {
      continue;
    }
    out.push({ dir, step: Number(m[1]), valTop1 });
  }
  return out.sort((a, b) => a.step - b.step);
}

/** The best checkpoint by validation top-1 (earliest of equals), or null when none was validated. */
export function bestCheckpoint(list: readonly CheckpointInfo[]): CheckpointInfo | null {
  let best: CheckpointInfo | null = null;
  for (const c of list) if (c.valTop1 !== null && (best === null || c.valTop1 > best.valTop1!)) best = c;
  return best;
}

/** Delete all but the `keep` newest checkpoints and the best one. Returns the deleted directories. */
export async function pruneCheckpoints(outDir: string, keep: number): Promise<string[]> {
  const list = listCheckpoints(outDir);
  const best = bestCheckpoint(list);
  const keepSet = new Set(list.slice(Math.max(0, list.length - keep)).map((c) => c.dir));
  if (best) keepSet.add(best.dir);
  const gone: string[] = [];
  for (const c of list) {
    if (keepSet.has(c.dir)) continue;
    await discard(outDir, c.dir.slice(outDir.length + 1));
    gone.push(c.dir);
  }
  return gone;
}

export interface LoadedCheckpoint {
  dir: string;
  weights: Map<string, Tensor>;
  momenta: Map<string, Tensor>;
  optimizer: Record<string, string>;
  state: CheckpointState;
}

export async function readCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const statePath = join(dir, STATE_FILE);
  let state: CheckpointState;
  try {
    state = JSON.parse(await readFile(statePath, 'utf8')) as CheckpointState;
  } catch (e) {
    throw new Error(`${dir}: not a complete checkpoint (${STATE_FILE}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (state.format !== CHECKPOINT_FORMAT) throw new Error(`${statePath}: format ${JSON.stringify(state.format)}, expected ${CHECKPOINT_FORMAT}`);
  const w = await readWeights(join(dir, WEIGHTS_FILE)); // with the run's frozen parameters
  const o = readSafetensors(await readFile(join(dir, OPTIMIZER_FILE)), join(dir, OPTIMIZER_FILE));
  return { dir, weights: w.tensors, momenta: o.tensors, optimizer: o.metadata, state };
}

/** The newest complete checkpoint of a run directory; an error saying what is there otherwise. */
export function latestCheckpoint(outDir: string): CheckpointInfo {
  if (!existsSync(outDir)) throw new Error(`${outDir}: no such directory`);
  const list = listCheckpoints(outDir);
  if (list.length === 0) throw new Error(`${outDir}: no complete checkpoint (ckpt-*/${STATE_FILE}) to resume from`);
  return list[list.length - 1]!;
}

/**
 * The weights file a path stands for: a file as it is, a checkpoint directory's weights, or
 * a run directory's best checkpoint by validation top-1 (else its newest).
 */
export function weightsFileOf(path: string): string {
  if (!existsSync(path)) throw new Error(`${path}: no such file or directory`);
  if (!statSync(path).isDirectory()) return path;
  const direct = join(path, WEIGHTS_FILE);
  if (existsSync(direct)) return direct;
  const list = listCheckpoints(path);
  const pick = bestCheckpoint(list) ?? list.at(-1);
  if (!pick) throw new Error(`${path}: neither a checkpoint (${WEIGHTS_FILE}) nor a run directory with checkpoints`);
  return join(pick.dir, WEIGHTS_FILE);
}
