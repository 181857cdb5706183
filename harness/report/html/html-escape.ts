/**
 * Escaping for the HTML report. Everything a report shows came from a run (rule-set names,
 * server replies, causes), so every piece of text goes through here before it meets markup.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for element content and for quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);
}

/**
 * JSON to embed in `<script type="application/json">`. The HTML parser ends a script element at
 * the first `</script`, whatever JSON thinks of it, and `<!--` switches it into an escaped state,
 * so no `<` may appear raw; `\u003c` is the same string to JSON.parse. U+2028/2029 are escaped
 * too, so the text stays valid if someone pastes it into JavaScript.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * An href safe to put in the report: relative paths and http(s)/file URLs only. Evidence paths
 * come from JSON reports that `pinhole merge` may have read from elsewhere, and a `javascript:`
 * link in a file opened from disk would run with the report's access.
 */
export function safeHref(href: string): string | null {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(href)?.[1]?.toLowerCase();
  return scheme === undefined || scheme === 'http' || scheme === 'https' || scheme === 'file' ? href : null;
}
