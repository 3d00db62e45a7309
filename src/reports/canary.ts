import { type KeyObject, sign, verify } from "node:crypto";
import { z } from "zod";
import { canonicalJson } from "../audit/canonical.js";
import type { SigningKey } from "../audit/signing.js";

/**
 * The warrant canary: statements a provider makes about demands it has NOT received, signed, dated and
 * expiring. It is never written by hand. Each statement has a check against the requests Custodian holds
 * (intake and imported ledgers alike); a canary is issued for a day only if every statement it carries
 * holds that day, so while a gag is open the canary is not renewed and lapses at its expiry. It never
 * says something false; its silence is the message. The text form follows the common `canary.txt`
 * practice (readable statements, a next-issue date, a proof of freshness), with the signed document
 * and its Ed25519 signature at the end, so a reader checks it with `custodian canary verify`.
 */

export const CANARY_STATEMENTS = {
  no_national_security_process: (provider: string) =>
    `${provider} has never received national-security process (such as a National Security Letter or an order of a national-security court) for its users' data.`,
  no_gag_in_force: (provider: string) =>
    `No order forbidding ${provider} to disclose that it received a demand for its users' data is in force.`,
} as const;

export type CanaryStatementCode = keyof typeof CANARY_STATEMENTS;
export const CANARY_STATEMENT_CODES = Object.keys(CANARY_STATEMENTS) as CanaryStatementCode[];

export const CANARY_FORMAT = "custodian-canary/1";

const iso = z.iso.datetime();
export const canaryDocumentSchema = z.strictObject({
  format: z.literal(CANARY_FORMAT),
  issuer: z.string().min(1),
  issuedAt: iso,
  /** After this moment the canary says nothing: treat it as withdrawn. */
  expiresAt: iso,
  statements: z.array(z.strictObject({ code: z.enum(CANARY_STATEMENT_CODES), text: z.string().min(1) })).min(1),
  /** The audit chain's head when it was issued: it could not have been written before that day. */
  freshness: z.strictObject({ auditPosition: z.number().int().min(0), auditHash: z.string() }),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
});
export type CanaryDocument = z.infer<typeof canaryDocumentSchema>;

export interface SignedCanary {
  document: CanaryDocument;
  /** Ed25519 over the document's canonical JSON, base64. */
  signature: string;
}

export function signCanary(document: CanaryDocument, key: SigningKey): SignedCanary {
  const signature = sign(null, Buffer.from(canonicalJson(document)), key.privateKey).toString("base64");
  return { document, signature };
}

const BEGIN = "-----BEGIN CUSTODIAN WARRANT CANARY-----";
const DOCUMENT = "-----SIGNED DOCUMENT-----";
const SIGNATURE = "-----SIGNATURE (Ed25519, base64)-----";
const END = "-----END CUSTODIAN WARRANT CANARY-----";

/** The readable part: everything a person reads, all of it taken from the signed document. */
function readable(document: CanaryDocument): string[] {
  return [
    `Issued by: ${document.issuer}`,
    `Issued:    ${document.issuedAt}`,
    `Expires:   ${document.expiresAt} (after this moment, treat this canary as withdrawn)`,
    "",
    ...document.statements.map((s, i) => `${i + 1}. ${s.text}`),
    "",
    `Proof of freshness: the audit trail stood at entry ${document.freshness.auditPosition} with hash ${document.freshness.auditHash} when this was issued.`,
    `Signing key: ${document.keyId}`,
  ];
}

/** canary.txt. `lapsedAt` adds an unsigned notice above it when the newest canary has expired. */
export function canaryText(canary: SignedCanary, lapsedAt?: Date): string {
  const notice =
    lapsedAt === undefined
      ? []
      : [
          `This canary expired on ${canary.document.expiresAt} and has not been renewed (as of ${lapsedAt.toISOString()}).`,
          "",
        ];
  return `${[
    ...notice,
    BEGIN,
    ...readable(canary.document),
    DOCUMENT,
    canonicalJson(canary.document),
    SIGNATURE,
    canary.signature,
    END,
  ].join("\n")}\n`;
}

export type CanaryCheck =
  | { valid: true; document: CanaryDocument; expired: boolean }
  | { valid: false; reason: string; document?: CanaryDocument };

/**
 * Checks a canary.txt (or the JSON form) against a public key: the signature over the document, the
 * readable part against the document (a canary whose words were changed around an intact signature is
 * refused) and the expiry at `at`.
 */
export function checkCanary(text: string, publicKey: KeyObject, at: Date): CanaryCheck {
  let parsed: { document: unknown; signature: string; readableLines?: string[] };
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      const json = JSON.parse(trimmed) as { document?: unknown; signature?: unknown };
      if (typeof json.signature !== "string") return { valid: false, reason: "the JSON has no signature" };
      parsed = { document: json.document, signature: json.signature };
    } catch {
      return { valid: false, reason: "neither a canary.txt nor its JSON form" };
    }
  } else {
    const lines = trimmed.split(/\r?\n/);
    const [begin, doc, sig, end] = [BEGIN, DOCUMENT, SIGNATURE, END].map((m) => lines.indexOf(m)) as [
      number,
      number,
      number,
      number,
    ];
    if (begin < 0 || doc < begin || sig !== doc + 2 || end !== sig + 2) {
      return { valid: false, reason: "not a Custodian warrant canary (its markers are missing or out of order)" };
    }
    let document: unknown;
    try {
      document = JSON.parse(lines[doc + 1] as string);
    } catch {
      return { valid: false, reason: "the signed document is not JSON" };
    }
    parsed = { document, signature: lines[sig + 1] as string, readableLines: lines.slice(begin + 1, doc) };
  }
  const document = canaryDocumentSchema.safeParse(parsed.document);
  if (!document.success) return { valid: false, reason: "the signed document is not a canary document" };
  let signed = false;
  try {
    signed = verify(
      null,
      Buffer.from(canonicalJson(document.data)),
      publicKey,
      Buffer.from(parsed.signature, "base64"),
    );
  } catch {
    signed = false;
  }
  if (!signed) return { valid: false, reason: "the signature does not match this key", document: document.data };
  if (parsed.readableLines && parsed.readableLines.join("\n") !== readable(document.data).join("\n")) {
    return { valid: false, reason: "the readable text differs from the signed document", document: document.data };
  }
  if (Date.parse(document.data.issuedAt) > at.getTime()) {
    return { valid: false, reason: "issued in the future", document: document.data };
  }
  return { valid: true, document: document.data, expired: Date.parse(document.data.expiresAt) <= at.getTime() };
}
