import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSigningKeySeed, parseSigningKey, publicKeyPem } from "../src/audit/signing.js";
import { loadConfig } from "../src/config.js";
import type { Process } from "../src/domain/vocabulary.js";
import { CANARY_STATEMENT_CODES, type CanaryStatementCode, checkCanary } from "../src/reports/canary.js";
import { latestCanary, renewCanary } from "../src/reports/canary.service.js";
import { submitRequest } from "../src/requests/request.actions.js";
import { startServer } from "../src/server/server.js";
import { DRIVERS } from "./support/db.js";
import { ROOT, requestDocument } from "./support/fixtures.js";
import { type Desk, openDesk, principalOf } from "./support/http.js";

const DAY = 86_400_000;
const seed = generateSigningKeySeed();
const key = parseSigningKey(seed);

/** A request as the canary sees it: its process, and the non-disclosure order's end relative to the day it is filed. */
interface Filed {
  process: Process;
  gagDays: number | null;
}

describe.each(DRIVERS)("the warrant canary on %s", (driver) => {
  let desk: Desk;
  beforeAll(async () => {
    desk = await openDesk(driver, { CUSTODIAN_CANARY_KEY: seed, CUSTODIAN_CANARY_VALID_DAYS: "7" });
  });
  afterAll(async () => {
    await desk?.close();
  });

  const file = async (filed: Filed, at: Date) => {
    const until =
      filed.gagDays === null ? null : new Date(at.getTime() + filed.gagDays * DAY).toISOString().slice(0, 10);
    await submitRequest(
      desk.db,
      principalOf(desk.accounts.intake),
      {
        document: requestDocument({
          jurisdiction: "US",
          receivedAt: at.toISOString(),
          process: filed.process,
          ...(until ? { nonDisclosure: { until } } : {}),
        }),
        uploads: [],
        agencyId: desk.agencies.a,
      },
      desk.config,
      at,
    );
  };

  it("is published, served and checked as a reader would, and lapses when not renewed", async () => {
    expect((await desk.app.inject({ url: "/canary.txt" })).statusCode).toBe(404);
    expect((await desk.app.inject({ url: "/api/v1/canary" })).statusCode).toBe(404);
    const day = new Date("2026-06-01T00:00:05Z");
    const renewal = await renewCanary(desk.db, desk.config.canary as NonNullable<typeof desk.config.canary>, day);
    expect(renewal).toMatchObject({ status: "issued", fresh: true });
    // The day is decided once: a second tick that day changes nothing.
    expect(await renewCanary(desk.db, desk.config.canary as NonNullable<typeof desk.config.canary>, day)).toMatchObject(
      { status: "issued", fresh: false },
    );

    const text = await desk.app.inject({ url: "/canary.txt" });
    expect(text.statusCode).toBe(200);
    expect(text.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(text.body).toContain("ExampleChat has never received national-security process");
    const pem = (await desk.app.inject({ url: "/canary.pub" })).body;
    expect(pem).toBe(publicKeyPem(key));
    const json = await desk.app.inject({ url: "/api/v1/canary" });
    expect(json.json()).toMatchObject({ document: { issuer: "ExampleChat", keyId: key.keyId }, expired: true });

    // The reader's own tool, as a separate process: intact and current, then tampered, then lapsed.
    const dir = mkdtempSync(join(tmpdir(), "custodian-canary-"));
    writeFileSync(join(dir, "canary.pub"), pem);
    writeFileSync(join(dir, "canary.txt"), text.body);
    writeFileSync(join(dir, "tampered.txt"), text.body.replace("has never received", "has received"));
    const verify = (name: string, at: string) =>
      spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "src/cli/main.ts",
          "canary",
          "verify",
          join(dir, name),
          "--key",
          join(dir, "canary.pub"),
          "--at",
          at,
        ],
        { cwd: ROOT, encoding: "utf8" },
      );
    const good = verify("canary.txt", "2026-06-03T00:00:00Z");
    expect(good.stdout).toContain("valid, issued 2026-06-01T00:00:05.000Z by ExampleChat");
    expect(good.status).toBe(0);
    const tampered = verify("tampered.txt", "2026-06-03T00:00:00Z");
    expect(tampered.stdout).toBe(
      "NOT VALID: the readable text differs from the signed document. Treat the canary as withdrawn.\n",
    );
    expect(tampered.status).toBe(1);
    const lapsed = verify("canary.txt", "2026-06-09T00:00:00Z");
    expect(lapsed.stdout).toContain("EXPIRED on 2026-06-08T00:00:05.000Z");
    expect(lapsed.status).toBe(1);
  });

  it("is issued for a day only while the requests held support every statement it makes (property)", async () => {
    const settings = desk.config.canary as NonNullable<typeof desk.config.canary>;
    // Days after the first test's, one fresh day per step; the model is every request filed so far.
    let day = new Date("2026-07-01T00:00:05Z");
    const filed: Array<Filed & { at: Date }> = [];
    const filedArb = fc.record({
      process: fc.constantFrom<Process>("court_order", "subpoena", "search_warrant", "national_security"),
      gagDays: fc.option(fc.integer({ min: 0, max: 40 }), { nil: null }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(filedArb, { maxLength: 2 }),
        fc.integer({ min: 1, max: 30 }),
        fc.subarray(CANARY_STATEMENT_CODES, { minLength: 1 }),
        async (requests, advanceDays, statements) => {
          for (const request of requests) {
            await file(request, day);
            filed.push({ ...request, at: day });
          }
          day = new Date(day.getTime() + advanceDays * DAY);
          const today = day.toISOString().slice(0, 10);
          const gagUntil = (r: Filed & { at: Date }) =>
            r.gagDays === null ? null : new Date(r.at.getTime() + r.gagDays * DAY).toISOString().slice(0, 10);
          const holds: Record<CanaryStatementCode, boolean> = {
            no_national_security_process: !filed.some((r) => r.process === "national_security"),
            no_gag_in_force: !filed.some(
              (r) => (gagUntil(r) ?? "") >= today || (r.process === "national_security" && r.gagDays === null),
            ),
          };
          const renewal = await renewCanary(desk.db, { ...settings, statements }, day);
          const expected = statements.filter((code) => !holds[code]);
          if (expected.length === 0) {
            expect(renewal.status).toBe("issued");
            const published = await latestCanary(desk.db);
            expect(published?.document.issuedAt).toBe(day.toISOString());
            expect(published?.document.statements.map((s) => s.code)).toEqual(statements);
          } else {
            expect(renewal).toMatchObject({ status: "withheld", unsupported: expected });
            // What is served is still the last canary issued, never one made today.
            expect((await latestCanary(desk.db))?.document.issuedAt).not.toBe(day.toISOString());
          }
        },
      ),
      { numRuns: 25 },
    );
    const audited = await desk.db
      .selectFrom("audit_event")
      .select(["action", "actor"])
      .where("object_type", "=", "canary")
      .execute();
    expect(audited.length).toBe(26);
    expect(new Set(audited.map((e) => e.actor))).toEqual(new Set(["system:canary"]));
  });
});

describe("the warrant canary, renewed by the server's background work", () => {
  it("is issued on the first tick of the day and served over HTTP", async () => {
    const desk = await openDesk("pglite");
    const config = loadConfig({ CUSTODIAN_PUBLIC_URL: "http://127.0.0.1:4000", CUSTODIAN_CANARY_KEY: seed });
    const server = await startServer(desk.db, config, { host: "127.0.0.1", port: 0, workEveryMs: 50 });
    try {
      let response: Response | undefined;
      for (let i = 0; i < 100; i++) {
        response = await fetch(`${server.url}/canary.txt`);
        if (response.status === 200) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(response?.status).toBe(200);
      const check = checkCanary(await (response as Response).text(), key.publicKey, new Date());
      expect(check).toMatchObject({ valid: true, expired: false });
    } finally {
      await server.close();
      await desk.close();
    }
  });

  it("refuses a canary configured without a key, or with statements it does not know", () => {
    expect(() => loadConfig({ CUSTODIAN_CANARY_STATEMENTS: "no_gag_in_force" })).toThrow(/CUSTODIAN_CANARY_KEY/);
    expect(() => loadConfig({ CUSTODIAN_CANARY_KEY: seed, CUSTODIAN_CANARY_STATEMENTS: "no_aliens" })).toThrow(
      /unknown: no_aliens/,
    );
    expect(loadConfig({ CUSTODIAN_CANARY_KEY: seed }).canary?.statements).toEqual(CANARY_STATEMENT_CODES);
  });
});
