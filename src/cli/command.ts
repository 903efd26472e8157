// The shape of a CLI command.
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** stderr is a terminal. */
  isTTY: boolean;
  /** stdout is a terminal (train draws its progress there unless --json). */
  outIsTTY?: boolean;
}

/** A command module; its one-line summary lives in main.ts's table, so help loads nothing. */
export interface Command {
  name: string;
  usage: string;
  /** Returns the exit status. */
  main(argv: string[], io: Io): Promise<number>;
}
