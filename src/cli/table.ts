/**
 * Aligned plain-text tables for the CLI: columns two spaces apart, each as wide as its widest
 * cell as a terminal shows it (a CJK character takes two columns, a combining mark none). The
 * last column is not padded, so a line never ends in spaces and a last cell may hold spaces.
 */

/** Code point ranges a terminal shows two columns wide (East Asian Wide and Fullwidth, emoji). */
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], // Hangul Jamo initials
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2e80, 0x303e], // CJK radicals, Kangxi, CJK symbols and punctuation
  [0x3041, 0x33ff], // Hiragana, Katakana, Bopomofo, Hangul compatibility, CJK compatibility
  [0x3400, 0x4dbf], // CJK extension A
  [0x4e00, 0x9fff], // CJK unified ideographs
  [0xa000, 0xa4cf], // Yi
  [0xa960, 0xa97f], // Hangul Jamo extended A
  [0xac00, 0xd7a3], // Hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0xfe10, 0xfe19], // vertical forms
  [0xfe30, 0xfe6f], // CJK compatibility forms, small forms
  [0xff00, 0xff60], // fullwidth forms
  [0xffe0, 0xffe6],
  [0x16fe0, 0x18cff], // Tangut and the like
  [0x1b000, 0x1b2ff], // kana supplements
  [0x1f300, 0x1f64f], // pictographs, emoticons
  [0x1f680, 0x1f6ff], // transport and map symbols
  [0x1f900, 0x1f9ff], // supplemental symbols and pictographs
  [0x1fa70, 0x1faff],
  [0x20000, 0x3fffd], // CJK extensions B and later
];

/** Marks drawn on the character before them, and invisible format characters: no column. */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;

const isWide = (codePoint: number): boolean => WIDE.some(([low, high]) => codePoint >= low && codePoint <= high);

/** How many terminal columns `text` takes. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0;
    if (ZERO_WIDTH.test(char)) continue;
    width += isWide(codePoint) ? 2 : 1;
  }
  return width;
}

/**
 * A cell as it is safe to print: control characters (a newline, an escape sequence from a
 * stored user agent) are shown as `\xNN` instead of acting on the terminal or breaking the row.
 */
export const printable = (text: string): string =>
  // eslint-disable-next-line no-control-regex
  text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`);

/** What an empty value shows as. */
export const EMPTY = "-";

/** A cell's text: `-` for nothing, control characters made visible. */
export const cell = (value: string | number | boolean | null | undefined): string =>
  value === null || value === undefined || value === "" ? EMPTY : printable(String(value));

/** The width of each column: its widest cell's. */
export const columnWidths = (rows: readonly (readonly string[])[]): number[] => {
  const widths: number[] = [];
  for (const row of rows) row.forEach((text, column) => (widths[column] = Math.max(widths[column] ?? 0, displayWidth(text))));
  return widths;
};

/** One row padded to `widths` (a cell wider than its column pushes the rest along). */
export function formatRow(row: readonly string[], widths: readonly number[]): string {
  return row
    .map((text, column) => {
      if (column === row.length - 1) return text;
      return text + " ".repeat(Math.max(0, (widths[column] ?? 0) - displayWidth(text)));
    })
    .join("  ");
}

/** The header and rows as aligned lines. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = [header, ...rows];
  const widths = columnWidths(all);
  return all.map((row) => formatRow(row, widths));
}

/** `label  value` pairs, the values aligned: the shape of one record (`user show`, `client show`). */
export const fields = (pairs: readonly (readonly [string, string])[]): string[] => {
  const widths = columnWidths(pairs);
  return pairs.map((pair) => formatRow(pair, widths));
};
