/**
 * `ip` commands for one namespace or container, as words. They go to one `ip -batch` (a single
 * program start) when every word survives its parser, which splits on whitespace, takes quotes
 * and starts a comment at `#`; an interface name the kernel accepts may hold any of `"'#\`, and
 * then each command is its own argv, which needs no quoting at all.
 */

/** A word `ip -batch` reads back as itself. */
const BATCH_SAFE = /^[^\s"'#\\]+$/;

/** The input of one `ip -batch -`, or undefined when some word would not survive it. */
export function batchInput(commands: ReadonlyArray<readonly string[]>): string | undefined {
  if (!commands.every((words) => words.every((w) => BATCH_SAFE.test(w)))) return undefined;
  return commands.map((words) => `${words.join(' ')}\n`).join('');
}

/** Runs `commands` with `ip` (whose argv prefix `ip` gives), in one batch where it can. */
export async function runIpCommands(
  ip: readonly string[],
  commands: ReadonlyArray<readonly string[]>,
  exec: (argv: string[], input?: string) => Promise<void>,
): Promise<void> {
  const input = batchInput(commands);
  if (input !== undefined) return exec([...ip, '-batch', '-'], input);
  for (const words of commands) await exec([...ip, ...words]);
}
