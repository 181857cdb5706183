/**
 * Reading a user's rule set and telling its format. Native nftables files go to `nft -f`,
 * `iptables-save` output goes to `iptables-nft-restore`; the file itself says which it is.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { InputError } from '../errors.ts';

export type RulesetFormat = 'nft' | 'iptables';

export interface Ruleset {
  file: string;
  /** The file name without extension: the rule set's name in reports. */
  name: string;
  format: RulesetFormat;
  text: string;
}

/** A rule set is text of reasonable size; anything bigger is a mistake, not a firewall. */
const MAX_RULESET_BYTES = 4 * 1024 * 1024;

/** iptables-save output is made of `*table` headers, `:CHAIN POLICY` lines, `-A` rules and `COMMIT`. */
export function detectFormat(text: string): RulesetFormat {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return lines.some((l) => /^\*(filter|nat|raw|mangle|security)\s*$/.test(l)) ? 'iptables' : 'nft';
}

export function rulesetName(file: string): string {
  return basename(file, extname(file));
}

export async function loadRuleset(file: string): Promise<Ruleset> {
  let size: number;
  try {
    const st = await stat(file);
    if (st.isDirectory()) throw new InputError(`${file}: is a directory, not a rule set file`);
    size = st.size;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${file}: cannot read rule set: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (size > MAX_RULESET_BYTES) throw new InputError(`${file}: rule set is ${size} bytes, more than the ${MAX_RULESET_BYTES} a rule set can sensibly be`);
  const buf = await readFile(file);
  if (buf.includes(0)) throw new InputError(`${file}: is binary, not a rule set (found a NUL byte)`);
  const text = buf.toString('utf8');
  return { file, name: rulesetName(file), format: detectFormat(text), text };
}
