/**
 * Whether a program is on PATH, looked up in this process: a `sh -c 'command -v'` per tool was
 * a fork of the caller, and every test worker checks fifteen tools before its first cell.
 */
import which from 'which';

export async function onPath(tool: string): Promise<boolean> {
  return (await which(tool, { nothrow: true })) !== null;
}
