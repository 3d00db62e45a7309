import { Worker } from "node:worker_threads";

export interface HealthProbe {
  ms: number;
  /** The HTTP status, or 0 when no answer came within the probe's timeout. */
  status: number;
}

/**
 * Probes `${base}/api/v1/health` every `everyMs` from a worker thread (health-probe.worker.mjs) until
 * `stop()`, which resolves with every probe made.
 */
export function probeHealth(base: string, everyMs = 100, timeoutMs = 30_000): { stop(): Promise<HealthProbe[]> } {
  const worker = new Worker(new URL("./health-probe.worker.mjs", import.meta.url), {
    workerData: { url: `${base}/api/v1/health`, everyMs, timeoutMs },
  });
  const probes = new Promise<HealthProbe[]>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return {
    async stop() {
      worker.postMessage("stop");
      const made = await probes;
      await worker.terminate();
      return made;
    },
  };
}
