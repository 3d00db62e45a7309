import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { sealAudit } from "../src/audit/seal.js";
import { generateSigningKeySeed, parseSigningKey } from "../src/audit/signing.js";
import type { BackupHeader } from "../src/backup/backup.format.js";
import { type DriverName, openDatabase } from "../src/db/database.js";
import { LATEST_MIGRATION } from "../src/db/migrate.js";
import { multipart } from "./support/attack.js";
import { createPostgresDatabase, DRIVERS } from "./support/db.js";
import { requestDocument } from "./support/fixtures.js";
import { deliveredProduction } from "./support/fulfilment.js";
import { openDesk } from "./support/http.js";
import { startProcess } from "./support/server-process.js";

/**
 * `custodian backup` and `custodian restore` as an operator runs them (real processes, dist/cli/main.js): a
 * store with requests, an uploaded document, a production, audit events and a signed checkpoint goes out in
 * one file and comes back into an empty embedded directory and an empty PostgreSQL database, where the audit
 * trail verifies against the checkpoints exported before, every table has the same rows and the production's
 * archive is the same bytes. A file altered by one byte, taken at another schema, or aimed at a store with
 * data is refused and writes nothing. On PostgreSQL a backup taken while requests keep arriving restores to a
 * store whose audit trail verifies.
 */

const MASTER_KEY = Buffer.alloc(32, 7).toString("base64");
const SIGNING_KEY = generateSigningKeySeed();
const scratch = mkdtempSync(join(tmpdir(), "custodian-backup-"));
const dropAfter: string[] = [];

afterAll(async () => {
  for (const url of dropAfter) await dropDatabase(url);
  rmSync(scratch, { recursive: true, force: true });
});

async function dropDatabase(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`drop database if exists ${new URL(url).pathname.slice(1)} with (force)`);
  await admin.end();
}

interface Store {
  /** Options that select it on the command line, and the environment to run with. */
  args: string[];
  env: Record<string, string | undefined>;
  open(): ReturnType<typeof openDatabase>;
}

function embedded(dir: string): Store {
  return { args: ["--data", dir], env: {}, open: () => openDatabase({ dataDir: dir }) };
}
function server(url: string): Store {
  return { args: [], env: { DATABASE_URL: url }, open: () => openDatabase({ url }) };
}
async function emptyServerStore(): Promise<Store> {
  const { url } = await createPostgresDatabase();
  dropAfter.push(url);
  return server(url);
}

async function custodian(args: string[], store: Store, env: Record<string, string | undefined> = {}) {
  const child = startProcess([...args, ...store.args], {
    CUSTODIAN_DEBUG: "",
    CUSTODIAN_MASTER_KEY: MASTER_KEY,
    CUSTODIAN_AUDIT_SIGNING_KEY: undefined,
    ...store.env,
    ...env,
  });
  const code = await child.exited;
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

/** Row counts of every table in the schema (Kysely's own bookkeeping left out). */
async function tableCounts(store: Store): Promise<Record<string, number>> {
  const database = await store.open();
  try {
    const { rows: tables } = await sql<{ name: string }>`
      select c.relname as name from pg_class c
       where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p')
         and c.relname not like 'kysely_migration%' order by 1`.execute(database.db);
    const counts: Record<string, number> = {};
    for (const { name } of tables) {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(name)}`.execute(database.db);
      counts[name] = Number(rows[0]?.n ?? 0);
    }
    return counts;
  } finally {
    await database.close();
  }
}

function header(file: string): BackupHeader {
  const text = readFileSync(file, "utf8");
  return JSON.parse(text.slice(0, text.indexOf("\n"))) as BackupHeader;
}

/** The file with its header changed and its checksum recomputed: well formed, but about another schema. */
function rewriteHeader(file: string, out: string, change: (header: BackupHeader) => void): void {
  const lines = readFileSync(file, "utf8").split("\n");
  const head = JSON.parse(lines[0] as string) as BackupHeader;
  change(head);
  lines[0] = JSON.stringify(head);
  const body = lines
    .slice(0, -2)
    .map((line) => `${line}\n`)
    .join("");
  const sha256 = createHash("sha256").update(body).digest("hex");
  writeFileSync(out, `${body}${JSON.stringify({ end: true, sha256 })}\n`);
}

/** Every row of every table empty (the seal state's one row aside): the refused restore wrote nothing. */
function expectNothingRestored(counts: Record<string, number>): void {
  const written = Object.entries(counts).filter(([table, n]) => n > 0 && table !== "audit_seal_state");
  expect(written).toEqual([]);
}

describe.each(DRIVERS)("backup and restore from %s", (driver: DriverName) => {
  it("restores into an empty embedded directory and an empty PostgreSQL database; audit verify --against passes", async () => {
    const dir = mkdtempSync(join(scratch, `${driver}-`));
    const archives = join(dir, "archives");
    const desk = await openDesk(
      driver,
      { CUSTODIAN_MASTER_KEY: MASTER_KEY, CUSTODIAN_ARCHIVE_STORE: `dir:${archives}` },
      driver === "pglite" ? { dataDir: join(dir, "source") } : {},
    );
    const { productionId } = await deliveredProduction(desk);
    const session = await desk.signIn(desk.accounts.officerA);
    const pdf = randomBytes(300 * 1024);
    const body = multipart([
      {
        name: "request",
        value: requestDocument({
          jurisdiction: "US",
          process: "subpoena",
          categories: ["subscriber.email"],
          documents: [{ name: "subpoena.pdf", sha256: createHash("sha256").update(pdf).digest("hex") }],
        }),
      },
      { name: "subpoena", filename: "subpoena.pdf", contentType: "application/pdf", content: pdf },
    ]);
    const submitted = await desk.app.inject({
      method: "POST",
      url: "/api/v1/requests",
      headers: { ...session.headers, "content-type": body.contentType },
      payload: body.payload,
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    await desk.app.close();
    await desk.database.close();
    const source = driver === "pglite" ? embedded(join(dir, "source")) : server(desk.database.url as string);
    if (desk.database.url) dropAfter.push(desk.database.url);

    const checkpoints = join(dir, "checkpoints.json");
    const signed = await custodian(["audit", "checkpoint", "--out", checkpoints], source, {
      CUSTODIAN_AUDIT_SIGNING_KEY: SIGNING_KEY,
    });
    expect(signed.code, signed.stderr).toBe(0);
    const before = await tableCounts(source);
    expect(before.document_blob_chunk).toBeGreaterThanOrEqual(5);
    // The production's row is in the backup; its archive rests in the archive store, which is not.
    expect(before.production).toBeGreaterThanOrEqual(1);
    expect(before.audit_checkpoint).toBeGreaterThanOrEqual(1);

    const file = join(dir, "store.backup");
    const backup = await custodian(["backup", "--out", file], source);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(`tables (schema ${LATEST_MIGRATION}) written to ${file}`);
    // Every table of the schema is in the file, with the rows it had: a table a later migration adds too.
    const written = header(file);
    expect(Object.fromEntries(written.tables.map((t) => [t.name, t.rows]))).toEqual(before);
    expect(existsSync(`${file}.partial`)).toBe(false);

    const archive = join(dir, "source.cpkg");
    const inStore = { CUSTODIAN_ARCHIVE_STORE: `dir:${archives}` };
    expect((await custodian(["package", "export", productionId, "--out", archive], source, inStore)).code).toBe(0);

    const targets: Array<[string, Store]> = [["embedded", embedded(join(dir, "restored"))]];
    if (process.env.DATABASE_URL) targets.push(["postgres", await emptyServerStore()]);
    for (const [name, target] of targets) {
      const restored = await custodian(["restore", file], target);
      expect(restored.code, `${name}: ${restored.stderr}`).toBe(0);
      expect(restored.stdout).toMatch(/^restored \d+ rows in \d+ tables/);
      const verified = await custodian(["audit", "verify", "--against", checkpoints], target);
      expect(verified.code, `${name}: ${verified.stdout}${verified.stderr}`).toBe(0);
      expect(verified.stdout).toMatch(/^audit trail intact: \d+ entries, [1-9]\d* checkpoint\(s\) verified/);
      expect(await tableCounts(target), name).toEqual(before);
      const copy = join(dir, `${name}.cpkg`);
      // The restored row's digest and key open the same archive in the store the backup left alone.
      expect((await custodian(["package", "export", productionId, "--out", copy], target, inStore)).code).toBe(0);
      expect(readFileSync(copy).equals(readFileSync(archive)), `${name}: the production's archive`).toBe(true);

      // A store with data is never overwritten.
      const again = await custodian(["restore", file], target);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/the store is not empty \(rows in .*\); restore only into a new, empty store/);
    }
    // The archive restored decrypts with the master key (kept apart from the backup) into a valid bag.
    const opened = await custodian(
      ["package", "open", join(dir, "embedded.cpkg"), "--out", join(dir, "bag")],
      embedded(join(dir, "restored")),
    );
    expect(opened.code, opened.stderr).toBe(0);
    expect(opened.stdout).toMatch(/^decrypted and verified: .*every file matches/);

    // One byte changed (a character of a row, the JSON still well formed): refused, nothing written.
    const bytes = readFileSync(file);
    const at = bytes.indexOf('"Federal Bureau of Investigation"');
    expect(at).toBeGreaterThan(0);
    bytes[at + 1] = "G".charCodeAt(0);
    const tampered = join(dir, "tampered.backup");
    writeFileSync(tampered, bytes);
    const tamperTargets: Array<[string, Store]> = [["embedded", embedded(join(dir, "tampered-store"))]];
    if (process.env.DATABASE_URL) tamperTargets.push(["postgres", await emptyServerStore()]);
    for (const [name, target] of tamperTargets) {
      const refused = await custodian(["restore", tampered], target);
      expect(refused.code, name).toBe(1);
      expect(refused.stderr).toMatch(/cannot be restored: its checksum does not match .*: it was altered or damaged/);
      if (name === "embedded") expect(existsSync(join(dir, "tampered-store"))).toBe(false);
      else expectNothingRestored(await tableCounts(target));
    }

    // Well formed, checksum right, but taken at another schema: refused, naming both.
    const older = join(dir, "older.backup");
    rewriteHeader(file, older, (h) => {
      h.migration = "0010_request_hold";
    });
    const mismatched = await custodian(["restore", older], embedded(join(dir, "older-store")));
    expect(mismatched.code).toBe(1);
    expect(mismatched.stderr).toMatch(`taken at schema 0010_request_hold and this custodian is at ${LATEST_MIGRATION}`);
    expect(existsSync(join(dir, "older-store"))).toBe(false);

    // Cut short: refused.
    const cut = join(dir, "cut.backup");
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const short = await custodian(["restore", cut], embedded(join(dir, "cut-store")));
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/cannot be restored/);
  }, 600_000);
});

describe.runIf(process.env.DATABASE_URL)("a backup taken on PostgreSQL while requests keep arriving", () => {
  it("restores to a store whose audit trail verifies, every request with its audit entry", async () => {
    const dir = mkdtempSync(join(scratch, "live-"));
    const desk = await openDesk("postgres", { CUSTODIAN_MASTER_KEY: MASTER_KEY });
    if (desk.database.url) dropAfter.push(desk.database.url);
    const key = parseSigningKey(SIGNING_KEY);
    const session = await desk.signIn(desk.accounts.officerA);
    let stop = false;
    let accepted = 0;
    const submit = async () => {
      while (!stop) {
        const response = await desk.app.inject({
          method: "POST",
          url: "/api/v1/requests",
          headers: session.headers,
          payload: JSON.parse(requestDocument({ process: "subpoena", categories: ["subscriber.email"] })),
        });
        if (response.statusCode !== 201) throw new Error(`submission refused: ${response.body}`);
        accepted += 1;
      }
    };
    const seal = async () => {
      while (!stop) {
        await sealAudit(desk.db, { key, checkpointEvery: 20 });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const load = Promise.all([submit(), submit(), seal()]);
    try {
      while (accepted < 20) await new Promise((resolve) => setTimeout(resolve, 50));
      const file = join(dir, "live.backup.gz");
      const backup = await custodian(["backup", "--out", file], server(desk.database.url as string));
      expect(backup.code, backup.stderr).toBe(0);
      const atBackup = accepted;
      while (accepted < atBackup + 10) await new Promise((resolve) => setTimeout(resolve, 50));
      stop = true;
      await load;

      const target = embedded(join(dir, "restored"));
      const restored = await custodian(["restore", file], target);
      expect(restored.code, restored.stderr).toBe(0);
      const verified = await custodian(["audit", "verify"], target, { CUSTODIAN_AUDIT_SIGNING_KEY: SIGNING_KEY });
      expect(verified.code, verified.stdout).toBe(0);
      expect(verified.stdout).toMatch(/^audit trail intact: /);
      const database = await target.open();
      try {
        const { rows } = await sql<{ requests: number; received: number }>`
          select (select count(*)::int from request) as requests,
                 (select count(*)::int from audit_event where action = 'request.received') as received`.execute(
          database.db,
        );
        const counts = rows[0] as { requests: number; received: number };
        expect(counts.requests).toBeGreaterThanOrEqual(20);
        expect(counts.requests).toBeLessThan(accepted);
        expect(counts.received).toBe(counts.requests);
        // The restored store goes on: what it had not sealed yet is sealed, and the chain still verifies.
        const sealed = await sealAudit(database.db, { key, checkpointEvery: 1 });
        expect(sealed.position).toBeGreaterThan(0);
      } finally {
        await database.close();
      }
      const after = await custodian(["audit", "verify"], target, { CUSTODIAN_AUDIT_SIGNING_KEY: SIGNING_KEY });
      expect(after.code, after.stdout).toBe(0);
      expect(after.stdout).toMatch(/, 0 not yet sealed;/);
    } finally {
      stop = true;
      await load.catch(() => {});
      await desk.app.close();
      await desk.database.close();
    }
  }, 300_000);
});
