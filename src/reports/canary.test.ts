import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateSigningKeySeed, parseSigningKey } from "../audit/signing.js";
import {
  CANARY_FORMAT,
  CANARY_STATEMENTS,
  type CanaryDocument,
  canaryText,
  checkCanary,
  signCanary,
} from "./canary.js";

const key = parseSigningKey(generateSigningKeySeed());
const document: CanaryDocument = {
  format: CANARY_FORMAT,
  issuer: "ExampleChat",
  issuedAt: "2027-01-05T00:00:02.000Z",
  expiresAt: "2027-01-19T00:00:02.000Z",
  statements: [
    { code: "no_national_security_process", text: CANARY_STATEMENTS.no_national_security_process("ExampleChat") },
    { code: "no_gag_in_force", text: CANARY_STATEMENTS.no_gag_in_force("ExampleChat") },
  ],
  freshness: { auditPosition: 41, auditHash: "a".repeat(64) },
  keyId: key.keyId,
};
const signed = signCanary(document, key);
const during = new Date("2027-01-10T00:00:00Z");

describe("the warrant canary as a reader checks it", () => {
  it("accepts the text and the JSON form, intact and current, and says what it states", () => {
    const text = canaryText(signed);
    expect(text).toContain("1. ExampleChat has never received national-security process");
    expect(text).toContain("Expires:   2027-01-19T00:00:02.000Z");
    expect(checkCanary(text, key.publicKey, during)).toEqual({ valid: true, document, expired: false });
    expect(checkCanary(JSON.stringify({ ...signed, expired: false }), key.publicKey, during)).toMatchObject({
      valid: true,
      expired: false,
    });
  });

  it("reports a canary past its expiry as expired, and a lapsed one served with its notice still checks", () => {
    const after = new Date("2027-01-20T00:00:00Z");
    expect(checkCanary(canaryText(signed), key.publicKey, after)).toMatchObject({ valid: true, expired: true });
    const served = canaryText(signed, after);
    expect(served.split("\n")[0]).toBe(
      "This canary expired on 2027-01-19T00:00:02.000Z and has not been renewed (as of 2027-01-20T00:00:00.000Z).",
    );
    expect(checkCanary(served, key.publicKey, after)).toMatchObject({ valid: true, expired: true });
  });

  it("refuses changed words around an intact signature, a changed document, another key and garbage", () => {
    const text = canaryText(signed);
    const reworded = text.replace("has never received", "has received");
    expect(checkCanary(reworded, key.publicKey, during)).toMatchObject({
      valid: false,
      reason: "the readable text differs from the signed document",
    });
    const later = text.replace('"expiresAt":"2027-01-19', '"expiresAt":"2028-01-19');
    expect(checkCanary(later, key.publicKey, during)).toMatchObject({
      valid: false,
      reason: "the signature does not match this key",
    });
    const other = generateKeyPairSync("ed25519").publicKey;
    expect(checkCanary(text, other, during)).toMatchObject({
      valid: false,
      reason: "the signature does not match this key",
    });
    expect(checkCanary("hello", key.publicKey, during)).toMatchObject({ valid: false });
    expect(checkCanary('{"document":{}}', key.publicKey, during)).toMatchObject({ valid: false });
    expect(checkCanary(text, key.publicKey, new Date("2027-01-01T00:00:00Z"))).toMatchObject({
      valid: false,
      reason: "issued in the future",
    });
  });
});
