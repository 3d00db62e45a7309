import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from "node:crypto";
import { canonicalJson, sha256Hex } from "./canonical.js";

/**
 * Ed25519 keys for audit checkpoints (and the warrant canary, with a key of its own). The private key comes from configuration and never enters the
 * database: a checkpoint proves something only because whoever can rewrite the tables cannot sign.
 */

// PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface Checkpoint {
  position: number;
  hash: string;
  signedAt: string;
  keyId: string;
  signature: string;
}

export function keyIdOf(publicKey: KeyObject): string {
  return sha256Hex(publicKey.export({ format: "der", type: "spki" })).slice(0, 16);
}

/** Accepts a PEM PKCS#8 private key or the base64 of a 32-byte seed. */
export function parseSigningKey(text: string): SigningKey {
  const trimmed = text.trim();
  let privateKey: KeyObject;
  if (trimmed.startsWith("-----BEGIN")) {
    privateKey = createPrivateKey(trimmed);
  } else {
    const seed = Buffer.from(trimmed, "base64");
    if (seed.length !== 32) throw new Error("must be a PEM Ed25519 private key or its 32-byte seed in base64");
    privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: "der", type: "pkcs8" });
  }
  if (privateKey.asymmetricKeyType !== "ed25519") throw new Error("must be an Ed25519 key");
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), privateKey, publicKey };
}

export function generateSigningKeySeed(): string {
  const { privateKey } = generateKeyPairSync("ed25519");
  const der = privateKey.export({ format: "der", type: "pkcs8" });
  return der.subarray(der.length - 32).toString("base64");
}

export function publicKeyPem(key: SigningKey): string {
  return key.publicKey.export({ format: "pem", type: "spki" }).toString();
}

function signedBytes(checkpoint: Omit<Checkpoint, "signature">): Buffer {
  return Buffer.from(
    canonicalJson({
      position: checkpoint.position,
      hash: checkpoint.hash,
      signedAt: checkpoint.signedAt,
      keyId: checkpoint.keyId,
    }),
  );
}

export function signCheckpoint(key: SigningKey, position: number, hash: string, signedAt: Date): Checkpoint {
  const body = { position, hash, signedAt: signedAt.toISOString(), keyId: key.keyId };
  return { ...body, signature: sign(null, signedBytes(body), key.privateKey).toString("base64") };
}

export function checkpointSignatureValid(checkpoint: Checkpoint, publicKey: KeyObject): boolean {
  try {
    return verify(null, signedBytes(checkpoint), publicKey, Buffer.from(checkpoint.signature, "base64"));
  } catch {
    return false;
  }
}
