/**
 * Reads a table the CLI printed: the block starting at the line whose first column is
 * `firstHeader`, up to the first blank line. Columns are separated by two or more spaces (the CLI
 * joins cells with two and collapses whitespace inside a cell), so every row maps header to cell.
 */
export function parseTable(text: string, firstHeader: string): Array<Record<string, string>> {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.split(/\s{2,}/)[0] === firstHeader);
  if (start === -1) throw new Error(`no table with a ${firstHeader} column in:\n${text}`);
  const headers = lines[start]!.split(/\s{2,}/);
  const rows: Array<Record<string, string>> = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    const cells = line.trim().split(/\s{2,}/);
    if (cells.length !== headers.length) throw new Error(`row has ${cells.length} cells, header ${headers.length}: ${line}`);
    rows.push(Object.fromEntries(headers.map((header, i) => [header, cells[i]!])));
  }
  return rows;
}
