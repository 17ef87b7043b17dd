import { randomInt } from "node:crypto";

// The statistics of the timing tests (test/security/*.timing.test.ts): samples of every class
// interleaved in random order, then every pair of classes compared by the gap between their
// medians and a Mann-Whitney U test.

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Complementary error function (Numerical Recipes erfcc, relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const value = t * Math.exp(poly);
  return x >= 0 ? value : 2 - value;
}

/** Two-sided p-value of the Mann-Whitney U test (normal approximation with tie correction). */
export function mannWhitneyP(a: number[], b: number[]): number {
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const n = all.length;
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && (all[j + 1] as { v: number }).v === (all[i] as { v: number }).v) j++;
    const rank = (i + j + 2) / 2;
    const size = j - i + 1;
    tieTerm += size ** 3 - size;
    for (let k = i; k <= j; k++) if ((all[k] as { g: number }).g === 0) rankSumA += rank;
    i = j + 1;
  }
  const [n1, n2] = [a.length, b.length];
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance === 0) return 1;
  const z = (Math.abs(u - mean) - 0.5) / Math.sqrt(variance);
  return Math.min(1, erfc(Math.max(z, 0) / Math.SQRT2));
}

export function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** What tells two classes apart: a median gap of `maxMedianGapMs` or more, or p < `alpha`. */
export function timingProblems(
  t: { diagnostic(message: string): void },
  times: Record<string, number[]>,
  limits: { maxMedianGapMs: number; alpha: number },
): string[] {
  const classes = Object.keys(times);
  for (const cls of classes) {
    const values = times[cls] as number[];
    const sorted = [...values].sort((a, b) => a - b);
    const p90 = sorted[Math.floor(sorted.length * 0.9)] as number;
    t.diagnostic(`${cls}: n=${values.length} median=${median(values).toFixed(2)} ms p90=${p90.toFixed(2)} ms`);
  }
  const problems: string[] = [];
  for (let i = 0; i < classes.length; i++) {
    for (let j = i + 1; j < classes.length; j++) {
      const [a, b] = [classes[i] as string, classes[j] as string];
      const [ta, tb] = [times[a] as number[], times[b] as number[]];
      const gap = Math.abs(median(ta) - median(tb));
      const p = mannWhitneyP(ta, tb);
      t.diagnostic(`${a} vs ${b}: median gap ${gap.toFixed(2)} ms, Mann-Whitney p=${p.toExponential(2)}`);
      if (gap >= limits.maxMedianGapMs) problems.push(`${a} vs ${b}: medians ${gap.toFixed(2)} ms apart`);
      if (p < limits.alpha) problems.push(`${a} vs ${b}: Mann-Whitney p=${p.toExponential(2)} < ${limits.alpha}`);
    }
  }
  return problems;
}
