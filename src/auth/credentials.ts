import { hash as digest, randomBytes, timingSafeEqual } from "node:crypto";
import argon2 from "argon2";
import { Secret, TOTP } from "otpauth";

/**
 * The secrets a person or a system proves itself with: an argon2id password, a TOTP second factor, and
 * random bearer values (session ids, API tokens, confirmation tokens) of which only a SHA-256 is stored.
 */

export const MIN_PASSWORD_LENGTH = 12;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

// Verified against when the account does not exist, so a missing account costs as long as a wrong password
// and response times do not tell which e-mail addresses are registered.
const ABSENT_ACCOUNT_HASH = hashPassword(randomBytes(16).toString("hex"));

export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (!stored) {
    await argon2.verify(await ABSENT_ACCOUNT_HASH, password);
    return false;
  }
  try {
    return await argon2.verify(stored, password);
  } catch {
    return false;
  }
}

/** A random bearer secret (base64url, 256 bits) and the hash it is stored and looked up by. */
export function newBearerSecret(prefix = ""): { secret: string; hash: string } {
  const secret = `${prefix}${randomBytes(32).toString("base64url")}`;
  return { secret, hash: bearerHash(secret) };
}

export function bearerHash(secret: string): string {
  return digest("sha256", secret);
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

// RFC 6238 with the parameters every authenticator app supports.
const TOTP_PERIOD = 30;

function totp(secretBase32: string, label = "custodian"): TOTP {
  return new TOTP({
    issuer: "Custodian",
    label,
    algorithm: "SHA1",
    digits: 6,
    period: TOTP_PERIOD,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** A new TOTP secret: 160 bits, base32 (32 characters), as RFC 4226 recommends. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI an authenticator app scans. */
export function totpUri(secretBase32: string, account: string): string {
  return totp(secretBase32, account).toString();
}

/** The code an authenticator shows now; for the demo and for tests, which sign in as a person would. */
export function currentTotpCode(secretBase32: string, now: Date = new Date()): string {
  return totp(secretBase32).generate({ timestamp: now.getTime() });
}

/**
 * Check a code, allowing one step of clock drift either way. Returns the time step it matched, which the
 * caller stores: a code at or before the last accepted step is refused, so a code seen over a shoulder or
 * in a log cannot be used again.
 */
export function checkTotp(
  secretBase32: string,
  code: string,
  lastStep: number | null,
  now: Date = new Date(),
): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totp(secretBase32).validate({ token: code, timestamp: now.getTime(), window: 1 });
  if (delta === null) return undefined;
  const step = Math.floor(now.getTime() / 1000 / TOTP_PERIOD) + delta;
  if (lastStep !== null && step <= lastStep) return undefined;
  return step;
}
