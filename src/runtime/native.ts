// The optional native kernels of native/: the SGD and AdamW updates that lets the trainer run only
// forward and backward in ORT (TrainGraphOptions.update 'host'), the same update for
// Gemm weights with their gradient computed from two small factors (native/outer.c), and
// the dropout masks.
//
// `npm install` builds them with node-gyp (tools/build_native.mjs, from package.json's
// install script) into build/Release/alexnet_native.node. Without a C compiler the build
// is skipped with a warning and training keeps the whole update in the ONNX graph, which
// gives the same weights, more slowly (docs/design/host-update.md).
// ALEXNET_NATIVE=0 turns the kernels off.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface NativeKernels {
  /**
   * One parameter's SGD step, as src/optim/sgd.ts writes it in ONNX: d = g*scale + wd*w;
   * m' = m*mu + d (m and mOut are null for plain SGD); s = nesterov ? d + m'*mu : m'
   * (or d); w' = w - s*lr. Writes w' over g and m' into mOut; w and m are not changed.
   * Returns the float64 squared norms of w' and of g as given.
   */
  sgdStep(w: Float32Array, m: Float32Array | null, g: Float32Array, mOut: Float32Array | null, lr: number, wd: number, mu: number, nesterov: boolean, scale: number, threads: number): { weightSq: number; gradSq: number };
  /**
   * sgdStep for a Gemm weight w [rows, cols] whose gradient is the outer product
   * G = A^T B of a [n, rows] and b [n, cols] (native/outer.c computes G in tiles, each
   * element summed over k = 0..n-1 in order). Writes w' into wOut and m' into mOut; w, m,
   * a and b are not changed. Returns the float64 squared norms of w' and of G.
   */
  sgdStepOuter(w: Float32Array, m: Float32Array | null, a: Float32Array, b: Float32Array, n: number, wOut: Float32Array, mOut: Float32Array | null, lr: number, wd: number, mu: number, nesterov: boolean, scale: number, threads: number): { weightSq: number; gradSq: number };
  /**
   * One parameter's AdamW step (torch.optim.AdamW, amsgrad off), as src/optim/adamw.ts
   * writes it in ONNX: d = g*scale; m' = m*b1 + d*(1-b1); v' = v*b2 + ((1-b2)*d)*d;
   * w' = w*wdFactor - (m'*stepSize) / (sqrt(v')/bc2Sqrt + eps), all in float32. Writes w'
   * over g, m' into mOut and v' into vOut. Returns the float64 squared norms of w' and g.
   */
  adamwStep(w: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, mOut: Float32Array, vOut: Float32Array, settings: AdamwScalars, scale: number, threads: number): { weightSq: number; gradSq: number };
  /** adamwStep for a Gemm weight whose gradient is A^T B, as sgdStepOuter; w' goes into wOut. */
  adamwStepOuter(w: Float32Array, m: Float32Array, v: Float32Array, a: Float32Array, b: Float32Array, n: number, wOut: Float32Array, mOut: Float32Array, vOut: Float32Array, settings: AdamwScalars, scale: number, threads: number): { weightSq: number; gradSq: number };
  /** |A^T B|^2 in float64, from the two n x n Gram matrices: sgdStepOuter's gradSq before the step (for clipping). */
  outerSumSquares(a: Float32Array, b: Float32Array, n: number): number;
  /** The float64 sum of squares of x [rows, cols], summed as sgdStepOuter sums weightSq (the same bits). */
  rowSumSquares(x: Float32Array, cols: number): number;
  /** The float64 sum of squares of x, summed as sgdStep sums its norms. */
  sumSquares(x: Float32Array, threads: number): number;
  /**
   * mask[i] = uniformAt(key, counter + i) < keep ? scale : 0, with src/util/rng.ts's
   * uniformAt (key and counter are uint32): DropoutMasks.draw, bit for bit.
   */
  dropoutMask(mask: Float32Array, key: number, counter: number, keep: number, scale: number): void;
}

/**
 * The scalars of one AdamW step t (1-based) at learning rate lr, in float64 (the kernel
 * and the graph round them to float32): wdFactor = 1 - lr*wd, stepSize = lr / (1 - b1^t),
 * bc2Sqrt = sqrt(1 - b2^t), as torch.optim.AdamW computes them.
 */
export interface AdamwScalars {
  b1: number;
  b2: number;
  eps: number;
  wdFactor: number;
  stepSize: number;
  bc2Sqrt: number;
}

/** Where `npm install` puts the addon, from src/runtime or dist/runtime alike. */
export const NATIVE_ADDON = fileURLToPath(new URL('../../build/Release/alexnet_native.node', import.meta.url));

const EXPORTS = ['sgdStep', 'sgdStepOuter', 'adamwStep', 'adamwStepOuter', 'outerSumSquares', 'rowSumSquares', 'sumSquares', 'dropoutMask'] as const;

let loaded: { kernels: NativeKernels | null; reason: string } | undefined;

function load(): { kernels: NativeKernels | null; reason: string } {
  if (process.env.ALEXNET_NATIVE === '0') return { kernels: null, reason: 'ALEXNET_NATIVE=0 turns the native kernels off' };
  if (!existsSync(NATIVE_ADDON)) return { kernels: null, reason: `${NATIVE_ADDON} is missing: \`npm install\` builds it when a C compiler is present (\`npm run build:native\` retries)` };
  try {
    const k = createRequire(import.meta.url)(NATIVE_ADDON) as NativeKernels;
    const missing = EXPORTS.filter((name) => typeof k[name] !== 'function');
    if (missing.length) return { kernels: null, reason: `${NATIVE_ADDON} does not export ${missing.join(', ')}; rebuild it with \`npm run build:native\`` };
    return { kernels: k, reason: '' };
  } catch (e) {
    return { kernels: null, reason: `${NATIVE_ADDON} did not load: ${(e as Error).message}` };
  }
}

/** The native kernels, or null (see nativeUnavailable() for why). */
export function nativeKernels(): NativeKernels | null {
  loaded ??= load();
  return loaded.kernels;
}

/** Why nativeKernels() is null ('' when they are loaded). */
export function nativeUnavailable(): string {
  loaded ??= load();
  return loaded.reason;
}
