import type { ImportCounts } from "../../core/import/run.js";

/**
 * Without a terminal: one line once the first batch is written (it is under way), then one this
 * often. On a terminal: the bar is redrawn this often.
 */
export const PROGRESS_LINE_MS = 2_000;
const BAR_REDRAW_MS = 200;
const BAR_WIDTH = 24;

export type ProgressOutput = { write(text: string): unknown; isTTY?: boolean };

/** How far through the input the reader is, when its size is known (a file). */
export type InputPosition = () => { done: number; total: number } | null;

export type Progress = {
  /** The run's live counters, read at every redraw; given again after every batch. */
  watch(counts: Readonly<ImportCounts>): void;
  stop(): void;
};

const seconds = (ms: number) => (ms < 10_000 ? (ms / 1000).toFixed(1) : String(Math.round(ms / 1000)));

function eta(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/**
 * Progress of an import on standard error: rows done, rows per second and, when the input's
 * size is known, its share done and the time left (estimated from the bytes read). Counts only,
 * never a row's content.
 */
export function startProgress(output: ProgressOutput, position: InputPosition, started = Date.now()): Progress {
  let counts: Readonly<ImportCounts> | null = null;
  let shownOnce = false;
  const tty = output.isTTY === true;
  const describe = () => {
    if (!counts) return null;
    const elapsed = Date.now() - started;
    const rate = elapsed > 0 ? Math.round((counts.rows * 1000) / elapsed) : 0;
    const where = position();
    const share = where && where.total > 0 ? Math.min(1, where.done / where.total) : null;
    const left = share !== null && share > 0 ? eta((elapsed * (1 - share)) / share) : null;
    return { rate, share, left, elapsed };
  };
  const draw = () => {
    const state = describe();
    if (!state || !counts) return;
    const { rows, imported, updated, skipped, rejected } = counts;
    const tally = `${rows} rows (${imported} imported, ${updated} updated, ${skipped} skipped, ${rejected} rejected), ${state.rate} rows/s`;
    if (!tty) {
      const share = state.share === null ? "" : `, ${Math.floor(state.share * 100)}% of the input, ETA ${state.left}`;
      output.write(`import: ${tally}${share}, ${seconds(state.elapsed)} s\n`);
      return;
    }
    const filled = state.share === null ? 0 : Math.round(state.share * BAR_WIDTH);
    const bar =
      state.share === null ? "" : `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${Math.floor(state.share * 100)}% `;
    // \r and "erase to the end of the line": the bar is rewritten in place.
    output.write(`\r${bar}${tally}${state.left === null ? "" : `, ETA ${state.left}`}\x1b[K`);
  };
  const timer = setInterval(draw, tty ? BAR_REDRAW_MS : PROGRESS_LINE_MS);
  timer.unref();
  return {
    watch(live) {
      counts = live;
      if (!tty && !shownOnce && live.rows > 0) {
        shownOnce = true;
        draw();
      }
    },
    stop() {
      clearInterval(timer);
      if (tty && counts) {
        draw();
        output.write("\n");
      }
    },
  };
}
