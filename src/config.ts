import type { KeyObject } from "node:crypto";
import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { type Addressee, readAddresseesFile } from "./addressees/addressees.js";
import { parseSigningKey, type SigningKey } from "./audit/signing.js";
import type { ArchiveStore } from "./fulfilment/archive.storage.js";
import { type ArchiveStoreSpec, openArchiveStore } from "./fulfilment/archive-stores.js";
import { readSourcesFile, type SourcesSpec } from "./fulfilment/sources/sources.config.js";
import { CANARY_STATEMENT_CODES, type CanaryStatementCode } from "./reports/canary.js";
import { type Keyring, type MasterKey, parseMasterKey } from "./shared/master-key.js";
import { packagePath } from "./shared/package.js";
import { type Problem, ValidationError } from "./shared/validation.js";

/**
 * Configuration, read once from the environment and validated as a whole: every problem is listed
 * before anything starts. Nothing secret has a default. Everything else receives this object.
 */
export interface Config {
  /** postgres://… for a PostgreSQL server; undefined for the embedded PGlite directory. */
  databaseUrl: string | undefined;
  dataDir: string;
  allowUnsafeDurability: boolean;
  /** Signs audit checkpoints; from CUSTODIAN_AUDIT_SIGNING_KEY(_FILE), never stored in the database. */
  auditSigningKey: SigningKey | undefined;
  /** The warrant canary, published only when CUSTODIAN_CANARY_KEY(_FILE) is set. */
  canary: CanarySettings | undefined;
  /** Keys a checkpoint may be signed with (the signing key's own, and any CUSTODIAN_AUDIT_PUBLIC_KEY). */
  auditPublicKeys: KeyObject[];
  /** Where outgoing mail goes; without it, mail waits in the outbox (the demo shows it there). */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** The address people reach Custodian at, for links in mail (which never carry a secret but a one-use token). */
  publicUrl: string;
  /** Largest document an agency may upload, in bytes. */
  maxUploadBytes: number;
  /** Below this much free space (bytes) on the data or temporary directory, readiness answers 503. */
  minFreeDiskBytes: number;
  emergency: {
    /** Days within which the follow-up legal process for an emergency disclosure is due. */
    followUpDays: number;
    /** More emergencies than this from one account within the window flags it for second-level review. */
    floodLimit: number;
    floodWindowHours: number;
  };
  fulfilment: FulfilmentConfig;
  /**
   * The data sources (docs/sources.md): the file CUSTODIAN_SOURCES names, read and checked here; the
   * demo messenger's (data/sources/messenger.yaml) when it names none. Connected to by the commands that
   * reach user data (cli/context.ts, withSources).
   */
  sources: SourcesSpec;
  /** Where an emergency order wakes the on-call person (CUSTODIAN_PAGER_URL); without it nobody is paged, and the desk says so. */
  pager: PagerSettings | undefined;
  /**
   * Where authorities send orders, per region (docs/addressees.md): the file CUSTODIAN_ADDRESSEES names,
   * shown to agencies as it stands; none published without it.
   */
  addressees: Addressee[];
}

export interface PagerSettings {
  /** The paging service's events endpoint: it receives a PagerDuty Events API v2 body (docs/paging.md). */
  url: string;
  /** The service's integration (routing) key, sent in the body; CUSTODIAN_PAGER_ROUTING_KEY. */
  routingKey: string | undefined;
  /** A bearer token for receivers that want one; CUSTODIAN_PAGER_TOKEN. */
  token: string | undefined;
}

export interface FulfilmentConfig {
  /** Wraps each production's own key; from CUSTODIAN_MASTER_KEY(_FILE) and _PREVIOUS. Fulfilment refuses without it. */
  keyring: Keyring | undefined;
  /** Days a production is kept before it is purged (its chunks deleted, its wrapped key erased). */
  retentionDays: number;
  /** Days the agency has to download a production once it is ready. */
  downloadLinkDays: number;
  /** Days after an emergency disclosure before the account's owner is told (the emergency is over). */
  emergencyNoticeDelayDays: number;
  /** Where encrypted archives rest (docs/storage.md): CUSTODIAN_ARCHIVE_STORE, by default a directory beside the data directory. */
  archives: ArchiveStore;
}

export interface CanarySettings {
  key: SigningKey;
  /** The statements this provider makes, in the order it makes them. */
  statements: readonly CanaryStatementCode[];
  /** How long an issued canary speaks for; a day's renewal normally replaces it long before. */
  validDays: number;
  /** Who makes the statements; by default the name of the policy in force. */
  issuer: string | undefined;
}

export const FULFILMENT_DEFAULTS = { retentionDays: 30, downloadLinkDays: 14, emergencyNoticeDelayDays: 30 } as const;

const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: "must be a postgres:// URL" })
    .optional(),
  CUSTODIAN_DATA_DIR: z.string().min(1).optional(),
  CUSTODIAN_ALLOW_UNSAFE_DURABILITY: z.enum(["true", "false"]).optional(),
  CUSTODIAN_AUDIT_SIGNING_KEY: z.string().min(1).optional(),
  CUSTODIAN_AUDIT_SIGNING_KEY_FILE: z.string().min(1).optional(),
  CUSTODIAN_AUDIT_PUBLIC_KEY: z.string().min(1).optional(),
  CUSTODIAN_CANARY_KEY: z.string().min(1).optional(),
  CUSTODIAN_CANARY_KEY_FILE: z.string().min(1).optional(),
  CUSTODIAN_CANARY_STATEMENTS: z.string().min(1).optional(),
  CUSTODIAN_CANARY_VALID_DAYS: z.coerce.number().int().min(1).max(90).optional(),
  CUSTODIAN_CANARY_ISSUER: z.string().trim().min(1).max(200).optional(),
  CUSTODIAN_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, { error: "must be an smtp:// or smtps:// URL" })
    .optional(),
  CUSTODIAN_MAIL_FROM: z.email().optional(),
  CUSTODIAN_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  CUSTODIAN_MAX_UPLOAD_BYTES: z.coerce.number().int().min(1024).max(1_073_741_824).optional(),
  CUSTODIAN_MIN_FREE_DISK_MB: z.coerce.number().int().min(0).max(1_048_576).optional(),
  CUSTODIAN_EMERGENCY_FOLLOW_UP_DAYS: z.coerce.number().int().min(1).max(90).optional(),
  CUSTODIAN_EMERGENCY_FLOOD_LIMIT: z.coerce.number().int().min(1).max(1000).optional(),
  CUSTODIAN_EMERGENCY_FLOOD_WINDOW_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .optional(),
  CUSTODIAN_MASTER_KEY: z.string().min(1).optional(),
  CUSTODIAN_MASTER_KEY_FILE: z.string().min(1).optional(),
  CUSTODIAN_MASTER_KEY_PREVIOUS: z.string().min(1).optional(),
  CUSTODIAN_PRODUCTION_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).optional(),
  CUSTODIAN_DOWNLOAD_LINK_DAYS: z.coerce.number().int().min(1).max(90).optional(),
  CUSTODIAN_EMERGENCY_NOTICE_DELAY_DAYS: z.coerce.number().int().min(0).max(365).optional(),
  CUSTODIAN_SOURCES: z.string().min(1).optional(),
  CUSTODIAN_ADDRESSEES: z.string().min(1).optional(),
  CUSTODIAN_ARCHIVE_STORE: z
    .string()
    .regex(/^(dir:.+|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?)$/, {
      error: "must be dir:<directory> or s3://<bucket>[/<prefix>]",
    })
    .optional(),
  CUSTODIAN_S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  CUSTODIAN_S3_REGION: z.string().min(1).optional(),
  CUSTODIAN_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  CUSTODIAN_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  CUSTODIAN_PAGER_URL: z.url({ protocol: /^https?$/ }).optional(),
  CUSTODIAN_PAGER_ROUTING_KEY: z.string().trim().min(1).max(200).optional(),
  CUSTODIAN_PAGER_TOKEN: z.string().trim().min(1).max(4096).optional(),
});

/** The sources file shipped for the demo, used while CUSTODIAN_SOURCES names none. */
export const DEMO_SOURCES_FILE = packagePath("data/sources/messenger.yaml");

/** The demo's addressees (a fictional provider's), published by `demo` while CUSTODIAN_ADDRESSEES names none. */
export const DEMO_ADDRESSEES_FILE = packagePath("data/addressees.yaml");

export const DEFAULT_DATA_DIR = "./.custodian/data";

export function loadConfig(env: NodeJS.ProcessEnv, overrides: { dataDir?: string | undefined } = {}): Config {
  const parsed = envSchema.safeParse(env);
  const problems: Problem[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ path: issue.path.join("."), message: issue.message });
    throw new ValidationError(problems, "environment");
  }
  const e = parsed.data;

  const auditSigningKey = readSigningKey(e, "CUSTODIAN_AUDIT_SIGNING_KEY", problems);
  const canary = readCanary(e, problems);
  const auditPublicKeys: KeyObject[] = auditSigningKey ? [auditSigningKey.publicKey] : [];
  if (e.CUSTODIAN_AUDIT_PUBLIC_KEY) {
    try {
      auditPublicKeys.push(createPublicKey(e.CUSTODIAN_AUDIT_PUBLIC_KEY));
    } catch {
      problems.push({ path: "CUSTODIAN_AUDIT_PUBLIC_KEY", message: "must be a PEM Ed25519 public key" });
    }
  }
  const keyring = readKeyring(e, problems);
  const dataDir = overrides.dataDir ?? e.CUSTODIAN_DATA_DIR ?? DEFAULT_DATA_DIR;
  const archives = readArchiveStore(e, dataDir, problems);
  const sources = readSourcesFile(
    e.CUSTODIAN_SOURCES ?? DEMO_SOURCES_FILE,
    env,
    problems,
    e.CUSTODIAN_SOURCES ? `CUSTODIAN_SOURCES (${e.CUSTODIAN_SOURCES})` : DEMO_SOURCES_FILE,
  );
  const pager = readPager(e, problems);
  const addressees = readAddresseesFile(
    e.CUSTODIAN_ADDRESSEES,
    `CUSTODIAN_ADDRESSEES (${e.CUSTODIAN_ADDRESSEES})`,
    problems,
  );
  if (problems.length > 0 || !sources) throw new ValidationError(problems, "environment");

  return {
    // A directory named on the command line is the operator's choice for this run: it wins over a
    // DATABASE_URL left in the environment, rather than being silently ignored for it.
    databaseUrl: overrides.dataDir === undefined ? e.DATABASE_URL : undefined,
    dataDir,
    allowUnsafeDurability: e.CUSTODIAN_ALLOW_UNSAFE_DURABILITY === "true",
    auditSigningKey,
    auditPublicKeys,
    canary,
    smtpUrl: e.CUSTODIAN_SMTP_URL,
    mailFrom: e.CUSTODIAN_MAIL_FROM ?? "custodian@localhost",
    publicUrl: (e.CUSTODIAN_PUBLIC_URL ?? "http://127.0.0.1:4000").replace(/\/+$/, ""),
    maxUploadBytes: e.CUSTODIAN_MAX_UPLOAD_BYTES ?? 10 * 1024 * 1024,
    minFreeDiskBytes: (e.CUSTODIAN_MIN_FREE_DISK_MB ?? 256) * 1024 * 1024,
    emergency: {
      followUpDays: e.CUSTODIAN_EMERGENCY_FOLLOW_UP_DAYS ?? 14,
      floodLimit: e.CUSTODIAN_EMERGENCY_FLOOD_LIMIT ?? 3,
      floodWindowHours: e.CUSTODIAN_EMERGENCY_FLOOD_WINDOW_HOURS ?? 24,
    },
    fulfilment: {
      keyring,
      retentionDays: e.CUSTODIAN_PRODUCTION_RETENTION_DAYS ?? FULFILMENT_DEFAULTS.retentionDays,
      downloadLinkDays: e.CUSTODIAN_DOWNLOAD_LINK_DAYS ?? FULFILMENT_DEFAULTS.downloadLinkDays,
      emergencyNoticeDelayDays: e.CUSTODIAN_EMERGENCY_NOTICE_DELAY_DAYS ?? FULFILMENT_DEFAULTS.emergencyNoticeDelayDays,
      archives: openArchiveStore(archives),
    },
    sources,
    pager,
    addressees,
  };
}

function readPager(e: Env, problems: Problem[]): PagerSettings | undefined {
  if (!e.CUSTODIAN_PAGER_URL) {
    for (const name of ["CUSTODIAN_PAGER_ROUTING_KEY", "CUSTODIAN_PAGER_TOKEN"] as const) {
      if (e[name])
        problems.push({ path: name, message: "is set but CUSTODIAN_PAGER_URL is not: nobody would be paged" });
    }
    return undefined;
  }
  return { url: e.CUSTODIAN_PAGER_URL, routingKey: e.CUSTODIAN_PAGER_ROUTING_KEY, token: e.CUSTODIAN_PAGER_TOKEN };
}

type Env = z.output<typeof envSchema>;

/** An Ed25519 private key from NAME or NAME_FILE (not both). Never echoed: it is a secret. */
function readSigningKey(
  e: Env,
  name: "CUSTODIAN_AUDIT_SIGNING_KEY" | "CUSTODIAN_CANARY_KEY",
  problems: Problem[],
): SigningKey | undefined {
  const file = e[`${name}_FILE`];
  if (e[name] && file) {
    problems.push({ path: name, message: `set either it or ${name}_FILE, not both` });
    return undefined;
  }
  let text = e[name];
  if (file) {
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      problems.push({
        path: `${name}_FILE`,
        message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
      });
      return undefined;
    }
  }
  if (!text) return undefined;
  try {
    return parseSigningKey(text);
  } catch (error) {
    problems.push({ path: name, message: (error as Error).message });
    return undefined;
  }
}

/** The canary's settings; the statements default to all of them, in the catalogue's order. */
function readCanary(e: Env, problems: Problem[]): CanarySettings | undefined {
  const key = readSigningKey(e, "CUSTODIAN_CANARY_KEY", problems);
  const codes = (e.CUSTODIAN_CANARY_STATEMENTS ?? CANARY_STATEMENT_CODES.join(","))
    .split(",")
    .map((c) => c.trim())
    .filter((c) => c !== "");
  const unknown = codes.filter((c) => !(CANARY_STATEMENT_CODES as string[]).includes(c));
  if (unknown.length > 0 || codes.length === 0) {
    problems.push({
      path: "CUSTODIAN_CANARY_STATEMENTS",
      message: `must list statements among ${CANARY_STATEMENT_CODES.join(", ")}${unknown.length > 0 ? `; unknown: ${unknown.join(", ")}` : ""}`,
    });
    return undefined;
  }
  if (!key) {
    if (e.CUSTODIAN_CANARY_STATEMENTS || e.CUSTODIAN_CANARY_VALID_DAYS || e.CUSTODIAN_CANARY_ISSUER) {
      problems.push({ path: "CUSTODIAN_CANARY_KEY", message: "is required to publish the warrant canary configured" });
    }
    return undefined;
  }
  return {
    key,
    statements: [...new Set(codes)] as CanaryStatementCode[],
    validDays: e.CUSTODIAN_CANARY_VALID_DAYS ?? 14,
    issuer: e.CUSTODIAN_CANARY_ISSUER,
  };
}

/** The master key (and retired ones still allowed to unwrap). Values are never echoed: they are secrets. */
function readKeyring(e: Env, problems: Problem[]): Keyring | undefined {
  if (e.CUSTODIAN_MASTER_KEY && e.CUSTODIAN_MASTER_KEY_FILE) {
    problems.push({ path: "CUSTODIAN_MASTER_KEY", message: "set either it or CUSTODIAN_MASTER_KEY_FILE, not both" });
    return undefined;
  }
  let text = e.CUSTODIAN_MASTER_KEY;
  if (e.CUSTODIAN_MASTER_KEY_FILE) {
    try {
      text = readFileSync(e.CUSTODIAN_MASTER_KEY_FILE, "utf8");
    } catch (error) {
      problems.push({
        path: "CUSTODIAN_MASTER_KEY_FILE",
        message: `cannot read ${e.CUSTODIAN_MASTER_KEY_FILE}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
      });
      return undefined;
    }
  }
  const previous: MasterKey[] = [];
  for (const [i, part] of (e.CUSTODIAN_MASTER_KEY_PREVIOUS ?? "").split(",").entries()) {
    if (part.trim() === "") continue;
    try {
      previous.push(parseMasterKey(part));
    } catch (error) {
      problems.push({ path: `CUSTODIAN_MASTER_KEY_PREVIOUS[${i}]`, message: (error as Error).message });
    }
  }
  if (!text) {
    if (previous.length > 0) {
      problems.push({ path: "CUSTODIAN_MASTER_KEY", message: "is required when CUSTODIAN_MASTER_KEY_PREVIOUS is set" });
    }
    return undefined;
  }
  try {
    const current = parseMasterKey(text);
    return { current, previous: previous.filter((k) => k.id !== current.id) };
  } catch (error) {
    problems.push({ path: "CUSTODIAN_MASTER_KEY", message: (error as Error).message });
    return undefined;
  }
}

/**
 * The archive store: `dir:<directory>` or `s3://<bucket>[/<prefix>]` with CUSTODIAN_S3_* beside it. By
 * default a directory beside the data directory (`<data>.archives`, as the demo keeps its key files);
 * an in-memory database's archives go to the temporary directory, as scratch as the database.
 */
function readArchiveStore(e: Env, dataDir: string, problems: Problem[]): ArchiveStoreSpec {
  const named = e.CUSTODIAN_ARCHIVE_STORE;
  const s3Settings = [
    "CUSTODIAN_S3_ENDPOINT",
    "CUSTODIAN_S3_REGION",
    "CUSTODIAN_S3_ACCESS_KEY_ID",
    "CUSTODIAN_S3_SECRET_ACCESS_KEY",
  ] as const;
  if (!named?.startsWith("s3://")) {
    for (const name of s3Settings.filter((n) => e[n] !== undefined)) {
      problems.push({ path: name, message: "applies only with CUSTODIAN_ARCHIVE_STORE=s3://<bucket>" });
    }
    if (named) return { kind: "dir", dir: named.slice("dir:".length) };
    const dir = dataDir.startsWith("memory://")
      ? join(tmpdir(), "custodian-memory-archives")
      : `${dataDir.replace(/\/+$/, "")}.archives`;
    return { kind: "dir", dir };
  }
  const [bucket, ...rest] = named.slice("s3://".length).split("/");
  const prefix = rest.join("/");
  if (Boolean(e.CUSTODIAN_S3_ACCESS_KEY_ID) !== Boolean(e.CUSTODIAN_S3_SECRET_ACCESS_KEY)) {
    problems.push({
      path: "CUSTODIAN_S3_ACCESS_KEY_ID",
      message: "set it and CUSTODIAN_S3_SECRET_ACCESS_KEY together, or neither (the SDK's own credentials)",
    });
  }
  return {
    kind: "s3",
    bucket: bucket as string,
    prefix: prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`,
    endpoint: e.CUSTODIAN_S3_ENDPOINT,
    region: e.CUSTODIAN_S3_REGION ?? "us-east-1",
    credentials:
      e.CUSTODIAN_S3_ACCESS_KEY_ID && e.CUSTODIAN_S3_SECRET_ACCESS_KEY
        ? { accessKeyId: e.CUSTODIAN_S3_ACCESS_KEY_ID, secretAccessKey: e.CUSTODIAN_S3_SECRET_ACCESS_KEY }
        : undefined,
  };
}
