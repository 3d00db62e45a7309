import { createPublicKey } from "node:crypto";
import { writeFileSync } from "node:fs";
import { generateSigningKeySeed, parseSigningKey, publicKeyPem } from "../audit/signing.js";
import { checkCanary } from "../reports/canary.js";
import { parseCommandArgs, positional, requireOption, UsageError } from "./args.js";
import { readInputFile } from "./input.js";

/**
 * `custodian canary key` makes the canary's signing key; `custodian canary verify` checks a published
 * canary as any reader would: the signature against a public key obtained beforehand, the readable text
 * against the signed document, the expiry. Exit 0 only for a canary that is intact and current.
 */
export async function runCanary(args: string[]): Promise<number> {
  const [sub, rest] = positional("canary", args, "a subcommand (key, verify)");
  if (sub === "key") {
    const { values } = parseCommandArgs("canary key", rest, { "public-out": { type: "string" } });
    const seed = generateSigningKeySeed();
    const pem = publicKeyPem(parseSigningKey(seed));
    if (values["public-out"]) writeFileSync(values["public-out"], pem, { mode: 0o644 });
    else process.stderr.write(`The public key, to publish beside the canary:\n${pem}`);
    process.stdout.write(`${seed}\n`);
    return 0;
  }
  if (sub === "verify") {
    const [source, options] = positional("canary verify", rest, "a canary file, URL or - for standard input");
    const { values } = parseCommandArgs("canary verify", options, {
      key: { type: "string" },
      at: { type: "string" },
      json: { type: "boolean" },
    });
    const keyFile = requireOption("canary verify", "key", values.key);
    let publicKey: ReturnType<typeof createPublicKey>;
    try {
      publicKey = createPublicKey(readInputFile(keyFile, "public key"));
    } catch (error) {
      if (error instanceof Error && error.name === "ValidationError") throw error;
      throw new UsageError(`canary verify: --key ${keyFile} is not a PEM public key`);
    }
    if (publicKey.asymmetricKeyType !== "ed25519") {
      throw new UsageError(`canary verify: --key ${keyFile} is not an Ed25519 public key`);
    }
    const at = values.at === undefined ? new Date() : new Date(values.at);
    if (Number.isNaN(at.getTime())) throw new UsageError("canary verify: --at must be a date and time (ISO 8601)");
    const text = /^https?:\/\//.test(source) ? await fetchText(source) : readInputFile(source, "canary");
    const check = checkCanary(text, publicKey, at);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(check, null, 2)}\n`);
    } else if (!check.valid) {
      process.stdout.write(`NOT VALID: ${check.reason}. Treat the canary as withdrawn.\n`);
    } else {
      const { document } = check;
      const state = check.expired
        ? `EXPIRED on ${document.expiresAt}: it was not renewed. Treat the canary as withdrawn.`
        : `valid, issued ${document.issuedAt} by ${document.issuer}, speaks until ${document.expiresAt}:`;
      process.stdout.write(
        `${state}\n${check.expired ? "" : document.statements.map((s) => `  - ${s.text}\n`).join("")}`,
      );
    }
    return check.valid && !check.expired ? 0 : 1;
  }
  throw new UsageError(`canary: unknown subcommand "${sub}" (key, verify)`);
}

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  // A canary that is gone says as much as one that lapsed; the caller reports it as not valid.
  if (!response.ok) return `(${url} answered ${response.status})`;
  return response.text();
}
