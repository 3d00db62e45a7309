import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ArchiveMissingError, type ArchiveStore, digesting, type StoredArchive } from "./archive.storage.js";

/**
 * Archives as files in one directory on the local disk (the default store). A write goes to
 * `<key>.<random>.partial`, is flushed to the disk (fsync), renamed to `<key>`, and the directory is
 * flushed too, so that after a crash a key names either nothing or the whole archive. A `.partial`
 * file is what a process killed mid-write left behind; deleting the key deletes those as well.
 *
 * The file is flushed while it is written, not only at its end: every FLUSH_EVERY bytes a flush of what
 * was written so far starts (one at a time) while the next bytes are produced. Flushed only at the end,
 * a gigabyte sat in the page cache while packaging worked and the disk idled, then packaging waited for
 * the whole gigabyte to reach the disk: the time to produce it plus the time to write it. Flushed as it
 * goes, the two overlap, and what is left for the final flush is the last few mebibytes.
 */

const PARTIAL = ".partial";
// Large writes: the archive arrives in cipher chunks of a mebibyte; fewer, larger writes keep the disk busy.
const WRITE_BUFFER = 4 * 1024 * 1024;
const FLUSH_EVERY = 16 * 1024 * 1024;

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
      const digest = digesting(body);
      const handle = await open(partial, "wx", 0o600);
      try {
        // Resolves once every byte is written and flushed to the disk (fdatasync).
        await pipeline([body, ...digest.through, durableWriter(handle)]);
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

/**
 * Writes to `handle` in large batches; flushes (fdatasync) in the background every FLUSH_EVERY bytes, one
 * flush at a time, and finishes only once the last flush covering every byte has completed.
 */
function durableWriter(handle: FileHandle): Writable {
  let written = 0;
  let flushedAt = 0;
  let flushing: Promise<void> | undefined;
  let failed: unknown;
  const flush = () => {
    flushedAt = written;
    flushing = handle.datasync().then(
      () => {
        flushing = undefined;
      },
      (error: unknown) => {
        failed = error;
        flushing = undefined;
      },
    );
  };
  return new Writable({
    highWaterMark: WRITE_BUFFER,
    writev(chunks, callback) {
      if (failed) return callback(failed as Error);
      writeAll(
        handle,
        chunks.map((c) => c.chunk as Buffer),
      ).then((bytes) => {
        written += bytes;
        if (!flushing && written - flushedAt >= FLUSH_EVERY) flush();
        callback();
      }, callback);
    },
    final(callback) {
      (async () => {
        await flushing;
        if (failed) throw failed;
        await handle.datasync();
      })().then(() => callback(), callback);
    },
  });
}

/** writev until every byte is written: a write may take fewer bytes than it was given. */
async function writeAll(handle: FileHandle, buffers: Buffer[]): Promise<number> {
  const total = buffers.reduce((sum, b) => sum + b.length, 0);
  let pending = buffers;
  for (let done = 0; done < total; ) {
    const { bytesWritten } = await handle.writev(pending);
    done += bytesWritten;
    let skip = bytesWritten;
    const rest: Buffer[] = [];
    for (const buffer of pending) {
      if (skip >= buffer.length) skip -= buffer.length;
      else {
        rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
        skip = 0;
      }
    }
    pending = rest;
  }
  return total;
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
