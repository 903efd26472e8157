// The shape of a CLI command, and the error that means "called wrongly".
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** stderr is a terminal. */
  isTTY: boolean;
  /** stdout is a terminal (train draws its progress there unless --json). */
  outIsTTY?: boolean;
}

/**
 * A command module. Its table (name, summary, options) is in src/cli/specs/, so that
 * `alexnet --help` and `alexnet <command> --help` load the tables and not the command.
 */
export interface Command {
  name: string;
  /** Returns the exit status. */
  main(argv: string[], io: Io): Promise<number>;
}

/** A mistake in how the command was called: printed as one line, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
