import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { FULFILMENT_DEFAULTS, loadConfig } from "./config.js";
import { generateMasterKeyText, parseMasterKey } from "./shared/master-key.js";
import { ValidationError } from "./shared/validation.js";

describe("fulfilment configuration", () => {
  const key = generateMasterKeyText();
  const old = generateMasterKeyText();

  it("has no master key unless one is given, and sensible defaults for the rest", () => {
    const config = loadConfig({});
    const { archives, ...rest } = config.fulfilment;
    expect(rest).toEqual({ keyring: undefined, ...FULFILMENT_DEFAULTS });
    // Archives go beside the data directory unless a store is named.
    expect(archives.location).toBe(`directory ${resolve("./.custodian/data.archives")}`);
  });

  it("names the archive store: a directory, or S3 with its endpoint and credentials, every problem listed", () => {
    expect(loadConfig({ CUSTODIAN_ARCHIVE_STORE: "dir:/srv/archives" }).fulfilment.archives.location).toBe(
      "directory /srv/archives",
    );
    const s3 = loadConfig({
      CUSTODIAN_ARCHIVE_STORE: "s3://custodian-prod/productions",
      CUSTODIAN_S3_ENDPOINT: "http://127.0.0.1:9000",
      CUSTODIAN_S3_ACCESS_KEY_ID: "id",
      CUSTODIAN_S3_SECRET_ACCESS_KEY: "secret",
    });
    expect(s3.fulfilment.archives.location).toBe("s3://custodian-prod/productions/");
    const attempt = () =>
      loadConfig({
        CUSTODIAN_ARCHIVE_STORE: "ftp://somewhere",
      });
    expect(attempt).toThrow(/CUSTODIAN_ARCHIVE_STORE: must be dir:<directory> or s3:\/\/<bucket>/);
    const problems = () =>
      loadConfig({ CUSTODIAN_ARCHIVE_STORE: "s3://custodian-prod", CUSTODIAN_S3_ACCESS_KEY_ID: "id" });
    expect(problems).toThrow(/CUSTODIAN_S3_ACCESS_KEY_ID: set it and CUSTODIAN_S3_SECRET_ACCESS_KEY together/);
    expect(() => loadConfig({ CUSTODIAN_S3_ENDPOINT: "http://127.0.0.1:9000" })).toThrow(
      /CUSTODIAN_S3_ENDPOINT: applies only with CUSTODIAN_ARCHIVE_STORE=s3/,
    );
  });

  it("reads the master key from the environment or a file, and retired keys beside it", () => {
    const dir = mkdtempSync(join(tmpdir(), "custodian-config-"));
    writeFileSync(join(dir, "master.key"), `${key}\n`);
    const fromFile = loadConfig({ CUSTODIAN_MASTER_KEY_FILE: join(dir, "master.key") });
    expect(fromFile.fulfilment.keyring?.current.id).toBe(parseMasterKey(key).id);
    const rotated = loadConfig({
      CUSTODIAN_MASTER_KEY: key,
      CUSTODIAN_MASTER_KEY_PREVIOUS: `${old}, ${key}`,
      CUSTODIAN_PRODUCTION_RETENTION_DAYS: "90",
      CUSTODIAN_DOWNLOAD_LINK_DAYS: "7",
    });
    // The current key is not also a previous one.
    expect(rotated.fulfilment.keyring?.previous.map((k) => k.id)).toEqual([parseMasterKey(old).id]);
    expect(rotated.fulfilment).toMatchObject({ retentionDays: 90, downloadLinkDays: 7 });
  });

  it("lists every problem and never echoes a key", () => {
    const attempt = () =>
      loadConfig({
        CUSTODIAN_MASTER_KEY: "c2hvcnQ=",
        CUSTODIAN_MASTER_KEY_PREVIOUS: "not-a-key",
      });
    expect(attempt).toThrow(ValidationError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(/CUSTODIAN_MASTER_KEY_PREVIOUS\[0\]/);
      expect(message).toMatch(/CUSTODIAN_MASTER_KEY: must be 32 random bytes/);
      expect(message).not.toContain("c2hvcnQ=");
      expect(message).not.toContain("not-a-key");
    }
    expect(() => loadConfig({ CUSTODIAN_MASTER_KEY_PREVIOUS: old })).toThrow(/required when/);
    expect(() => loadConfig({ CUSTODIAN_MASTER_KEY: key, CUSTODIAN_MASTER_KEY_FILE: "/x" })).toThrow(/not both/);
  });
});

describe("storage configuration", () => {
  it("opens a directory given on the command line even when DATABASE_URL is set, and the server otherwise", () => {
    const env = { DATABASE_URL: "postgres://custodian@db.internal/custodian", CUSTODIAN_DATA_DIR: "/srv/custodian" };
    expect(loadConfig(env)).toMatchObject({ databaseUrl: env.DATABASE_URL, dataDir: "/srv/custodian" });
    expect(loadConfig(env, { dataDir: "./elsewhere" })).toMatchObject({
      databaseUrl: undefined,
      dataDir: "./elsewhere",
    });
  });
});
