import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAudit } from "../src/audit/verify.js";
import { openDatabase } from "../src/db/database.js";
import { requestDocument } from "./support/fixtures.js";
import { freePort } from "./support/pg-cluster.js";
import { type ServerProcess, startProcess, storeWithOfficerToken } from "./support/server-process.js";

/**
 * Graceful shutdown of the real process (`node dist/cli/main.js serve`) by a real SIGTERM: a submission
 * whose body is still arriving when the signal comes is finished and acknowledged, no new connection is
 * accepted meanwhile, the process exits 0 within a bound, having sealed what it committed and released
 * the embedded directory's lock.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("graceful shutdown", () => {
  const scratch = mkdtempSync(join(tmpdir(), "custodian-shutdown-"));
  const dataDir = join(scratch, "data");
  let token: string;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    ({ token } = await storeWithOfficerToken("pglite", { dataDir }));
  });
  afterAll(async () => {
    await server?.kill();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("finishes the request in flight on SIGTERM, refuses new connections, seals and exits 0", async () => {
    const port = await freePort();
    server = startProcess(["serve", "--port", String(port), "--data", dataDir], {});
    await server.waitFor(/listening on/);

    // A submission whose body arrives in two halves, the signal in between.
    const body = Buffer.from(
      requestDocument({ jurisdiction: "US", process: "subpoena", categories: ["subscriber.email"] }),
    );
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const call = httpRequest(
        {
          host: "127.0.0.1",
          port,
          method: "POST",
          path: "/api/v1/requests",
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            "content-length": body.length,
          },
        },
        (response) => {
          let text = "";
          response.on("data", (chunk: Buffer) => {
            text += chunk.toString();
          });
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
        },
      );
      call.on("error", reject);
      call.write(body.subarray(0, 40));
      void sleep(1000).then(() => call.end(body.subarray(40)));
    });
    await sleep(300);
    const signalledAt = Date.now();
    server.child.kill("SIGTERM");
    await sleep(300);
    // No longer accepting: a new connection is refused while the one in flight is served.
    await expect(fetch(`http://127.0.0.1:${port}/api/v1/health`)).rejects.toThrow();

    const submitted = await answer;
    expect(submitted.status, submitted.body).toBe(201);
    const { id } = JSON.parse(submitted.body) as { id: string };
    expect(await server.exited).toBe(0);
    const tookMs = Date.now() - signalledAt;
    expect(tookMs).toBeLessThan(25_000);
    expect(server.stderr()).toContain("custodian: SIGTERM: stopping");
    expect(server.stderr()).toContain("custodian: stopped");

    // The lock was released (this open would be refused otherwise), the request is there, and every audit
    // entry, the last request's included, was sealed before the exit.
    const database = await openDatabase({ dataDir });
    try {
      const stored = await database.db.selectFrom("request").select("id").where("id", "=", id).execute();
      expect(stored).toHaveLength(1);
      const report = await verifyAudit(database.db);
      expect(report.problems).toEqual([]);
      expect(report.unsealed).toBe(0);
    } finally {
      await database.close();
    }
    console.info(`graceful shutdown: exit 0 ${tookMs} ms after SIGTERM, the request in flight acknowledged`);
  }, 120_000);
});
