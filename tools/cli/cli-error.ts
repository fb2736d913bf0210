/** Exit codes of the `gridlink` CLI. */
export const EXIT_OK = 0;
/** The bus call failed: no holder of the role, a timeout, an error reply, a peer that left. */
export const EXIT_FAILURE = 1;
/** The input was wrong: usage, an unknown or ambiguous type name, JSON that does not fit the type. */
export const EXIT_USAGE = 2;
/** Interrupted by Ctrl-C while waiting for an answer. */
export const EXIT_INTERRUPTED = 130;

/**
 * A failure the CLI explains in one message on stderr and ends with an exit
 * code; anything else that escapes a command is a bug and prints its stack.
 */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
  }
}
