import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/database.js";
import { ROOT, requestDocument } from "./support/fixtures.js";
import { type Cluster, clusterAvailable, freePort, startCluster } from "./support/pg-cluster.js";
import { type ServerProcess, startProcess, storeWithOfficerToken } from "./support/server-process.js";

/**
 * A PostgreSQL crash-restart under concurrent submissions, against the real server process
 * (`node dist/cli/main.js serve`) on a cluster this test starts itself. The server must stay up, answer
 * while the database is away with 503 problem documents carrying Retry-After (never a bare 500, never a
 * dropped connection), serve again within seconds by itself, have stored every request it answered 201,
 * and leave an audit trail that verifies.
 */

const WORKERS = 6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  at: number;
  status: number;
  id?: string;
  retryAfter?: string | null;
  type?: string;
  error?: string;
}

describe.skipIf(!clusterAvailable)("a PostgreSQL restart under load", () => {
  let cluster: Cluster;
  let url: string;
  let token: string;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    cluster = await startCluster();
    ({ token, url } = (await storeWithOfficerToken("postgres", { adminUrl: cluster.url })) as {
      token: string;
      url: string;
    });
  });

  afterAll(async () => {
    await server?.kill();
    await cluster?.destroy();
  });

  it("keeps the server up, answers 503 with Retry-After meanwhile, resumes by itself and loses nothing", async () => {
    const port = await freePort();
    server = startProcess(["serve", "--port", String(port)], { DATABASE_URL: url });
    await server.waitFor(/listening on (\S+)/);
    const base = `http://127.0.0.1:${port}`;

    const answers: Answer[] = [];
    let stop = false;
    const submit = async (): Promise<void> => {
      while (!stop) {
        const at = Date.now();
        try {
          const response = await fetch(`${base}/api/v1/requests`, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: requestDocument({ jurisdiction: "US", process: "subpoena", categories: ["subscriber.email"] }),
            signal: AbortSignal.timeout(30_000),
          });
          const body = (await response.json()) as { id?: string; type?: string };
          answers.push({
            at,
            status: response.status,
            id: body.id,
            type: body.type,
            retryAfter: response.headers.get("retry-after"),
          });
          if (response.status === 503) await sleep(200);
        } catch (error) {
          answers.push({ at, status: 0, error: String((error as Error).cause ?? error) });
          await sleep(200);
        }
      }
    };
    const workers = Array.from({ length: WORKERS }, submit);
    await sleep(3000);
    const restartAt = Date.now();
    await cluster.restart("immediate");
    const restartedAt = Date.now();
    await sleep(6000);
    stop = true;
    await Promise.all(workers);

    expect(server.running(), server.stderr()).toBe(true);
    const before = answers.filter((a) => a.at < restartAt);
    const after = answers.filter((a) => a.at > restartedAt);
    expect(before.filter((a) => a.status === 201).length).toBeGreaterThan(10);
    // Every call got an HTTP answer: stored (201) or "briefly unavailable" (503 + Retry-After).
    expect(answers.filter((a) => a.status !== 201 && a.status !== 503)).toEqual([]);
    for (const refused of answers.filter((a) => a.status === 503)) {
      expect(refused.retryAfter).toMatch(/^\d+$/);
      expect(refused.type).toBe("https://custodian.dev/problems/unavailable");
    }
    // Serving again within seconds of the database's return, by itself.
    const firstBack = after.find((a) => a.status === 201);
    expect(firstBack, JSON.stringify(after.slice(0, 10))).toBeDefined();
    expect((firstBack?.at ?? Infinity) - restartedAt).toBeLessThan(5000);

    // With the database stopped, a page says so to a person, and the API to a program; both come back.
    await cluster.stop("fast");
    const page = await fetch(`${base}/reports/2020H2`);
    expect(page.status).toBe(503);
    expect(page.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await page.text()).toContain("briefly unavailable");
    const api = await fetch(`${base}/api/v1/requests`, { headers: { authorization: `Bearer ${token}` } });
    expect(api.status).toBe(503);
    expect(api.headers.get("content-type")).toContain("application/problem+json");
    expect((await fetch(`${base}/api/v1/health`)).status).toBe(200);
    const notReady = await fetch(`${base}/api/v1/ready`);
    expect(notReady.status).toBe(503);
    expect(JSON.stringify(await notReady.json())).toContain("cannot take a write");
    await cluster.start();
    expect((await fetch(`${base}/api/v1/ready`)).status).toBe(200);
    const again = await fetch(`${base}/api/v1/requests`, { headers: { authorization: `Bearer ${token}` } });
    expect(again.status).toBe(200);
    expect(server.running(), server.stderr()).toBe(true);

    server.child.kill("SIGTERM");
    await server.exited;

    const acked = answers.filter((a) => a.status === 201).map((a) => a.id as string);
    const database = await openDatabase({ url });
    try {
      const stored = await database.db.selectFrom("request").select("id").where("id", "in", acked).execute();
      expect(stored.length).toBe(acked.length);
    } finally {
      await database.close();
    }
    const env = { ...process.env, DATABASE_URL: url };
    const sealed = spawnSync(process.execPath, ["dist/cli/main.js", "audit", "seal"], { cwd: ROOT, env });
    expect(sealed.status, sealed.stderr?.toString()).toBe(0);
    const verified = spawnSync(process.execPath, ["dist/cli/main.js", "audit", "verify"], {
      cwd: ROOT,
      env,
      encoding: "utf8",
    });
    expect(verified.status, verified.stdout + verified.stderr).toBe(0);
    console.info(
      `pg restart: ${acked.length} stored of ${acked.length} acknowledged, ` +
        `${answers.filter((a) => a.status === 503).length} answered 503, ` +
        `first 201 ${(firstBack?.at ?? 0) - restartedAt} ms after the restart returned`,
    );
  }, 120_000);
});
