import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { monitorEventLoopDelay } from "node:perf_hooks";

/**
 * Loaded into a server process the benchmarks start (NODE_OPTIONS=--import=…), never by Custodian itself:
 * the process's own event-loop delay, which a client's latencies only hint at. SIGUSR2 starts a window
 * (the histogram reset); the next SIGUSR2 ends it and prints one line on stderr,
 * `loop-delay {"p50":…,"p99":…,"max":…,"mean":…}` in milliseconds. With BENCH_CPU_PROFILE=FILE the window
 * is also profiled, and the profile written there (open it in Chrome's DevTools).
 */

const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
const profileFile = process.env.BENCH_CPU_PROFILE;
const session = profileFile ? new Session() : undefined;
if (session) {
  session.connect();
  session.post("Profiler.enable");
}
let open = false;
const ms = (ns) => Number((ns / 1e6).toFixed(1));

process.on("SIGUSR2", () => {
  if (!open) {
    open = true;
    histogram.reset();
    session?.post("Profiler.start");
    return;
  }
  open = false;
  const figures = {
    p50: ms(histogram.percentile(50)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max),
    mean: ms(histogram.mean),
  };
  process.stderr.write(`loop-delay ${JSON.stringify(figures)}\n`);
  session?.post("Profiler.stop", (error, result) => {
    if (!error) writeFileSync(profileFile, JSON.stringify(result.profile));
  });
});
