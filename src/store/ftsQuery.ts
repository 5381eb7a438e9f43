/** unicode61 splits text at everything but letters and numbers; a word without either finds nothing. */
const HAS_TOKEN = /[\p{L}\p{N}]/u;

/**
 * Turns what a person typed into an FTS5 query: rows that contain every word, the last word also as
 * the start of a longer one (search as you type). Each word is quoted, so FTS5 operators and
 * punctuation (`AND`, `*`, `(`, `"`) are only text. Returns null when nothing searchable is left.
 */
export function toFtsQuery(text: string): string | null {
  const words = text.split(/\s+/u).filter((word) => HAS_TOKEN.test(word));
  if (words.length === 0) return null;
  return words.map((word, i) => `"${word.replaceAll('"', '""')}"${i === words.length - 1 ? ' *' : ''}`).join(' ');
}
