import type { Readable } from "node:stream";
import type { ArchiveStore, StoredArchive } from "./archive.storage.js";
import { DirectoryArchiveStore } from "./archive-dir.storage.js";
import type { S3ArchiveSettings, S3ArchiveStore } from "./archive-s3.storage.js";

/** Which store archives go to, as the configuration names it (config.ts: CUSTODIAN_ARCHIVE_STORE). */
export type ArchiveStoreSpec = { kind: "dir"; dir: string } | ({ kind: "s3" } & S3ArchiveSettings);

export function openArchiveStore(spec: ArchiveStoreSpec): ArchiveStore {
  return spec.kind === "dir" ? new DirectoryArchiveStore(spec.dir) : new LazyS3ArchiveStore(spec);
}

/**
 * The S3 store, its SDK loaded on first use: every command reads the configuration, and most (the
 * desk's, the reports') never touch an archive; they need not pay for loading the SDK.
 */
class LazyS3ArchiveStore implements ArchiveStore {
  readonly location: string;
  private loaded: Promise<S3ArchiveStore> | undefined;

  constructor(private readonly settings: S3ArchiveSettings) {
    this.location = `s3://${settings.bucket}/${settings.prefix}`;
  }

  private store(): Promise<S3ArchiveStore> {
    this.loaded ??= import("./archive-s3.storage.js").then((m) => new m.S3ArchiveStore(this.settings));
    return this.loaded;
  }

  async put(key: string, body: Readable): Promise<StoredArchive> {
    return (await this.store()).put(key, body);
  }
  async get(key: string): Promise<Readable> {
    return (await this.store()).get(key);
  }
  async size(key: string): Promise<number | undefined> {
    return (await this.store()).size(key);
  }
  async delete(key: string): Promise<void> {
    return (await this.store()).delete(key);
  }
}
