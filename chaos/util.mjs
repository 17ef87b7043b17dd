// Small helpers shared by the chaos scenarios: progress lines, a seeded random source,
// percentiles and histograms, bounded concurrency.

import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";

export { sleep };

const started = performance.now();

/** One progress line on stderr, prefixed with the seconds since start. */
export function log(line) {
  const seconds = ((performance.now() - started) / 1000).toFixed(0).padStart(3);
  process.stderr.write(`[chaos ${seconds} s] ${line}\n`);
}

/** Milliseconds since an arbitrary origin (monotonic). */
export const now = () => performance.now();

/**
 * A seeded pseudo-random source (mulberry32), so that a run's choices can be repeated with
 * `--seed`; timing on a shared machine still differs between runs.
 */
export function createRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** A number in [min, max). */
    between: (min, max) => min + next() * (max - min),
    /** An integer in [0, n). */
    index: (n) => Math.floor(next() * n),
    pick: (list) => list[Math.floor(next() * list.length)],
    hex: (bytes) =>
      Array.from({ length: bytes }, () =>
        Math.floor(next() * 256)
          .toString(16)
          .padStart(2, "0"),
      ).join(""),
    /** Picks a key of `weights` ({name: weight}) in proportion to its weight; zero weights never. */
    weighted(weights) {
      const entries = Object.entries(weights).filter(([, w]) => w > 0);
      let roll = next() * entries.reduce((sum, [, w]) => sum + w, 0);
      for (const [name, w] of entries) {
        roll -= w;
        if (roll < 0) return name;
      }
      return entries.at(-1)?.[0];
    },
  };
}

/** The q-th percentile (0..100) of a list of numbers, nearest-rank; NaN for an empty list. */
export function percentile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Counts of each value: {"200": 10, "429": 3}. */
export function histogram(values) {
  const counts = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** "200×10 429×3", sorted by key. */
export function formatHistogram(counts) {
  const keys = Object.keys(counts).sort();
  return keys.length === 0 ? "none" : keys.map((key) => `${key}×${counts[key]}`).join(" ");
}

export const fmt = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : "—");

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function pooled(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(lanes);
  return out;
}
