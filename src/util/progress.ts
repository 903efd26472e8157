// Progress display for training and downloads.
//
// On a terminal one status line is redrawn in place: "\r" + text + ESC[K (erase to end
// of line, ECMA-48 EL), at most every ttyIntervalMs (~10 Hz) so a fast loop does not
// spend its time repainting, truncated to the terminal width because a wrapped line can
// no longer be redrawn with "\r", and erased when done. When the stream is not a
// terminal (CI logs, `| tee`) there is no redrawing: plain lines are printed at a much
// lower rate (plainIntervalMs), plus any line logged explicitly and the final state.
// Stream and clock are injectable so tests can assert the exact output.

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Default process.stderr, keeping stdout clean for results. */
  stream?: ProgressStream;
  /** Monotonic clock in milliseconds. Default performance.now. */
  now?: () => number;
  /** Override the stream's isTTY. */
  tty?: boolean;
  /** Minimum time between redraws on a terminal. Default 100 ms. */
  ttyIntervalMs?: number;
  /** Minimum time between plain lines when not a terminal. Default 10 s. */
  plainIntervalMs?: number;
}

const ERASE_LINE = '\x1b[K';

/** The throttled line writer both displays below are built on. */
export class ProgressLine {
  readonly tty: boolean;
  private readonly stream: ProgressStream;
  private readonly now: () => number;
  private readonly interval: number;
  private lastDraw = -Infinity;
  /** Latest text given to update(). */
  private current: string | null = null;
  /** Whether `current` is what the stream shows (or has printed, when plain). */
  private shown = false;
  /** A TTY status line is on screen and must be erased before other output. */
  private onScreen = false;
  private finished = false;

  constructor(opts: ProgressOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.now = opts.now ?? (() => performance.now());
    this.tty = opts.tty ?? this.stream.isTTY === true;
    this.interval = this.tty ? (opts.ttyIntervalMs ?? 100) : (opts.plainIntervalMs ?? 10_000);
  }

  private fit(text: string): string {
    const cols = this.stream.columns;
    // Leave the last column free: writing into it makes some terminals wrap early.
    return this.tty && cols && cols > 1 && text.length > cols - 1 ? text.slice(0, cols - 1) : text;
  }

  private draw(): void {
    if (this.current === null) return;
    if (this.tty) {
      this.stream.write('\r' + this.fit(this.current) + ERASE_LINE);
      this.onScreen = true;
    } else {
      this.stream.write(this.current + '\n');
    }
    this.shown = true;
    this.lastDraw = this.now();
  }

  /** New status text; drawn now if the interval has passed (or force), otherwise kept for later. */
  update(text: string, force = false): void {
    if (this.finished) return;
    if (text !== this.current) this.shown = false;
    this.current = text;
    if (this.shown) return;
    if (force || this.now() - this.lastDraw >= this.interval) this.draw();
  }

  /** A permanent line (e.g. an epoch summary), printed above the status line. */
  log(message: string): void {
    if (this.onScreen) {
      this.stream.write('\r' + ERASE_LINE);
      this.onScreen = false;
    }
    this.stream.write(message + '\n');
    if (this.tty && this.current !== null && !this.finished) {
      // Put the status line back right away (not throttled): it was visible a moment ago.
      this.stream.write('\r' + this.fit(this.current) + ERASE_LINE);
      this.onScreen = true;
      this.shown = true;
    }
  }

  /** Take the status line off a terminal, so that output to the same screen starts clean; the next update draws it again. */
  erase(): void {
    if (!this.onScreen) return;
    this.stream.write('\r' + ERASE_LINE);
    this.onScreen = false;
    this.shown = false;
  }

  /**
   * Finish: on a terminal the status line is erased; on a pipe the latest status is
   * printed if it was held back by the throttle. Then `final`, if given, as a line.
   */
  done(final?: string): void {
    if (this.finished) return;
    if (this.onScreen) this.stream.write('\r' + ERASE_LINE);
    else if (!this.tty && !this.shown && this.current !== null && final === undefined) this.draw();
    this.onScreen = false;
    this.finished = true;
    if (final !== undefined) this.stream.write(final + '\n');
  }
}

/** m:ss, or h:mm:ss from an hour up; "--:--" when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Decimal megabytes (1 MB = 10^6 bytes), one decimal. */
export function formatMB(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

// Rates are measured from the first update rather than from construction, so set-up
// before the first step (session creation, warm-up, connecting) does not drag them down.
class RateMeter {
  private t0: number | null = null;
  private x0 = 0;
  constructor(private readonly now: () => number) {}
  /** Units per second since the first sample, or NaN before time has passed. */
  sample(x: number): number {
    const t = this.now();
    if (this.t0 === null) {
      this.t0 = t;
      this.x0 = x;
      return NaN;
    }
    const dt = (t - this.t0) / 1000;
    return dt > 0 ? (x - this.x0) / dt : NaN;
  }
}

export interface TrainProgressOptions extends ProgressOptions {
  epochs: number;
  stepsPerEpoch: number;
  /** The run's last step when it stops before the last epoch (--max-steps): the ETA counts to it. */
  lastStep?: number;
}

export interface TrainStatus {
  /** 1-based. */
  epoch: number;
  /** 1-based step within the epoch, counting the step just finished. */
  step: number;
  loss?: number;
  /** Fraction 0..1, shown as a percentage. */
  accuracy?: number;
  /** Images processed since the start of the run (cumulative). */
  images: number;
}

/** "epoch 2/10 step 120/500 loss 1.2345 acc 45.6% 312.4 img/s ETA 1:02:03" */
export class TrainProgress {
  private readonly line: ProgressLine;
  private readonly steps: RateMeter;
  private readonly images: RateMeter;

  constructor(private readonly opts: TrainProgressOptions) {
    if (!(opts.epochs > 0 && opts.stepsPerEpoch > 0)) {
      throw new Error(`TrainProgress: epochs and stepsPerEpoch must be > 0, got ${opts.epochs} and ${opts.stepsPerEpoch}`);
    }
    this.line = new ProgressLine(opts);
    const now = opts.now ?? (() => performance.now());
    this.steps = new RateMeter(now);
    this.images = new RateMeter(now);
  }

  /** Text for a status, updating the rate meters. */
  format(s: TrainStatus): string {
    const { epochs, stepsPerEpoch } = this.opts;
    const global = (s.epoch - 1) * stepsPerEpoch + s.step;
    const stepRate = this.steps.sample(global);
    const imgRate = this.images.sample(s.images);
    const parts = [`epoch ${s.epoch}/${epochs}`, `step ${s.step}/${stepsPerEpoch}`];
    if (s.loss !== undefined) parts.push(`loss ${s.loss.toFixed(4)}`);
    if (s.accuracy !== undefined) parts.push(`acc ${(s.accuracy * 100).toFixed(1)}%`);
    parts.push(`${Number.isFinite(imgRate) ? imgRate.toFixed(1) : '--'} img/s`);
    const last = Math.min(epochs * stepsPerEpoch, this.opts.lastStep ?? Infinity);
    parts.push(`ETA ${formatDuration(Math.max(0, last - global) / stepRate)}`);
    return parts.join(' ');
  }

  update(s: TrainStatus, force = false): void {
    this.line.update(this.format(s), force);
  }

  log(message: string): void {
    this.line.log(message);
  }

  done(final?: string): void {
    this.line.done(final);
  }
}

export interface DownloadProgressOptions extends ProgressOptions {
  /** Shown first, e.g. the file name. */
  label: string;
  /** From Content-Length; omit when unknown. */
  totalBytes?: number;
}

/** "alexnet.onnx 12.3/233.0 MB 5.6 MB/s ETA 0:39" (no total: "alexnet.onnx 12.3 MB 5.6 MB/s") */
export class DownloadProgress {
  private readonly line: ProgressLine;
  private readonly rate: RateMeter;

  constructor(private readonly opts: DownloadProgressOptions) {
    this.line = new ProgressLine(opts);
    this.rate = new RateMeter(opts.now ?? (() => performance.now()));
  }

  format(bytesDone: number): string {
    const r = this.rate.sample(bytesDone);
    const total = this.opts.totalBytes;
    const rate = `${Number.isFinite(r) ? formatMB(r) : '--'} MB/s`;
    if (total === undefined) return `${this.opts.label} ${formatMB(bytesDone)} MB ${rate}`;
    return `${this.opts.label} ${formatMB(bytesDone)}/${formatMB(total)} MB ${rate} ETA ${formatDuration((total - bytesDone) / r)}`;
  }

  update(bytesDone: number, force = false): void {
    this.line.update(this.format(bytesDone), force);
  }

  log(message: string): void {
    this.line.log(message);
  }

  done(final?: string): void {
    this.line.done(final);
  }
}
