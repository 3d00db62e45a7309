import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS, dropPostgresDatabase } from "./support/db.js";
import { requestDocument } from "./support/fixtures.js";
import { probeHealth } from "./support/health-probe.js";
import { freePort } from "./support/pg-cluster.js";
import { type ServerProcess, startProcess, storeWithOfficerToken } from "./support/server-process.js";

/**
 * Ten officers' submissions at once, each with a 9 MiB document (under the default 10 MiB limit), to the
 * real server process, while `/api/v1/health` is asked every 100 ms from a thread of its own: the server
 * keeps answering. Before uploads were written a piece per turn of the event loop (documents.store.ts),
 * the embedded server held its loop for hundreds of milliseconds at a time, and in the reliability probe
 * a single such submission stalled it for a minute. How long health takes is a figure, not asserted here:
 * `npm run bench -- uploads` measures it with the server's own event-loop delay.
 */

const MIB = 1024 * 1024;
const UPLOADS = 10;
// What a load balancer would wait for before taking the process for dead.
const PROBE_TIMEOUT_MS = 10_000;
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

describe.each(DRIVERS)("ten uploads at once, health answering throughout (%s)", (driver) => {
  const scratch = mkdtempSync(join(tmpdir(), "custodian-uploads-responsive-"));
  const dataDir = join(scratch, "data");
  let token: string;
  let url: string | undefined;
  let port: number;
  let server: ServerProcess;

  beforeAll(async () => {
    ({ token, url } = await storeWithOfficerToken(driver, driver === "pglite" ? { dataDir } : {}));
    port = await freePort();
    server = startProcess(
      driver === "pglite" ? ["serve", "--port", String(port), "--data", dataDir] : ["serve", "--port", String(port)],
      { DATABASE_URL: url },
    );
    await server.waitFor(/listening on/);
  });
  afterAll(async () => {
    await server?.kill();
    rmSync(scratch, { recursive: true, force: true });
    if (url) await dropPostgresDatabase(url);
  });

  it("every health probe during the uploads is answered, and every document is stored whole", async () => {
    const base = `http://127.0.0.1:${port}`;
    const documents = Array.from({ length: UPLOADS }, () => randomBytes(9 * MIB));
    const probe = probeHealth(base, 100, PROBE_TIMEOUT_MS);
    const answers = await Promise.all(
      documents.map(async (bytes, i) => {
        const form = new FormData();
        form.append("request", requestDocument({ jurisdiction: "US", process: "subpoena" }));
        form.append("document", new Blob([bytes], { type: "application/pdf" }), `upload-${i}.pdf`);
        const answer = await fetch(`${base}/api/v1/requests`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
          body: form,
        });
        return { status: answer.status, text: await answer.text() };
      }),
    );
    const probes = await probe.stop();

    for (const answer of answers) expect(answer.status, answer.text).toBe(201);
    // The probes ran alongside the uploads (a few at least), and not one went unanswered or failed.
    expect(probes.length).toBeGreaterThanOrEqual(5);
    expect(probes.filter((p) => p.status !== 200)).toEqual([]);

    for (const [i, answer] of answers.entries()) {
      const { id } = JSON.parse(answer.text) as { id: string };
      const stored = await fetch(`${base}/api/v1/requests/${id}/documents/0`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(stored.status).toBe(200);
      expect(sha256(Buffer.from(await stored.arrayBuffer()))).toBe(sha256(documents[i] as Buffer));
    }
  }, 300_000);
});
