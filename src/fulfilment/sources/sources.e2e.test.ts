import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import mysql from "mysql2/promise";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVERS, freshDatabase, type TestDatabase } from "../../../test/support/db.js";
import { activateExamplePolicy, ROOT, requestDocument, seedAgency } from "../../../test/support/fixtures.js";
import {
  approvedRequest,
  readStream,
  seedOfficer,
  tarFiles,
  testArchiveStore,
  testKeyring,
} from "../../../test/support/fulfilment.js";
import {
  CHAT_QUERIES,
  type ChatLogin,
  type ChatUser,
  type ProviderDb,
  type ProviderDialect,
  providerDatabase,
  sourcesDir,
  sourcesSpec,
} from "../../../test/support/sources.js";
import { archiveKeyOf } from "../archive.storage.js";
import { verifyBag } from "../bagit.js";
import { type DownloadActor, openProductionDownload } from "../download.service.js";
import { type FulfilmentSettings, fulfilRequest } from "../fulfilment.service.js";
import { extractTar } from "../tar.js";
import { type DeploymentSources, openSources } from "./deployment.js";
import type { DataSource, DataSourceFactory } from "./source.js";

/**
 * Each kind of configured source end to end, on each driver of Custodian's own store: a sources file and
 * a mapping file as a provider writes them, a court order approved by two people, fulfilled from the
 * provider's database (a MariaDB and a PostgreSQL database of the machine's real servers, created for the
 * test) or from an ES module, and the production downloaded and verified as a BagIt bag. Then what a
 * source failing mid-collection does: a statement timeout, malformed records, a module that stops
 * answering; each fails the production cleanly, naming the source and why.
 */

const DAY = 86_400_000;
const RECEIVED = new Date("2020-09-14T15:45:00Z");
const QUARTER_HOUR = 15 * 60_000;

const USERS: ChatUser[] = [
  {
    id: "1001",
    username: "alice",
    displayName: "Alice Liddell",
    email: "alice@chat.example",
    createdAt: new Date("2019-03-01T10:00:00Z"),
  },
  { id: "1002", username: "bob", displayName: "Bob", email: null, createdAt: new Date("2019-04-01T10:00:00Z") },
];

// Every quarter hour from 20 July to 10 September 2020 for both: more rows in the window than one fetch.
const LOGINS: ChatLogin[] = [];
for (let t = Date.parse("2020-07-20T00:00:00Z"); t < Date.parse("2020-09-10T00:00:00Z"); t += QUARTER_HOUR) {
  for (const user of USERS) {
    LOGINS.push({
      userId: user.id,
      at: new Date(t),
      ip: `198.51.100.${(t / QUARTER_HOUR) % 250}`,
      userAgent: `app/${user.id}`,
    });
  }
}
// The window the court order and the 90-day retention allow: 1 August to 1 September inclusive.
const FROM = Date.parse("2020-08-01T00:00:00Z");
const TO = Date.parse("2020-09-02T00:00:00Z");
const IN_WINDOW = LOGINS.filter((l) => l.userId === "1001" && l.at.getTime() >= FROM && l.at.getTime() < TO);

type Kind = "sql-mariadb" | "sql-postgresql" | "module" | "http";
const KINDS: Kind[] = ["sql-mariadb", "sql-postgresql", "module", "http"];

/** The reference implementation of the source protocol (examples/http-source/server.mjs), over real HTTP. */
interface SourceServer {
  url: string;
  calls: string[];
  close(): Promise<void>;
}
type StartSourceServer = (options: {
  file: string;
  token: string;
  faults?: { failFirst?: number; stallRecords?: boolean; badLine?: boolean };
}) => Promise<SourceServer>;
const TOKEN = "s3cret-token-for-the-tests";

describe.each(DRIVERS)("configured data sources on %s", (driver) => {
  let database: TestDatabase;
  let agencyId: string;
  let officer: DownloadActor;
  const providers = new Map<ProviderDialect, ProviderDb>();
  const dirs: Array<{ remove(): Promise<void> }> = [];
  const opened: DeploymentSources[] = [];
  const servers: SourceServer[] = [];
  let startSourceServer: StartSourceServer;
  const keyring = testKeyring();
  const settings: FulfilmentSettings = {
    keyring,
    retentionDays: 30,
    downloadLinkDays: 14,
    emergencyNoticeDelayDays: 30,
    publicUrl: "https://custodian.example",
    archives: testArchiveStore(),
  };

  beforeAll(async () => {
    database = await freshDatabase(driver);
    await activateExamplePolicy(database.db);
    agencyId = await seedAgency(database.db, "Federal Bureau of Investigation", "US");
    officer = {
      userId: await seedOfficer(database.db, agencyId, "agent@fbi.example.gov"),
      email: "agent@fbi.example.gov",
      role: "agency",
      agencyId,
      via: "session",
      mfa: true,
    };
    const reference = join(ROOT, "examples/http-source/server.mjs");
    ({ startSourceServer } = (await import(reference)) as { startSourceServer: StartSourceServer });
    for (const dialect of ["mariadb", "postgresql"] as const) {
      providers.set(dialect, await providerDatabase(dialect, USERS, LOGINS));
    }
  }, 120_000);
  afterAll(async () => {
    for (const sources of opened) await sources.close();
    for (const server of servers) await server.close();
    for (const provider of providers.values()) await provider.drop();
    for (const dir of dirs) await dir.remove();
    await database?.drop();
  });

  /** A sources file for one kind, written as a provider would, opened and checked as at start. */
  async function configure(
    kind: Kind,
    overrides: { queries?: string; source?: string; faults?: Parameters<StartSourceServer>[0]["faults"] } = {},
  ) {
    const dialect: ProviderDialect | undefined =
      kind === "sql-mariadb" ? "mariadb" : kind === "sql-postgresql" ? "postgresql" : undefined;
    const files: Record<string, string> = { "chat.queries.yaml": overrides.queries ?? CHAT_QUERIES };
    const source =
      overrides.source ??
      (dialect
        ? `    kind: sql\n    urlEnv: CHAT_DATABASE_URL\n    queries: chat.queries.yaml\n    statementTimeoutMs: 2000\n`
        : kind === "http"
          ? "    kind: http\n    url: HTTP_URL\n    tokenEnv: CHAT_SOURCE_TOKEN\n"
          : `    kind: module\n    module: ${join(ROOT, "examples/sources/json-file.source.mjs")}\n    options: { file: DIR/chat.json }\n`);
    files["chat.json"] = JSON.stringify({
      accounts: USERS.map((u) => ({ id: u.id, username: u.username, name: u.displayName, email: u.email })),
      logins: LOGINS.map((l) => ({ account: l.userId, at: l.at.toISOString(), ip: l.ip, userAgent: l.userAgent })),
    });
    const dir = await sourcesDir(files);
    dirs.push(dir);
    await writeFile(
      join(dir.dir, "sources.yaml"),
      `version: 1\naccounts: chat\nsources:\n  chat:\n${source.replaceAll("DIR", dir.dir)}categories:\n` +
        "  subscriber.name: chat\n  subscriber.email: chat\n  records.ip_logs: chat\n",
    );
    let env: NodeJS.ProcessEnv = dialect ? { CHAT_DATABASE_URL: providers.get(dialect)?.url } : {};
    if (kind === "http") {
      const server = await startSourceServer({
        file: join(dir.dir, "chat.json"),
        token: TOKEN,
        ...(overrides.faults ? { faults: overrides.faults } : {}),
      });
      servers.push(server);
      env = { CHAT_SOURCE_TOKEN: TOKEN };
      await writeFile(
        join(dir.dir, "sources.yaml"),
        (await readFile(join(dir.dir, "sources.yaml"), "utf8")).replace("HTTP_URL", server.url),
      );
    }
    const sources = await openSources(sourcesSpec(join(dir.dir, "sources.yaml"), env), database.db);
    opened.push(sources);
    return sources;
  }

  const noticesToAlice = async () =>
    (
      await database.db
        .selectFrom("mail_outbox")
        .select(["id"])
        .where("purpose", "=", "notice.user_delivered")
        .where("recipient", "=", "alice@chat.example")
        .execute()
    ).length;

  const courtOrder = () =>
    requestDocument({
      receivedAt: RECEIVED.toISOString(),
      jurisdiction: "US",
      process: "court_order",
      targets: [
        { type: "username", value: "Alice" },
        { type: "username", value: "nobody" },
      ],
      categories: ["subscriber.name", "subscriber.email", "records.ip_logs"],
      dateRange: { from: "2020-08-01", to: "2020-09-01" },
    });

  it.each(KINDS)(
    "%s: approval, production, a bag that validates, with exactly the records in the window",
    async (kind) => {
      const sources = await configure(kind);
      const noticesBefore = await noticesToAlice();
      const requestId = await approvedRequest(database.db, {
        agencyId,
        document: courtOrder(),
        now: RECEIVED,
        submittedBy: officer.userId,
      });
      const result = await fulfilRequest(database.db, {
        requestId,
        actor: "cli:custodian",
        settings,
        now: () => new Date(RECEIVED.getTime() + DAY),
        source: sources.factory,
      });
      expect(result.targets).toEqual([
        { target: "username:Alice", result: "data_produced", records: IN_WINDOW.length + 2 },
        { target: "username:nobody", result: "no_data", records: 0 },
      ]);

      const download = await openProductionDownload(database.db, {
        archives: settings.archives,
        productionId: result.productionId,
        actor: officer,
        keyring,
        now: new Date(RECEIVED.getTime() + 2 * DAY),
      });
      const tar = await readStream(download.stream);
      const files = await tarFiles(tar);
      const bag = result.bagName;
      const json = (name: string) =>
        JSON.parse((files.get(`${bag}/data/${name}`) as Buffer).toString("utf8")) as {
          columns: string[];
          records: Array<Record<string, unknown>>;
        };
      expect(json("subscriber.name.json").records).toEqual([
        { target: "username:Alice", account_id: "1001", at: null, display_name: "Alice Liddell" },
      ]);
      expect(json("subscriber.email.json").records).toEqual([
        { target: "username:Alice", account_id: "1001", at: null, email: "alice@chat.example" },
      ]);
      const logins = json("records.ip_logs.json");
      expect(logins.columns).toEqual(["target", "account_id", "at", "ip", "user_agent"]);
      expect(logins.records.map((r) => [r.at, r.ip, r.user_agent])).toEqual(
        IN_WINDOW.map((l) => [l.at.toISOString(), l.ip, "app/1001"]),
      );

      const dir = await mkdtemp(join(tmpdir(), "custodian-bag-"));
      try {
        await extractTar(Readable.from([tar]), dir);
        expect(await verifyBag(join(dir, bag))).toMatchObject({ ok: true, problems: [] });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      // The account's owner is told, at the address the accounts source gives.
      expect(await noticesToAlice()).toBe(noticesBefore + 1);
    },
  );

  /** Fulfilment that must fail: the production is failed, nothing of it stored, and the audit says why. */
  async function failsCleanly(sources: DeploymentSources, why: RegExp) {
    const requestId = await approvedRequest(database.db, {
      agencyId,
      document: courtOrder(),
      now: RECEIVED,
      submittedBy: officer.userId,
    });
    const error = await fulfilRequest(database.db, {
      requestId,
      actor: "cli:custodian",
      settings,
      now: () => new Date(RECEIVED.getTime() + DAY),
      source: sources.factory,
    }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(why);
    const production = await database.db
      .selectFrom("production")
      .select(["id", "status", "wrapped_key"])
      .where("request_id", "=", requestId)
      .executeTakeFirstOrThrow();
    expect(production).toMatchObject({ status: "failed", wrapped_key: null });
    // Nothing of it is left in the archive store.
    expect(await settings.archives.size(archiveKeyOf(production.id))).toBeUndefined();
    const failed = await database.db
      .selectFrom("audit_event")
      .select(["payload"])
      .where("object_id", "=", production.id)
      .where("action", "=", "production.failed")
      .executeTakeFirstOrThrow();
    expect((failed.payload as { reason: string }).reason).toMatch(why);
    // The request can be fulfilled again once the source is mended.
    const request = await database.db
      .selectFrom("request")
      .select("status")
      .where("id", "=", requestId)
      .executeTakeFirstOrThrow();
    expect(request.status).toBe("fulfilling");
  }

  const SLOW_LOGINS = {
    mariadb: "and sleep(0.01) = 0",
    postgresql: "and pg_sleep(0.01)::text = ''",
  };

  it.each(["mariadb", "postgresql"] as const)(
    "sql-%s: a query past its statement timeout fails the production, naming the source and why",
    async (dialect) => {
      const sources = await configure(`sql-${dialect}`, {
        queries: CHAT_QUERIES.replace("order by at, id", `${SLOW_LOGINS[dialect]}\n      order by at, id`),
        source:
          "    kind: sql\n    urlEnv: CHAT_DATABASE_URL\n    queries: chat.queries.yaml\n    statementTimeoutMs: 300\n",
      });
      await failsCleanly(
        sources,
        /data source chat \(sql\) failed reading records\.ip_logs of account 1001: .*(max_statement_time|statement timeout)/,
      );
    },
  );

  it.each(["mariadb", "postgresql"] as const)(
    "sql-%s: a malformed record fails the production, naming the source and why",
    async (dialect) => {
      const sources = await configure(`sql-${dialect}`, {
        queries: CHAT_QUERIES.replace("select at, ip, user_agent", "select 'yesterday' as at, ip, user_agent"),
      });
      await failsCleanly(
        sources,
        /data source chat \(sql\) failed reading records\.ip_logs of account 1001: column at is "yesterday", not a time/,
      );
    },
  );

  /** A login written into the provider's database by another session, as its application would. */
  async function providerWrite(dialect: ProviderDialect, text: string): Promise<void> {
    const url = providers.get(dialect)?.url as string;
    if (dialect === "mariadb") {
      const conn = await mysql.createConnection({ uri: url, timezone: "Z" });
      await conn.query(text).finally(() => conn.end());
      return;
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(text).finally(() => client.end());
  }

  it.each(["mariadb", "postgresql"] as const)(
    "sql-%s: both reads of a production see one snapshot while the provider's application writes",
    async (dialect) => {
      const sources = await configure(`sql-${dialect}`);
      let reads = 0;
      // The routed source as configured, with a login written by another session just before the
      // second read of records.ip_logs (the one writing its JSON into the archive).
      const writing: DataSourceFactory = (db) => {
        const routed = sources.factory(db);
        const snapshot = routed.snapshot as NonNullable<DataSource["snapshot"]>;
        return {
          ...routed,
          snapshot: (work) =>
            snapshot((view) =>
              work({
                ...view,
                read: (account, category, period) =>
                  (async function* () {
                    if (category === "records.ip_logs" && ++reads === 2) {
                      await providerWrite(
                        dialect,
                        "insert into logins (user_id, at, ip, user_agent) values ('1001', '2020-08-20 12:07:00', '203.0.113.77', 'app/1001')",
                      );
                    }
                    yield* view.read(account, category, period);
                  })(),
              }),
            ),
        };
      };
      try {
        const requestId = await approvedRequest(database.db, {
          agencyId,
          document: courtOrder(),
          now: RECEIVED,
          submittedBy: officer.userId,
        });
        const result = await fulfilRequest(database.db, {
          requestId,
          actor: "cli:custodian",
          settings,
          now: () => new Date(RECEIVED.getTime() + DAY),
          source: writing,
          keepBytes: 0,
        });
        // Measured, then JSON and CSV each read again: all three from the state before the write.
        expect(reads).toBe(3);
        expect(result.targets[0]).toEqual({
          target: "username:Alice",
          result: "data_produced",
          records: IN_WINDOW.length + 2,
        });
      } finally {
        await providerWrite(dialect, "delete from logins where ip = '203.0.113.77'");
      }
    },
  );

  it("module: a source that stops answering fails the production after its timeout", async () => {
    const dir = await sourcesDir({
      "stalls.mjs": `export default {
        name: "stalls",
        columns: (c) => (c === "records.ip_logs" ? ["ip", "user_agent"] : c === "subscriber.name" ? ["display_name"] : c === "subscriber.email" ? ["email"] : undefined),
        findAccount: async (t) => ({ id: "1001", label: t.value }),
        contactFor: async () => undefined,
        read: async function* (account, category) {
          if (category === "records.ip_logs") await new Promise(() => {});
        },
      };`,
    });
    dirs.push(dir);
    const sources = await configure("module", {
      source: `    kind: module\n    module: ${join(dir.dir, "stalls.mjs")}\n    timeoutMs: 300\n`,
    });
    await failsCleanly(
      sources,
      /data source chat \(module\) failed reading records\.ip_logs of account 1001: no answer within 300 ms/,
    );
  });

  it("module: a record of the wrong shape fails the production", async () => {
    const dir = await sourcesDir({
      "odd.mjs": `export default {
        name: "odd",
        columns: (c) => ({ "records.ip_logs": ["ip", "user_agent"], "subscriber.name": ["display_name"], "subscriber.email": ["email"] })[c],
        findAccount: async () => ({ id: "1001", label: "@alice" }),
        contactFor: async () => undefined,
        read: async function* (account, category) {
          if (category === "records.ip_logs") yield { at: new Date("2020-08-02T00:00:00Z"), fields: { ip: { v4: "1.2.3.4" }, user_agent: "x" } };
        },
      };`,
    });
    dirs.push(dir);
    const sources = await configure("module", {
      source: `    kind: module\n    module: ${join(dir.dir, "odd.mjs")}\n`,
    });
    await failsCleanly(
      sources,
      /data source chat \(module\) failed reading records\.ip_logs of account 1001: it returned a record whose ip is object/,
    );
  });

  it("http: calls that fail before answering are tried again", async () => {
    const sources = await configure("http", { faults: { failFirst: 2 } });
    const server = servers.at(-1) as SourceServer;
    // The start's GET /v1/categories answered 503 twice, then 200.
    expect(server.calls).toEqual(["GET /v1/categories", "GET /v1/categories", "GET /v1/categories"]);
    const source = sources.factory(database.db);
    expect(await source.findAccount({ type: "email", value: "ALICE@chat.example" })).toEqual({
      id: "1001",
      label: "@alice",
    });
  });

  it("http: a records stream that stops sending fails the production after the timeout", async () => {
    const sources = await configure("http", {
      faults: { stallRecords: true },
      source: "    kind: http\n    url: HTTP_URL\n    tokenEnv: CHAT_SOURCE_TOKEN\n    timeoutMs: 500\n",
    });
    await failsCleanly(
      sources,
      /data source chat \(http\) failed reading records\.ip_logs of account 1001: no answer within 500 ms/,
    );
  });

  it("http: a line that is not JSON fails the production", async () => {
    const sources = await configure("http", { faults: { badLine: true } });
    await failsCleanly(
      sources,
      /data source chat \(http\) failed reading records\.ip_logs of account 1001: POST \/v1\/records: line 2 is not JSON/,
    );
  });

  it("http: a refused token stops the start", async () => {
    const dir = await sourcesDir({
      "data.json": JSON.stringify({ accounts: [], logins: [] }),
    });
    dirs.push(dir);
    const running = await startSourceServer({ file: join(dir.dir, "data.json"), token: "another" });
    servers.push(running);
    await writeFile(
      join(dir.dir, "sources.yaml"),
      `version: 1\naccounts: chat\nsources:\n  chat: { kind: http, url: "${running.url}", tokenEnv: T, retries: 0 }\ncategories: {}\n`,
    );
    const error = await openSources(sourcesSpec(join(dir.dir, "sources.yaml"), { T: TOKEN }), database.db).catch(
      (e: unknown) => e as Error,
    );
    expect((error as Error).message).toBe(
      `data sources (${join(dir.dir, "sources.yaml")}): sources.chat: cannot use ${running.url}: GET /v1/categories: HTTP 401: the bearer token was refused`,
    );
  });
});
