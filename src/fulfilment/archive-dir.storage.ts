import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ArchiveMissingError, type ArchiveStore, digesting, type StoredArchive } from "./archive.storage.js";

/**
 * Archives as files in one directory on the local disk (the default store). A write goes to
 * `<key>.<random>.partial`, is flushed to the disk (fsync), renamed to `<key>`, and the directory is
 * flushed too, so that after a crash a key names either nothing or the whole archive. A `.partial`
 * file is what a process killed mid-write left behind; deleting the key deletes those as well.
 */

const PARTIAL = ".partial";
// Large writes: the archive arrives in cipher chunks of a mebibyte; fewer, larger writes keep the disk busy.
const WRITE_BUFFER = 4 * 1024 * 1024;

export class DirectoryArchiveStore implements ArchiveStore {
  readonly location: string;
  readonly dir: string;
  private ready: Promise<void> | undefined;

  constructor(dir: string) {
    this.dir = resolve(dir);
    this.location = `directory ${this.dir}`;
  }

  private path(key: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(key) || key.endsWith(PARTIAL)) throw new Error(`bad archive key ${key}`);
    return join(this.dir, key);
  }

  private ensureDir(): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true, mode: 0o700 }).then(() => undefined);
    return this.ready;
  }

  async put(key: string, body: Readable): Promise<StoredArchive> {
    const target = this.path(key);
    await this.ensureDir();
    const partial = `${target}.${randomBytes(6).toString("hex")}${PARTIAL}`;
    try {
      const digest = digesting();
      await pipeline(
        body,
        digest,
        createWriteStream(partial, { flags: "wx", mode: 0o600, highWaterMark: WRITE_BUFFER }),
      );
      // fdatasync flushes the file's data whichever descriptor asks: the stream's own is closed by now.
      const handle = await open(partial, "r");
      try {
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await rename(partial, target);
      await syncDir(this.dir);
      return digest.result();
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    const path = this.path(key);
    const handle = await open(path, "r").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") throw new ArchiveMissingError(`archive ${key} is missing from ${this.location}`);
      throw error;
    });
    return createReadStream("", { fd: handle, highWaterMark: 1024 * 1024 });
  }

  async size(key: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(key))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const target = this.path(key);
    const names = await readdir(this.dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return [] as string[];
      throw error;
    });
    const partials = names.filter((n) => n.startsWith(`${key}.`) && n.endsWith(PARTIAL));
    await Promise.all([target, ...partials.map((n) => join(this.dir, n))].map((p) => rm(p, { force: true })));
    if (names.length > 0) await syncDir(this.dir);
  }
}

/** A rename or unlink is durable once the directory holding it is flushed. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
