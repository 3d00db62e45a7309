import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import type { S3ArchiveSettings } from "../../src/fulfilment/archive-s3.storage.js";

/**
 * A local S3-compatible server (s3rver, over real HTTP on a free port) with one bucket, for the tests of
 * the S3 archive store; its objects live in a temporary directory removed on stop.
 */
export interface TestS3 {
  settings: S3ArchiveSettings;
  stop(): Promise<void>;
}

export async function startS3(bucket = "custodian-archives"): Promise<TestS3> {
  const directory = mkdtempSync(join(tmpdir(), "custodian-s3-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  return {
    settings: {
      bucket,
      prefix: "productions/",
      endpoint: `http://127.0.0.1:${port}`,
      region: "us-east-1",
      // s3rver's own fixed credentials.
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    },
    async stop() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
