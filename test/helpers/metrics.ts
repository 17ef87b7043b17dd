import assert from "node:assert/strict";
import parsePrometheusTextFormat, { type ParsedFamily } from "parse-prometheus-text-format";

export type Scraped = {
  families: ParsedFamily[];
  /** The sum of a counter's or gauge's samples whose labels include `labels` (0 when none). */
  value(name: string, labels?: Record<string, string>): number;
  /** A histogram's observation count over its samples whose labels include `labels`. */
  count(name: string, labels?: Record<string, string>): number;
  family(name: string): ParsedFamily;
};

/** Scrapes `url` and parses the answer with a real Prometheus text-format parser. */
export async function scrape(url: string): Promise<Scraped> {
  const response = await fetch(url);
  const text = await response.text();
  assert.equal(response.status, 200, text);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4; charset=utf-8$/);
  const families = parsePrometheusTextFormat(text);
  // The parser merges a histogram's labelled series into one sample, losing their labels; read
  // without their TYPE lines, its `_count` series come out as plain samples, labels and all.
  const histogramSeries = parsePrometheusTextFormat(text.replace(/^# TYPE \S+ histogram$/gm, ""));
  const family = (name: string) => {
    const found = families.find((candidate) => candidate.name === name);
    assert.ok(found, `no metric ${name} in the scrape`);
    return found;
  };
  const matching = (name: string, labels: Record<string, string>, from = family(name)) =>
    from.metrics.filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value));
  return {
    families,
    family,
    value: (name, labels = {}) => matching(name, labels).reduce((sum, sample) => sum + Number(sample.value), 0),
    count(name, labels = {}) {
      assert.equal(family(name).type, "HISTOGRAM", name);
      // Each label set's series is a family of its own there: all of them are gathered.
      const series = histogramSeries.filter((candidate) => candidate.name === `${name}_count`);
      assert.ok(series.length > 0, `no ${name}_count series`);
      const counts = { name, help: "", type: "UNTYPED", metrics: series.flatMap((one) => one.metrics) };
      return matching(name, labels, counts).reduce((sum, sample) => sum + Number(sample.value), 0);
    },
  };
}
