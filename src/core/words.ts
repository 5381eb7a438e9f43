/** "1 file", "3 files": a count and its noun, for sentences a person reads. */
export function counted(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}
