import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { createPostgresDatabase } from "../../../test/support/db.js";
import { ROOT } from "../../../test/support/fixtures.js";
import {
  CHAT_QUERIES,
  POSTGRES_ADMIN,
  type ProviderDb,
  providerDatabase,
  sourcesDir,
  sourcesSpec,
} from "../../../test/support/sources.js";
import { DEMO_SOURCES_FILE, loadConfig } from "../../config.js";
import { type Database, openDatabase } from "../../db/database.js";
import { TARGET_TYPES } from "../../domain/vocabulary.js";
import { ValidationError } from "../../shared/validation.js";
import { openSources } from "./deployment.js";
import { PROTOCOL_VERSION } from "./http.source.js";
import { compileQuery, namedParameters } from "./sql.params.js";

/** Bad configuration is refused at start with every problem listed; nothing starts half-configured. */

const dirs: Array<{ remove(): Promise<void> }> = [];
afterAll(async () => {
  for (const dir of dirs) await dir.remove();
});

async function files(contents: Record<string, string>) {
  const dir = await sourcesDir(contents);
  dirs.push(dir);
  return dir.dir;
}

function problemsOf(work: () => unknown): string[] {
  try {
    work();
  } catch (error) {
    if (error instanceof ValidationError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error("no problem found");
}

async function asyncProblemsOf(work: () => Promise<unknown>): Promise<string[]> {
  const error = await work().then(
    () => new Error("no problem found"),
    (e: unknown) => e,
  );
  if (error instanceof ValidationError) return error.problems.map((p) => `${p.path}: ${p.message}`);
  throw error;
}

describe("named parameters", () => {
  it("finds :name outside strings, quoted identifiers, comments and ::casts", () => {
    const text = `select ':not', "a:b", x::text -- :comment
      /* :block */ from t where id = :account_id and at >= :from and at < :to and id = :account_id`;
    expect(namedParameters(text)).toEqual(["account_id", "from", "to", "account_id"]);
    expect(compileQuery(`${text};`, "postgresql")).toEqual({
      text: text
        .replace(/:account_id/g, "$1")
        .replace(":from", "$2")
        .replace(":to", "$3"),
      order: ["account_id", "from", "to"],
    });
    expect(compileQuery("select 1 from t where a = :account_id or b = :account_id", "mysql")).toEqual({
      text: "select 1 from t where a = ? or b = ?",
      order: ["account_id", "account_id"],
    });
  });
});

/** A sources file with a fault of every kind but its shape; `billingExtra` can add a line that breaks the shape too. */
const faultySources = (billingExtra = "") => `version: 1
accounts: chat
sources:
  chat:
    kind: sql
    urlEnv: CHAT_URL
    queries: chat.queries.yaml
  billing:
    kind: sql
    url: oracle://billing.internal/db
    queries: billing.queries.yaml
${billingExtra}categories:
  subscriber.name: chat
  records.ip_log: chat
  records.contacts: crm
  content.posts: chat
`;
const FAULTY_CHAT_QUERIES = `accounts:
  find:
    username: select id from users where username = :username
categories:
  subscriber.name:
    columns: [display_name, at]
    query: select null as at, display_name from users
  records.ip_logs:
    columns: [ip]
    query: select at, ip from logins where user_id = :acount_id and at < :to
  content.poems:
    columns: [verse]
    query: select at, verse from poems where user_id = :account_id
`;

describe("a sources file", () => {
  it("lists every problem at once: unknown category, unknown source, missing or unknown parameter, unset URL", async () => {
    const dir = await files({
      "sources.yaml": faultySources("    colour: blue\n"),
      "chat.queries.yaml": FAULTY_CHAT_QUERIES,
    });
    // A file of the wrong shape is refused for its shape (every shape problem listed) before the rest is read.
    expect(problemsOf(() => sourcesSpec(join(dir, "sources.yaml")))).toEqual([
      `${join(dir, "sources.yaml")}: sources.billing: Unrecognized key: "colour"`,
    ]);
    // The first pass stops at the shape; fixed, the next lists everything else at once.
    const fixed = await files({ "sources.yaml": faultySources(), "chat.queries.yaml": FAULTY_CHAT_QUERIES });
    const fixedFile = join(fixed, "sources.yaml");
    const fixedMapping = `${fixedFile}: sources.chat.queries (chat.queries.yaml):`;
    expect(problemsOf(() => sourcesSpec(fixedFile)).sort()).toEqual(
      [
        `${fixedFile}: sources.chat.urlEnv: the environment variable CHAT_URL is not set`,
        `${fixedFile}: sources.billing.url: must be a postgres://, postgresql://, mysql:// or mariadb:// URL`,
        `${fixedFile}: sources.billing.queries (billing.queries.yaml):: cannot read ${join(fixed, "billing.queries.yaml")}: ENOENT`,
        `${fixedMapping} accounts.find.username: uses :username, which is not a parameter here (:value)`,
        `${fixedMapping} accounts.find.username: must use :value`,
        `${fixedMapping} categories["subscriber.name"].columns: must not list at: every query returns it`,
        `${fixedMapping} categories["subscriber.name"].query: must use :account_id`,
        `${fixedMapping} categories["records.ip_logs"].query: uses :acount_id, which is not a parameter here (:account_id, :from, :to)`,
        `${fixedMapping} categories["records.ip_logs"].query: must use :account_id`,
        `${fixedMapping} categories["content.poems"]: is not a category of the vocabulary (docs/vocabulary.md)`,
        `${fixedFile}: categories["records.ip_log"]: is not a category of the vocabulary (docs/vocabulary.md)`,
        `${fixedFile}: categories["records.contacts"]: names no source: crm (sources: chat, billing)`,
      ].sort(),
    );
  });

  it("reads JSON as well as YAML, and refuses a category produced by a source without its query", async () => {
    const dir = await files({
      "sources.json": JSON.stringify({
        version: 1,
        accounts: "chat",
        sources: { chat: { kind: "sql", url: "mariadb://reader@db.internal/chat", queries: "chat.queries.yaml" } },
        categories: { "subscriber.name": "chat", "content.posts": "chat" },
      }),
      "chat.queries.yaml": CHAT_QUERIES,
    });
    const file = join(dir, "sources.json");
    expect(problemsOf(() => sourcesSpec(file))).toEqual([
      `${file}: categories["content.posts"]: chat's queries file has no query for content.posts`,
    ]);
  });

  it("is part of the configuration: loadConfig lists its problems with the environment's", async () => {
    const dir = await files({ "sources.yaml": "version: 2\naccounts: chat\nsources: {}\ncategories: {}\n" });
    const file = join(dir, "sources.yaml");
    const problems = problemsOf(() =>
      loadConfig({ CUSTODIAN_SOURCES: file, CUSTODIAN_MASTER_KEY: "not a key", CUSTODIAN_DATA_DIR: "x" }),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^CUSTODIAN_MASTER_KEY: /);
    expect(problems[1]).toBe(`CUSTODIAN_SOURCES (${file}): version: must be 1 (the only version of this format)`);
    // Without CUSTODIAN_SOURCES, the demo messenger's file, shipped with the package.
    expect(loadConfig({}).sources).toMatchObject({ file: DEMO_SOURCES_FILE, accounts: "messenger" });
  });
});

describe("opening the sources", () => {
  let provider: ProviderDb;
  let database: Database;
  beforeAll(async () => {
    provider = await providerDatabase("postgresql", [], []);
    // Custodian's own store, which a module source is given; no schema is needed to open sources.
    database = await openDatabase({ dataDir: "memory://" });
  });
  afterAll(async () => {
    await provider?.drop();
    await database?.close();
  });

  it("lists every source that cannot be reached or used, and opens none", async () => {
    {
      const dir = await files({
        "sources.yaml": `version: 1
accounts: chat
sources:
  chat:
    kind: sql
    urlEnv: CHAT_URL
    queries: chat.queries.yaml
  archive:
    kind: sql
    url: mysql://root@127.0.0.1:1/nothing
    queries: chat.queries.yaml
    timeoutMs: 2000
  legacy:
    kind: module
    module: ./missing.mjs
  partial:
    kind: module
    module: ./partial.mjs
categories:
  subscriber.name: chat
  records.ip_logs: archive
  content.posts: legacy
  records.contacts: partial
`,
        "chat.queries.yaml": CHAT_QUERIES.replace(
          "select at, ip, user_agent from logins",
          "select at, ip from logins",
        ).replace("from users where id = :account_id and email", "from customers where id = :account_id and email"),
        "partial.mjs": `export default { name: "partial", columns: () => undefined, findAccount: async () => undefined, read: async function* () {}, contactFor: async () => undefined };`,
      });
      const spec = sourcesSpec(join(dir, "sources.yaml"), { CHAT_URL: provider.url });
      const problems = await asyncProblemsOf(() => openSources(spec, database.db));
      const mapping = `${join(dir, "sources.yaml")}: sources.chat.queries (chat.queries.yaml):`;
      expect(problems).toEqual(
        expect.arrayContaining([
          `${mapping} categories["subscriber.email"].query: relation "customers" does not exist (42P01)`,
          `${mapping} categories["records.ip_logs"].query: returns no column user_agent`,
          expect.stringMatching(/^sources\.archive: cannot reach the database: .*ECONNREFUSED/),
          expect.stringMatching(/^sources\.legacy\.module: cannot load .*missing\.mjs/),
          `categories["records.contacts"]: partial produces no columns for it`,
        ]),
      );
      expect(problems).toHaveLength(5);
    }
  });

  it("opens the demo messenger's file, shipped with the package", async () => {
    {
      const sources = await openSources(loadConfig({}).sources, database.db);
      expect(sources.summary).toBe(
        `data sources from ${DEMO_SOURCES_FILE}: messenger (module); accounts from messenger`,
      );
      const source = sources.factory(database.db);
      expect(source.columns("records.ip_logs")).toEqual(["ip", "user_agent"]);
      expect(source.columns("content.location")).toBeUndefined();
      expect(await source.findAccount({ type: "username", value: "anyone" })).toBeUndefined();
      await sources.close();
    }
  });
});

describe("the source protocol (kind http)", () => {
  it("is a valid OpenAPI 3.1 document of the four calls the client makes, version 1", async () => {
    const document = parseYaml(readFileSync(join(ROOT, "docs/source-protocol.openapi.yaml"), "utf8")) as {
      openapi: string;
      info: { version: string };
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    const result = await new Validator().validate(document as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.info.version).toBe(String(PROTOCOL_VERSION));
    const operations = Object.entries(document.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`),
    );
    expect(operations.sort()).toEqual([
      "GET /v1/categories listCategories",
      "POST /v1/accounts/find findAccount",
      "POST /v1/contact contactFor",
      "POST /v1/records readRecords",
    ]);
    // Every kind of target a request may name can be asked for.
    const schemas = (document as unknown as { components: { schemas: Record<string, unknown> } }).components.schemas;
    expect((schemas.Target as { properties: { type: { enum: string[] } } }).properties.type.enum).toEqual([
      ...TARGET_TYPES,
    ]);
    // The paths the client calls are these (http.source.ts).
    const client = readFileSync(join(ROOT, "src/fulfilment/sources/http.source.ts"), "utf8");
    for (const path of Object.keys(document.paths)) expect(client).toContain(`"${path}"`);
  });

  it("needs its token from the environment, and an http(s) URL", async () => {
    const dir = await files({
      "sources.yaml": `version: 1
accounts: chat
sources:
  chat: { kind: http, url: "ftp://chat.internal/", tokenEnv: CHAT_TOKEN }
  crm: { kind: http, url: "https://crm.internal/custodian", tokenEnv: CRM_TOKEN, retries: 3 }
categories: { subscriber.name: chat, subscriber.email: crm }
`,
    });
    const file = join(dir, "sources.yaml");
    expect(problemsOf(() => sourcesSpec(file))).toEqual([
      `${file}: sources.chat.url: must be an http:// or https:// URL`,
    ]);
    const fixed = await files({
      "sources.yaml": `version: 1
accounts: chat
sources:
  chat: { kind: http, url: "https://chat.internal/", tokenEnv: CHAT_TOKEN }
  crm: { kind: http, url: "https://crm.internal/custodian", tokenEnv: CRM_TOKEN, retries: 3 }
categories: { subscriber.name: chat, subscriber.email: crm }
`,
    });
    const fixedFile = join(fixed, "sources.yaml");
    expect(problemsOf(() => sourcesSpec(fixedFile, { CHAT_TOKEN: "t" }))).toEqual([
      `${fixedFile}: sources.crm.tokenEnv: the environment variable CRM_TOKEN is not set`,
    ]);
    expect(sourcesSpec(fixedFile, { CHAT_TOKEN: "t", CRM_TOKEN: "u" }).sources.crm).toEqual({
      kind: "http",
      name: "crm",
      url: "https://crm.internal/custodian",
      token: "u",
      timeoutMs: 30_000,
      retries: 3,
    });
  });
});

describe("custodian with a bad sources file", () => {
  it("refuses to serve, listing the problems, exit 2", async () => {
    const dir = await files({
      "sources.yaml": `version: 1
accounts: chat
sources:
  chat: { kind: sql, url: "postgres://postgres@127.0.0.1:1/none", queries: chat.queries.yaml, timeoutMs: 2000 }
categories:
  subscriber.name: chat
`,
      "chat.queries.yaml": CHAT_QUERIES,
    });
    // Its own store on the PostgreSQL server (quicker to open on a busy machine than the embedded one).
    const store = await createPostgresDatabase(POSTGRES_ADMIN);
    const run = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve", "--port", "0"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: store.url, CUSTODIAN_SOURCES: join(dir, "sources.yaml") },
      timeout: 170_000,
    });
    await store.drop();
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      /^custodian: data sources \(.*sources\.yaml\): sources\.chat: cannot reach the database/,
    );
    expect(run.stdout).not.toMatch(/listening/);
  }, 180_000);
});
