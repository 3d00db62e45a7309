import { createHash, randomBytes } from "node:crypto";

/**
 * The master key that wraps every production's package key (fulfilment/keyring.ts). It is configuration
 * (CUSTODIAN_MASTER_KEY), read and checked by config.ts before anything starts, so it lives below both.
 */

export interface MasterKey {
  /** First 8 bytes of SHA-256 over a label and the key, in hex: names the key without revealing it. */
  id: string;
  key: Buffer;
}

export interface Keyring {
  /** Wraps new package keys and is what rotation re-wraps to. */
  current: MasterKey;
  /** Retired keys that may still unwrap (until `custodian keys rotate` has moved everything off them). */
  previous: MasterKey[];
}

export function masterKeyId(key: Buffer): string {
  return createHash("sha256").update("custodian master key id\0").update(key).digest("hex").slice(0, 16);
}

/** A master key from its configured text: 32 bytes as base64 (or 64 hex digits). */
export function parseMasterKey(text: string): MasterKey {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, "hex") : Buffer.from(trimmed, "base64");
  if (key.length !== 32 || (!/^[0-9a-fA-F]{64}$/.test(trimmed) && key.toString("base64") !== trimmed)) {
    throw new Error("must be 32 random bytes, base64-encoded (e.g. `custodian keys generate`) or as 64 hex digits");
  }
  return { id: masterKeyId(key), key };
}

export function generateMasterKeyText(): string {
  return randomBytes(32).toString("base64");
}
