import { dirname, isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { type Category, isCategory, TARGET_TYPES, type TargetType } from "../../domain/vocabulary.js";
import { readConfigFile, zodProblems } from "../../shared/config-file.js";
import type { Problem } from "../../shared/validation.js";
import { namedParameters } from "./sql.params.js";

/**
 * The deployment's data sources, read from a configuration file (CUSTODIAN_SOURCES; docs/sources.md), so
 * that a provider reaches its own systems without changing Custodian's code. Everything that can be
 * checked without connecting is checked here, and every problem is listed at once; what needs a
 * connection (a source that does not answer, a query naming a missing column) is checked when the
 * sources are opened (deployment.ts), before the server or the command starts work.
 *
 * Each category is produced by one source (`categories`), and one source (`accounts`) finds the account a
 * target names and where its owner is told: the other sources read by that account's identifier.
 */

const NAME = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, { error: "must be lower-case letters, digits, - or _, starting with a letter" });
const TIMEOUT = z.number().int().min(100).max(3_600_000);
const QUERY = z.string().trim().min(1).max(20_000);
const COLUMN = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, { error: "must be a lower-case column name (letters, digits, _)" });

const sqlSourceSchema = z.strictObject({
  kind: z.literal("sql"),
  /** postgres://, postgresql://, mysql:// or mariadb://. Prefer urlEnv: the URL usually holds a password. */
  url: z.string().min(1).optional(),
  /** The name of an environment variable holding the URL. */
  urlEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, { error: "must be an environment variable's name" })
    .optional(),
  /** The mapping file of queries, relative to this file. */
  queries: z.string().min(1),
  /** Server-side limit on each statement (PostgreSQL: each fetch of rows; MariaDB/MySQL: the whole statement). */
  statementTimeoutMs: TIMEOUT.optional(),
  /** How long Custodian waits for any one answer (connecting, a row) before the source counts as failed. */
  timeoutMs: TIMEOUT.optional(),
  poolSize: z.number().int().min(1).max(32).optional(),
});

const moduleSourceSchema = z.strictObject({
  kind: z.literal("module"),
  /** A path to an ES module (relative to this file), or builtin:messenger for the demo's user store. */
  module: z.string().min(1),
  /** Passed to the module's factory as its second argument. */
  options: z.record(z.string(), z.unknown()).optional(),
  timeoutMs: TIMEOUT.optional(),
});

const ENV_NAME = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { error: "must be an environment variable's name" });

const httpSourceSchema = z.strictObject({
  kind: z.literal("http"),
  /** The service's base URL; the protocol's paths (/v1/…) are below it. */
  url: z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }),
  /** The environment variable holding the bearer token (never the token itself: the file is not a secret). */
  tokenEnv: ENV_NAME,
  timeoutMs: TIMEOUT.optional(),
  /** How many times a call that failed before answering is tried again. */
  retries: z.number().int().min(0).max(10).optional(),
});

const fileSchema = z.strictObject({
  version: z.literal(1, { error: "must be 1 (the only version of this format)" }),
  accounts: NAME,
  sources: z.record(NAME, z.discriminatedUnion("kind", [sqlSourceSchema, moduleSourceSchema, httpSourceSchema])),
  categories: z.record(z.string(), z.string()),
});

const mappingSchema = z.strictObject({
  accounts: z
    .strictObject({
      /** One query per target type, with :value; returns `id` (and `label`, how a person recognizes it). */
      find: z.partialRecord(z.enum(TARGET_TYPES), QUERY),
      /** With :account_id; returns `email` and `name`. */
      contact: QUERY.optional(),
    })
    .optional(),
  categories: z
    .record(
      z.string(),
      z.strictObject({
        columns: z.array(COLUMN).min(1).max(100),
        /** With :account_id (and :from, :to); returns `at` and the columns. */
        query: QUERY,
      }),
    )
    .optional(),
});

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 60_000;

export interface SqlQuery {
  /** The query as written, with :name parameters. */
  text: string;
  /** Where it was written, for messages. */
  at: string;
}

export interface SqlSourceSpec {
  kind: "sql";
  name: string;
  dialect: "postgresql" | "mysql";
  url: string;
  queriesFile: string;
  find: Partial<Record<TargetType, SqlQuery>>;
  contact: SqlQuery | undefined;
  categories: Partial<Record<Category, { columns: string[]; query: SqlQuery }>>;
  statementTimeoutMs: number;
  timeoutMs: number;
  poolSize: number;
}

export interface ModuleSourceSpec {
  kind: "module";
  name: string;
  /** An absolute path, or builtin:<name>. */
  module: string;
  options: Record<string, unknown>;
  timeoutMs: number;
}

export interface HttpSourceSpec {
  kind: "http";
  name: string;
  url: string;
  token: string;
  timeoutMs: number;
  retries: number;
}

export type SourceSpec = SqlSourceSpec | ModuleSourceSpec | HttpSourceSpec;

export interface SourcesSpec {
  /** The file it was read from. */
  file: string;
  accounts: string;
  sources: Record<string, SourceSpec>;
  categories: Partial<Record<Category, string>>;
}

/** The parameters each kind of query may use, and the one it must. */
const PARAMETERS = {
  find: { allowed: ["value"], required: "value" },
  contact: { allowed: ["account_id"], required: "account_id" },
  read: { allowed: ["account_id", "from", "to"], required: "account_id" },
} as const;

function checkParameters(query: SqlQuery, use: keyof typeof PARAMETERS, problems: Problem[]) {
  const { allowed, required } = PARAMETERS[use];
  const names = namedParameters(query.text);
  for (const name of new Set(names)) {
    if (!(allowed as readonly string[]).includes(name)) {
      problems.push({
        path: query.at,
        message: `uses :${name}, which is not a parameter here (${allowed.map((a) => `:${a}`).join(", ")})`,
      });
    }
  }
  if (!names.includes(required)) problems.push({ path: query.at, message: `must use :${required}` });
}

function sqlUrl(
  name: string,
  raw: z.output<typeof sqlSourceSchema>,
  env: NodeJS.ProcessEnv,
  label: string,
  problems: Problem[],
) {
  const at = `${label} sources.${name}`;
  if ((raw.url === undefined) === (raw.urlEnv === undefined)) {
    problems.push({ path: at, message: "needs exactly one of url and urlEnv" });
    return undefined;
  }
  const url = raw.url ?? env[raw.urlEnv as string];
  if (!url) {
    problems.push({ path: `${at}.urlEnv`, message: `the environment variable ${raw.urlEnv} is not set` });
    return undefined;
  }
  // The URL is never echoed: it may carry a password.
  const scheme = /^([a-z]+):\/\//.exec(url)?.[1];
  if (scheme === "postgres" || scheme === "postgresql") return { url, dialect: "postgresql" as const };
  if (scheme === "mysql" || scheme === "mariadb") {
    return { url: url.replace(/^mariadb:/, "mysql:"), dialect: "mysql" as const };
  }
  problems.push({
    path: raw.url ? `${at}.url` : `${at}.urlEnv`,
    message: "must be a postgres://, postgresql://, mysql:// or mariadb:// URL",
  });
  return undefined;
}

function readMapping(
  name: string,
  raw: z.output<typeof sqlSourceSchema>,
  baseDir: string,
  label: string,
  problems: Problem[],
): Pick<SqlSourceSpec, "queriesFile" | "find" | "contact" | "categories"> | undefined {
  const queriesFile = isAbsolute(raw.queries) ? raw.queries : resolve(baseDir, raw.queries);
  const mappingLabel = `${label} sources.${name}.queries (${raw.queries}):`;
  const data = readConfigFile(queriesFile, mappingLabel, problems);
  if (data === undefined) return undefined;
  const parsed = mappingSchema.safeParse(data);
  if (!parsed.success) {
    zodProblems(parsed.error, mappingLabel, problems);
    return undefined;
  }
  const find: SqlSourceSpec["find"] = {};
  for (const [type, text] of Object.entries(parsed.data.accounts?.find ?? {})) {
    const query = { text, at: `${mappingLabel} accounts.find.${type}` };
    checkParameters(query, "find", problems);
    find[type as TargetType] = query;
  }
  let contact: SqlQuery | undefined;
  if (parsed.data.accounts?.contact) {
    contact = { text: parsed.data.accounts.contact, at: `${mappingLabel} accounts.contact` };
    checkParameters(contact, "contact", problems);
  }
  const categories: SqlSourceSpec["categories"] = {};
  for (const [category, entry] of Object.entries(parsed.data.categories ?? {})) {
    const at = `${mappingLabel} categories[${JSON.stringify(category)}]`;
    if (!isCategory(category)) {
      problems.push({ path: at, message: "is not a category of the vocabulary (docs/vocabulary.md)" });
      continue;
    }
    if (entry.columns.includes("at")) {
      problems.push({ path: `${at}.columns`, message: "must not list at: every query returns it" });
    }
    if (new Set(entry.columns).size !== entry.columns.length) {
      problems.push({ path: `${at}.columns`, message: "names a column twice" });
    }
    const query = { text: entry.query, at: `${at}.query` };
    checkParameters(query, "read", problems);
    categories[category] = { columns: entry.columns, query };
  }
  return { queriesFile, find, contact, categories };
}

/**
 * Reads and checks a sources file. Throws nothing: the problems go to `problems` (the caller lists them
 * with the rest of the configuration's), and the spec is returned only when there are none.
 */
export function readSourcesFile(
  file: string,
  env: NodeJS.ProcessEnv,
  problems: Problem[],
  label = file,
): SourcesSpec | undefined {
  const before = problems.length;
  const prefix = `${label}:`;
  const data = readConfigFile(file, prefix, problems);
  if (data === undefined) return undefined;
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    zodProblems(parsed.error, prefix, problems);
    return undefined;
  }
  const baseDir = dirname(resolve(file));
  const sources: Record<string, SourceSpec> = {};
  for (const [name, raw] of Object.entries(parsed.data.sources)) {
    if (raw.kind === "module") {
      sources[name] = {
        kind: "module",
        name,
        module: raw.module.startsWith("builtin:") || isAbsolute(raw.module) ? raw.module : resolve(baseDir, raw.module),
        options: raw.options ?? {},
        timeoutMs: raw.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      };
      continue;
    }
    if (raw.kind === "http") {
      const token = env[raw.tokenEnv];
      if (!token) {
        problems.push({
          path: `${prefix} sources.${name}.tokenEnv`,
          message: `the environment variable ${raw.tokenEnv} is not set`,
        });
        continue;
      }
      sources[name] = {
        kind: "http",
        name,
        url: raw.url,
        token,
        timeoutMs: raw.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        retries: raw.retries ?? 2,
      };
      continue;
    }
    const target = sqlUrl(name, raw, env, prefix, problems);
    const mapping = readMapping(name, raw, baseDir, prefix, problems);
    if (!target || !mapping) continue;
    sources[name] = {
      kind: "sql",
      name,
      ...target,
      ...mapping,
      statementTimeoutMs: raw.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
      timeoutMs: raw.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      poolSize: raw.poolSize ?? 4,
    };
  }
  const names = Object.keys(parsed.data.sources);
  const known = (name: string) => names.includes(name);
  if (!known(parsed.data.accounts)) {
    problems.push({ path: `${prefix} accounts`, message: `names no source (sources: ${names.join(", ") || "none"})` });
  }
  const accounts = sources[parsed.data.accounts];
  if (accounts?.kind === "sql" && Object.keys(accounts.find).length === 0) {
    problems.push({
      path: `${prefix} accounts`,
      message: `${accounts.name} finds accounts, but its queries file has no accounts.find query`,
    });
  }
  const categories: SourcesSpec["categories"] = {};
  for (const [category, name] of Object.entries(parsed.data.categories)) {
    const at = `${prefix} categories[${JSON.stringify(category)}]`;
    if (!isCategory(category)) {
      problems.push({ path: at, message: "is not a category of the vocabulary (docs/vocabulary.md)" });
      continue;
    }
    if (!known(name)) {
      problems.push({ path: at, message: `names no source: ${name} (sources: ${names.join(", ") || "none"})` });
      continue;
    }
    const source = sources[name];
    if (source?.kind === "sql" && !source.categories[category]) {
      problems.push({ path: at, message: `${name}'s queries file has no query for ${category}` });
      continue;
    }
    categories[category] = name;
  }
  if (problems.length > before) return undefined;
  return { file, accounts: parsed.data.accounts, sources, categories };
}
