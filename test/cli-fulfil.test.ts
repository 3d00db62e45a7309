import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/database.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { seedMessengerStore } from "../src/fulfilment/sources/messenger.seed.js";
import { generateMasterKeyText } from "../src/shared/master-key.js";
import { activateExamplePolicy, requestDocument, seedAgency } from "./support/fixtures.js";
import { approvedRequest } from "./support/fulfilment.js";

/** `custodian fulfil`, `package export|open|verify` and `keys generate|rotate` as a person runs them. */

const ROOT = new URL("..", import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), "custodian-cli-fulfil-"));
const dataDir = join(scratch, "data");
const firstKey = generateMasterKeyText();

function custodian(args: string[], overrides: Record<string, string | undefined> = {}) {
  // The embedded database in dataDir, whatever the suite runs against.
  const env: NodeJS.ProcessEnv = { ...process.env, CUSTODIAN_DEBUG: "", CUSTODIAN_MASTER_KEY: firstKey, ...overrides };
  delete env.DATABASE_URL;
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  const result = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("custodian fulfil and package", () => {
  let requestId: string;

  beforeAll(async () => {
    const database = await openDatabase({ dataDir });
    try {
      await migrateToLatest(database.db);
      await activateExamplePolicy(database.db);
      const agencyId = await seedAgency(database.db, "U.S. Department of Justice", "US");
      await seedMessengerStore(database.db, {
        accounts: 10,
        seed: 5,
        from: new Date("2020-01-01T00:00:00Z"),
        to: new Date("2020-12-31T00:00:00Z"),
      });
      requestId = await approvedRequest(database.db, {
        agencyId,
        now: new Date("2020-09-14T16:00:00Z"),
        document: requestDocument({
          receivedAt: "2020-09-14T15:45:00Z",
          process: "search_warrant",
          targets: [{ type: "account_id", value: "1002993841" }],
          categories: ["subscriber.name", "records.ip_logs", "content.posts", "content.messages"],
          dateRange: { from: "2020-08-01", to: "2020-09-01" },
        }),
      });
    } finally {
      await database.close();
    }
  });
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it("fulfils with progress, exports, opens and verifies the package, and survives a key rotation", () => {
    const noKey = custodian(["fulfil", requestId, "--data", dataDir], { CUSTODIAN_MASTER_KEY: undefined });
    expect(noKey.status).toBe(2);
    expect(noKey.stderr).toMatch(/CUSTODIAN_MASTER_KEY/);

    const fulfil = custodian(["fulfil", requestId, "--data", dataDir]);
    expect(fulfil.stderr).toMatch(/^collecting: 0% \(0\/3\)$/m);
    expect(fulfil.stderr).toMatch(/^packaging: 100% /m);
    expect(fulfil.stderr).toMatch(/^sealing: 100% /m);
    expect(fulfil.status).toBe(0);
    const productionId = /^production ([0-9a-f-]{36}) ready/m.exec(fulfil.stdout)?.[1] as string;
    expect(productionId).toBeDefined();
    expect(fulfil.stdout).toMatch(/account_id:1002993841: \d+ record\(s\)/);

    const again = custodian(["fulfil", requestId, "--data", dataDir]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/is delivered; only an approved request can be fulfilled/);

    const archive = join(scratch, "production.cpkg");
    expect(custodian(["package", "export", productionId, "--out", archive, "--data", dataDir]).status).toBe(0);
    expect(readFileSync(archive).subarray(0, 8).toString()).toBe("CUSTODPK");

    const out = join(scratch, "opened");
    const opened = custodian(["package", "open", archive, "--out", out, "--data", dataDir]);
    expect(opened.stderr).toBe("");
    expect(opened.stdout).toMatch(/decrypted and verified: .*custodian-production-/);
    expect(opened.status).toBe(0);
    const bag = join(out, `custodian-production-${productionId}`);
    expect(custodian(["package", "verify", bag]).stdout).toMatch(/^bag valid: 8 payload files/);
    const posts = JSON.parse(readFileSync(join(bag, "data/content.posts.json"), "utf8")) as { records: unknown[] };
    expect(Array.isArray(posts.records)).toBe(true);

    // Rotate: the new key wraps, the old one is still accepted while it is listed as previous.
    const newKey = custodian(["keys", "generate"]).stdout.trim();
    const rotate = custodian(["keys", "rotate", "--data", dataDir], {
      CUSTODIAN_MASTER_KEY: newKey,
      CUSTODIAN_MASTER_KEY_PREVIOUS: firstKey,
    });
    expect(rotate.stdout).toMatch(/^re-wrapped 1 production key\(s\)/);
    const reopened = custodian(["package", "open", archive, "--out", join(scratch, "again"), "--data", dataDir], {
      CUSTODIAN_MASTER_KEY: newKey,
    });
    expect(reopened.status).toBe(0);
    const oldKeyOnly = custodian(["package", "open", archive, "--out", join(scratch, "old"), "--data", dataDir]);
    expect(oldKeyOnly.status).toBe(1);
    expect(oldKeyOnly.stderr).toMatch(/master key [0-9a-f]{16} is not configured/);
    // Eleven processes under the TypeScript loader, each opening the embedded database: over a minute
    // on a machine shared with other suites.
  }, 180_000);
});
