// A status line for a command's phases on a terminal ("export: building the graph..."),
// so that nothing that takes seconds runs in silence; nothing when stderr is not a
// terminal, where scripts read the output.
import { ProgressLine, type ProgressStream } from '../util/progress.js';
import type { Io } from './command.js';

export interface Status {
  /** A phase starts: drawn at once. */
  phase(text: string): void;
  /** Counted progress within a phase, throttled. */
  count(text: string): void;
  /** Take the line off the screen. */
  done(): void;
}

const SILENT: Status = { phase() {}, count() {}, done() {} };

/** `stream` (default stderr) is for tests. */
export function terminalStatus(io: Io, command: string, stream?: ProgressStream): Status {
  if (!io.isTTY) return SILENT;
  const line = new ProgressLine(stream ? { stream, tty: true } : {});
  return {
    phase: (text) => line.update(`${command}: ${text}...`, true),
    count: (text) => line.update(`${command} ${text}`),
    done: () => line.done(),
  };
}
