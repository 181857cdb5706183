/**
 * Where a problem sits in a YAML data file, and the one way pinhole words it: `FILE:LINE: PATH:
 * MESSAGE`. A foundation module (it imports nothing from harness), so the YAML reader, the
 * topology checks and the expectation loader all word problems alike without importing each other.
 */

/** A place in the YAML document: keys of maps, indexes of sequences. */
export type YamlPath = readonly (string | number)[];
/** The 1-based line of the YAML node at `path` (or of its nearest existing parent). */
export type Locate = (path: YamlPath) => number;

/** `nodes.client.interfaces.eth0`, `...address[1]`; odd keys are quoted so the path stays unambiguous. */
export function formatPath(path: YamlPath): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((key, i) => {
      if (typeof key === 'number') return `[${key}]`;
      const text = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(String(key));
      return i === 0 ? text : `.${text}`;
    })
    .join('');
}

/** The one problem format of pinhole: `FILE:LINE: PATH: MESSAGE`. */
export function formatProblem(file: string, line: number, path: YamlPath, message: string): string {
  return `${file}:${line}: ${formatPath(path)}: ${message}`;
}
