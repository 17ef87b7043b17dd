// Measurements of the benchmark (bench/run.mjs): each load run is a process of its own
// (load.mjs, autocannon) given a spec file in the run's temporary folder; a discarded warm-up
// precedes each measured run, and the server's RSS is sampled while it lasts.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH, log, runJson, sampleRss } from "./processes.mjs";

/**
 * @param {{ tmp: string, seconds: number, warmup: number }} settings
 *   the temporary folder, and the seconds of each measured run and of each warm-up
 */
export function createMeasurer({ tmp, seconds, warmup }) {
  let specCount = 0;
  let peakRssMb = 0;

  /** One autocannon run in its own process (load.mjs). */
  async function load(spec) {
    const file = join(tmp, `load-${++specCount}.json`);
    writeFileSync(file, JSON.stringify(spec));
    return runJson([join(BENCH, "load.mjs"), file]);
  }

  /** Samples the server's RSS; `stop()` returns the run's maximum and keeps the peak of all runs. */
  function sampleServerRss(server) {
    const sampler = sampleRss(server.child.pid);
    return {
      stop() {
        const max = sampler.stop();
        peakRssMb = Math.max(peakRssMb, max);
        return max;
      },
    };
  }

  /**
   * A warm-up run (discarded), then the measured run, sampling the server's RSS meanwhile.
   * `spec.noWarmup` skips the warm-up; `spec.warmupData` replaces `data` for the warm-up only.
   * Without a server (a ceiling), no RSS is sampled.
   */
  async function measure(name, spec, server) {
    log(`${name}: ${warmup} s warm-up, ${seconds} s measured`);
    if (warmup > 0 && !spec.noWarmup)
      await load({ ...spec, duration: warmup, ...(spec.warmupData ? { data: spec.warmupData } : {}) });
    const sampler = server ? sampleServerRss(server) : null;
    const result = await load({ ...spec, duration: seconds, warmupData: undefined });
    if (sampler) result.rssMaxMb = sampler.stop();
    return result;
  }

  /** Like `measure`, with a light /healthz probe (1 connection, 50 req/s) in a second load process. */
  async function measureWithHealthzProbe(name, spec, server) {
    log(`${name}, with a /healthz probe alongside`);
    await load({ ...spec, duration: warmup });
    const sampler = sampleServerRss(server);
    const [measured, probe] = await Promise.all([
      load({ ...spec, duration: seconds }),
      load({ url: server.url, connections: 1, rate: 50, duration: seconds, kind: "get", data: { path: "/healthz" } }),
    ]);
    measured.rssMaxMb = sampler.stop();
    return { measured, probe };
  }

  return { measure, measureWithHealthzProbe, peakRssMb: () => peakRssMb };
}
