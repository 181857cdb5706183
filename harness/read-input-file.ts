/**
 * Reading a file the user named (topology, rule set, expectation file) as text, refusing what
 * cannot be one before any parser or tool sees it: a missing file, a directory, a device or
 * pipe (`/dev/zero` would be read forever), a file far bigger than such a file ever is (a YAML
 * parser or `nft -c` would chew on it for minutes and then report nonsense), and binary junk.
 * Every refusal is an InputError naming the file, and the line and column where that helps.
 */
import { isUtf8 } from 'node:buffer';
import { readFile, stat } from 'node:fs/promises';
import { InputError } from './errors.ts';

export type InputKind = 'topology' | 'rule set' | 'expectation file' | 'check file';

const MB = 1024 * 1024;

/**
 * The largest file of each kind pinhole reads. A topology or expectation file is a few hundred
 * bytes of hand-written YAML: 1 MB is a thousand times that. Rule sets can be big for real (a
 * block list of 100 000 addresses in an nft set or iptables-save dump is about 2-3 MB), so
 * 16 MB leaves room for several of those; beyond it the file is almost certainly a wrong path
 * (a log, a disk image, a core dump), and `nft -c` would take minutes to say so.
 */
export const MAX_INPUT_BYTES: Record<InputKind, number> = { topology: 1 * MB, 'rule set': 16 * MB, 'expectation file': 1 * MB, 'check file': 1 * MB };

/** `50.0 MB`, `812 bytes`: the size as a person reads it. */
export function describeSize(bytes: number): string {
  return bytes < MB ? `${bytes} bytes` : `${(bytes / MB).toFixed(1)} MB`;
}

export async function readInputText(file: string, kind: InputKind): Promise<string> {
  // stat before open: opening a named pipe would wait for a writer.
  let st;
  try {
    st = await stat(file);
  } catch (err) {
    throw new InputError(`${file}: cannot read ${kind}: ${readFailure(err)}`);
  }
  if (st.isDirectory()) throw new InputError(`${file}: cannot read ${kind}: it is a directory, not a file`);
  if (!st.isFile()) throw new InputError(`${file}: cannot read ${kind}: it is a device, pipe or socket, not a file`);
  const max = MAX_INPUT_BYTES[kind];
  if (st.size > max) throw new InputError(`${file}: file is ${describeSize(st.size)}; a ${kind} larger than ${max / MB} MB is not a ${kind} pinhole reads`);
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw new InputError(`${file}: cannot read ${kind}: ${readFailure(err)}`);
  }
  const binary = firstNonText(buf);
  if (binary) throw new InputError(`${file}:${binary.line}:${binary.column}: not a text file (${binary.what}); a ${kind} is UTF-8 text`);
  return buf.toString('utf8');
}

/**
 * Where a file stops being text: its first NUL byte (no text format pinhole reads has one;
 * every binary format has plenty), or its first byte that is not UTF-8.
 */
function firstNonText(buf: Buffer): { line: number; column: number; what: string } | undefined {
  const nul = buf.indexOf(0);
  const valid = isUtf8(buf);
  if (nul < 0 && valid) return undefined;
  // The bad byte's offset: the NUL, else where a strict decoder first gives up.
  const at = nul >= 0 ? nul : invalidUtf8Offset(buf);
  const before = buf.subarray(0, at);
  let line = 1;
  let lineStart = 0;
  for (let i = before.indexOf(10); i >= 0; i = before.indexOf(10, i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  const column = before.subarray(lineStart).toString('utf8').length + 1;
  const what = nul >= 0 ? `a NUL byte at byte ${at}` : `byte 0x${buf[at]!.toString(16).padStart(2, '0')} at byte ${at} is not UTF-8`;
  return { line, column, what };
}

/**
 * The offset of the first byte of the first invalid UTF-8 sequence (RFC 3629's table: no
 * overlong forms, no surrogates, nothing above U+10FFFF).
 */
function invalidUtf8Offset(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    if (b < 0x80) {
      i += 1;
      continue;
    }
    // [length, allowed range of the second byte] per lead byte.
    const [len, lo, hi] =
      b >= 0xc2 && b <= 0xdf ? [2, 0x80, 0xbf] :
      b === 0xe0 ? [3, 0xa0, 0xbf] :
      b === 0xed ? [3, 0x80, 0x9f] :
      b >= 0xe1 && b <= 0xef ? [3, 0x80, 0xbf] :
      b === 0xf0 ? [4, 0x90, 0xbf] :
      b === 0xf4 ? [4, 0x80, 0x8f] :
      b >= 0xf1 && b <= 0xf3 ? [4, 0x80, 0xbf] :
      [0, 0, 0];
    if (len === 0 || i + len > buf.length) return i;
    const second = buf[i + 1]!;
    if (second < lo || second > hi) return i;
    for (let k = 2; k < len; k++) if ((buf[i + k]! & 0xc0) !== 0x80) return i;
    i += len;
  }
  return 0;
}

function readFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'ENOTDIR') return 'a directory in its path is a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'too many symbolic links';
  return err instanceof Error ? err.message : String(err);
}
