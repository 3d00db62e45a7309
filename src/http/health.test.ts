import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../test/support/db.js";
import { loadConfig } from "../config.js";
import { buildApp } from "../server/app.js";
import type { App } from "./context.js";

/** Liveness asks nothing of the database; readiness asks it to take a write and the disks to have room. */
describe.each(DRIVERS)("health and readiness on %s", (driver) => {
  let database: TestDatabase;
  let app: App;
  let starved: App;
  beforeAll(async () => {
    database = await freshDatabase(driver);
    const env = database.url ? { DATABASE_URL: database.url } : {};
    const configured = (more: Record<string, string>) =>
      loadConfig({ ...env, CUSTODIAN_DATA_DIR: "memory://", ...more });
    app = await buildApp({ db: database.db, config: configured({}) });
    // More free space required than any test machine has: the disk check must fail and say so.
    starved = await buildApp({ db: database.db, config: configured({ CUSTODIAN_MIN_FREE_DISK_MB: "1048576" }) });
  });
  afterAll(async () => {
    await app?.close();
    await starved?.close();
  });

  it("is ready while the database takes a write and the disk has room, and says what it checked", async () => {
    const live = await app.inject({ method: "GET", url: "/api/v1/health" });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ ok: true });
    const ready = await app.inject({ method: "GET", url: "/api/v1/ready" });
    expect(ready.statusCode, ready.body).toBe(200);
    const body = ready.json() as { ready: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> };
    expect(body.ready).toBe(true);
    expect(body.checks.map((c) => c.name)).toContain("database");
    expect(body.checks.find((c) => c.name === "disk")?.detail).toMatch(/temporary directory .*MiB free/);
    // The probe's write was rolled back: nothing is left behind.
    const again = await app.inject({ method: "GET", url: "/api/v1/ready" });
    expect(again.statusCode).toBe(200);
  });

  it("answers 503 naming the disk that is short of room", async () => {
    const ready = await starved.inject({ method: "GET", url: "/api/v1/ready" });
    expect(ready.statusCode).toBe(503);
    expect(ready.headers["retry-after"]).toMatch(/^\d+$/);
    const body = ready.json() as { ready: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> };
    expect(body.ready).toBe(false);
    expect(body.checks.find((c) => c.name === "disk" && !c.ok)?.detail).toMatch(/below the 1048576 MiB required/);
    expect(body.checks.find((c) => c.name === "database")?.ok).toBe(true);
  });

  it("stays alive but not ready once the database is gone", async () => {
    await database.drop();
    const live = await app.inject({ method: "GET", url: "/api/v1/health" });
    expect(live.statusCode).toBe(200);
    const ready = await app.inject({ method: "GET", url: "/api/v1/ready" });
    expect(ready.statusCode).toBe(503);
    const body = ready.json() as { checks: Array<{ name: string; ok: boolean; detail: string }> };
    expect(body.checks.find((c) => c.name === "database")?.detail).toMatch(/^cannot take a write: /);
  });
});
