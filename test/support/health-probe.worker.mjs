import { parentPort, workerData } from "node:worker_threads";

/**
 * Asks a server's `/api/v1/health` every `everyMs` until told "stop", then posts back each probe's latency
 * and status (0: no answer within `timeoutMs`). A worker thread of its own, so that the latencies are the
 * server's and not those of a test or benchmark whose own thread is busy sending megabytes of upload.
 * Plain JavaScript, so that it needs no loader.
 */

const { url, everyMs, timeoutMs } = workerData;
const probes = [];
let running = true;

parentPort.on("message", (message) => {
  if (message === "stop") running = false;
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

while (running) {
  const started = performance.now();
  let status = 0;
  try {
    const answer = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await answer.text();
    status = answer.status;
  } catch {
    // No answer in time (or a refused connection): recorded as status 0, at its full wait.
  }
  probes.push({ ms: performance.now() - started, status });
  await sleep(everyMs);
}
parentPort.postMessage(probes);
