import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { OperationalError } from "../shared/errors.js";
import type { Keyring, MasterKey } from "../shared/master-key.js";

/**
 * Envelope encryption. Every package has its own random 256-bit key; the database keeps it only wrapped
 * (AES-256-GCM) by a master key that lives in the configuration, never in the database. A stolen database
 * therefore opens no package, and rotating the master key means re-wrapping a few dozen bytes per
 * production, never re-encrypting an archive.
 */

const WRAP_VERSION = 1;

export function newPackageKey(): Buffer {
  return randomBytes(32);
}

// The production id is bound in as AAD: a wrapped key copied onto another production's row does not open.
function wrapAad(productionId: string): Buffer {
  return Buffer.from(`custodian package key v${WRAP_VERSION}:${productionId}`, "utf8");
}

/** version (1 byte) ‖ nonce (12) ‖ wrapped key (32) ‖ tag (16). */
export function wrapPackageKey(master: MasterKey, productionId: string, packageKey: Buffer): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", master.key, nonce);
  cipher.setAAD(wrapAad(productionId));
  const body = Buffer.concat([cipher.update(packageKey), cipher.final()]);
  return Buffer.concat([Buffer.from([WRAP_VERSION]), nonce, body, cipher.getAuthTag()]);
}

export class KeyUnavailableError extends OperationalError {
  readonly code = "key_unavailable";
}

export function findMasterKey(keyring: Keyring, id: string): MasterKey {
  const found = [keyring.current, ...keyring.previous].find((k) => k.id === id);
  if (!found) {
    throw new KeyUnavailableError(
      `master key ${id} is not configured (set it as CUSTODIAN_MASTER_KEY or in CUSTODIAN_MASTER_KEY_PREVIOUS)`,
    );
  }
  return found;
}

export function unwrapPackageKey(
  keyring: Keyring,
  masterKeyIdValue: string,
  productionId: string,
  wrapped: Uint8Array,
): Buffer {
  const master = findMasterKey(keyring, masterKeyIdValue);
  const bytes = Buffer.from(wrapped);
  if (bytes.length !== 61 || bytes[0] !== WRAP_VERSION) throw new KeyUnavailableError("wrapped key is malformed");
  const decipher = createDecipheriv("aes-256-gcm", master.key, bytes.subarray(1, 13));
  decipher.setAAD(wrapAad(productionId));
  decipher.setAuthTag(bytes.subarray(45));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(13, 45)), decipher.final()]);
  } catch {
    throw new KeyUnavailableError(
      `the package key of production ${productionId} does not unwrap under master key ${master.id}`,
    );
  }
}
