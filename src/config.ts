import type { KeyObject } from "node:crypto";
import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { z } from "zod";
import { parseSigningKey, type SigningKey } from "./audit/signing.js";
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
  /** Keys a checkpoint may be signed with (the signing key's own, and any CUSTODIAN_AUDIT_PUBLIC_KEY). */
  auditPublicKeys: KeyObject[];
}

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
});

export const DEFAULT_DATA_DIR = "./.custodian/data";

export function loadConfig(env: NodeJS.ProcessEnv, overrides: { dataDir?: string | undefined } = {}): Config {
  const parsed = envSchema.safeParse(env);
  const problems: Problem[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ path: issue.path.join("."), message: issue.message });
    throw new ValidationError(problems, "environment");
  }
  const e = parsed.data;

  let auditSigningKey: SigningKey | undefined;
  if (e.CUSTODIAN_AUDIT_SIGNING_KEY && e.CUSTODIAN_AUDIT_SIGNING_KEY_FILE) {
    problems.push({
      path: "CUSTODIAN_AUDIT_SIGNING_KEY",
      message: "set either it or CUSTODIAN_AUDIT_SIGNING_KEY_FILE, not both",
    });
  }
  let keyText = e.CUSTODIAN_AUDIT_SIGNING_KEY;
  if (e.CUSTODIAN_AUDIT_SIGNING_KEY_FILE) {
    try {
      keyText = readFileSync(e.CUSTODIAN_AUDIT_SIGNING_KEY_FILE, "utf8");
    } catch (error) {
      problems.push({
        path: "CUSTODIAN_AUDIT_SIGNING_KEY_FILE",
        message: `cannot read ${e.CUSTODIAN_AUDIT_SIGNING_KEY_FILE}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
      });
    }
  }
  if (keyText) {
    try {
      auditSigningKey = parseSigningKey(keyText);
    } catch (error) {
      // Never echo the value: it is a private key.
      problems.push({ path: "CUSTODIAN_AUDIT_SIGNING_KEY", message: (error as Error).message });
    }
  }
  const auditPublicKeys: KeyObject[] = auditSigningKey ? [auditSigningKey.publicKey] : [];
  if (e.CUSTODIAN_AUDIT_PUBLIC_KEY) {
    try {
      auditPublicKeys.push(createPublicKey(e.CUSTODIAN_AUDIT_PUBLIC_KEY));
    } catch {
      problems.push({ path: "CUSTODIAN_AUDIT_PUBLIC_KEY", message: "must be a PEM Ed25519 public key" });
    }
  }
  if (problems.length > 0) throw new ValidationError(problems, "environment");

  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: overrides.dataDir ?? e.CUSTODIAN_DATA_DIR ?? DEFAULT_DATA_DIR,
    allowUnsafeDurability: e.CUSTODIAN_ALLOW_UNSAFE_DURABILITY === "true",
    auditSigningKey,
    auditPublicKeys,
  };
}
