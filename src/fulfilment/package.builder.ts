import { createHash } from "node:crypto";
import { setImmediate as turn } from "node:timers/promises";
import { BAGIT_TXT, bagInfoText, type ManifestLine, manifestText, sha256Of } from "./bagit.js";
import { TAR_END, tarHeader, tarPadding } from "./tar.js";

/**
 * Builds a production's bag and writes it as one tar stream, in one pass of encryption, with no spool.
 *
 * A tar header states its file's size before the file's bytes, and the bag lists each file's size and
 * digest (bag-info.txt's Payload-Oxum, the certificate) before the payload. So a payload file read from a
 * data source is produced twice from the same read of the source (fulfilment.service.ts holds the
 * source's snapshot across both where the source offers one, docs/sources.md):
 *  1. measured: serialized, counted and hashed, its bytes kept only while the whole production's kept
 *     bytes stay under a small budget (most productions are small, and are then not read again);
 *  2. written: serialized again straight into the tar, and so into the cipher and the archive store;
 *     each file's bytes are counted and hashed again and must be the ones measured. A file that grows
 *     past its measured size fails before a byte too many reaches the tar; one that differs at its end
 *     fails there. Either way the archive store is left without the archive (its `put` never completes)
 *     and the production fails, naming the file: the source changed between the two reads.
 *
 * Why not the alternatives. Spooling each file (encrypted, since user data never rests on disk in the
 * clear) cost two extra AES passes and a second copy of the archive on disk; keeping files in memory does
 * not scale to a production of gigabytes; a container that puts sizes after the bytes (zip's data
 * descriptors) is not the BagIt-in-tar agencies verify; patching each header into the archive after its
 * file needs a store that can be written out of order, which neither a stream into S3 nor its digest
 * allows. Reading the source twice costs a second serialization, which the disk's write-back hides:
 * the archive store flushes while the next bytes are produced (archive-dir.storage.ts).
 */

// Text is turned into bytes (and hashed, and written) a quarter-mebibyte at a time: few, large writes,
// and a turn of the event loop between them.
const FLUSH_BYTES = 256 * 1024;
const BUFFER_BYTES = FLUSH_BYTES + 64 * 1024;
/** What a production may keep of its payload in memory after the first read, instead of reading again. */
export const DEFAULT_KEEP_BYTES = 16 * 1024 * 1024;

export interface BagFile {
  /** Relative to the bag's root: `data/records.ip_logs.json`. */
  path: string;
  size: number;
  sha256: string;
}

/** A payload file that changed between the read that measured it and the read that wrote it. */
export class SourceChangedError extends Error {
  constructor(path: string, why: string) {
    super(
      `the data source changed while the production was built: ${path} ${why} than when it was measured; start the production again`,
    );
    this.name = "SourceChangedError";
  }
}

/** What a production may still keep in memory; shared by its files. */
export interface KeepBudget {
  left: number;
}

/**
 * A payload file's text turned into UTF-8 bytes, counted and hashed: measuring it (with `keep`, its bytes
 * held while the budget allows) or writing it into the tar (with `out`, checked against `expected`).
 */
export class FileWriter {
  private readonly hash = createHash("sha256");
  private buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  private size = 0;
  private kept: Buffer[] | undefined;

  constructor(
    readonly path: string,
    private readonly options: { out?: (data: Buffer) => Promise<void>; expected?: BagFile; keep?: KeepBudget } = {},
  ) {
    if (options.keep) this.kept = [];
  }

  async write(text: string): Promise<void> {
    // Each text goes straight into the buffer as UTF-8 (at most 3 bytes a UTF-16 unit): no joined string.
    if (this.buffer.length - this.used < text.length * 3) await this.flush();
    if (text.length * 3 > this.buffer.length) {
      await this.emit(Buffer.from(text, "utf8"));
      return;
    }
    this.used += this.buffer.write(text, this.used, "utf8");
    if (this.used >= FLUSH_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const data = this.buffer.subarray(0, this.used);
    const held = this.options.out !== undefined || this.kept !== undefined;
    // What was handed on or kept may still be held (by the cipher's queue): the next bytes go elsewhere.
    // Only hashed, they are done with once emitted, and the buffer is used again.
    if (held) this.buffer = Buffer.allocUnsafe(BUFFER_BYTES);
    this.used = 0;
    await this.emit(data);
  }

  private async emit(data: Buffer): Promise<void> {
    this.size += data.length;
    const { expected, out, keep } = this.options;
    if (expected && this.size > expected.size) throw new SourceChangedError(this.path, "is longer");
    this.hash.update(data);
    if (this.kept && keep) {
      if (keep.left >= data.length) {
        this.kept.push(data);
        keep.left -= data.length;
      } else {
        // Too large to keep: it will be read again, and what it held goes back to the others.
        for (const part of this.kept) keep.left += part.length;
        this.kept = undefined;
      }
    }
    if (out) await out(data);
    // A source that answers from memory or an embedded database never leaves the microtask queue: a turn
    // of the event loop per flush (a few milliseconds of work) lets a server running this job answer.
    await turn();
  }

  /** The file as measured or written; when writing, throws SourceChangedError unless it is the one expected. */
  async close(): Promise<{ file: BagFile; kept: Buffer[] | undefined }> {
    await this.flush();
    const file = { path: this.path, size: this.size, sha256: this.hash.digest("hex") };
    const { expected } = this.options;
    if (expected && file.size < expected.size) throw new SourceChangedError(this.path, "is shorter");
    if (expected && file.sha256 !== expected.sha256) throw new SourceChangedError(this.path, "reads differently");
    return { file, kept: this.kept };
  }
}

/** Writes a streamed payload file's bytes again, from a second read of its source. */
export type Rewrite = (writer: FileWriter) => Promise<void>;

interface Entry {
  file: BagFile;
  body: Buffer[] | Rewrite;
}

export interface BagMetadata {
  bagName: string;
  mtime: Date;
  /** bag-info.txt fields beyond the computed ones (Payload-Oxum, Bag-Size, Bagging-Date). */
  info: ReadonlyArray<readonly [string, string]>;
}

export class PackageBuilder {
  private readonly entries: Entry[] = [];
  /** Shared by the production's measured files: what may be kept rather than read again. */
  readonly keep: KeepBudget;

  constructor(keepBytes = DEFAULT_KEEP_BYTES) {
    this.keep = { left: keepBytes };
  }

  /** A writer measuring a payload file on the first read; `add` it once closed. */
  measure(path: string): FileWriter {
    return new FileWriter(path, { keep: this.keep });
  }

  /**
   * Record a measured payload file: its bytes if they were kept, else how to write them again, which
   * must produce the same bytes.
   */
  add(measured: { file: BagFile; kept: Buffer[] | undefined }, rewrite: Rewrite): BagFile {
    this.entries.push({ file: measured.file, body: measured.kept ?? rewrite });
    return measured.file;
  }

  addBuffer(path: string, content: Buffer): BagFile {
    const file = { path, size: content.length, sha256: sha256Of(content) };
    this.entries.push({ file, body: [content] });
    return file;
  }

  get files(): BagFile[] {
    return this.entries.map((e) => e.file);
  }

  /** How many payload files will be read again from their source when the tar is written. */
  get rereads(): number {
    return this.entries.filter((e) => typeof e.body === "function").length;
  }

  /** The tag files, computed from the payload now present. */
  private tagFiles(meta: BagMetadata): Entry[] {
    const payload = this.entries.map((e) => e.file);
    const octets = payload.reduce((sum, f) => sum + f.size, 0);
    const info = bagInfoText([
      ...meta.info,
      ["Bagging-Date", meta.mtime.toISOString().slice(0, 10)],
      ["Payload-Oxum", `${octets}.${payload.length}`],
      ["Bag-Size", `${(octets / 1024 / 1024).toFixed(2)} MiB`],
    ]);
    const manifest = manifestText(payload.map((f): ManifestLine => ({ path: f.path, sha256: f.sha256 })));
    const tags: Entry[] = [
      ["bagit.txt", BAGIT_TXT],
      ["bag-info.txt", info],
      ["manifest-sha256.txt", manifest],
    ].map(([path, text]) => {
      const content = Buffer.from(text as string, "utf8");
      return { file: { path: path as string, size: content.length, sha256: sha256Of(content) }, body: [content] };
    });
    const tagManifest = Buffer.from(manifestText(tags.map((t) => ({ path: t.file.path, sha256: t.file.sha256 }))));
    tags.push({
      file: { path: "tagmanifest-sha256.txt", size: tagManifest.length, sha256: sha256Of(tagManifest) },
      body: [tagManifest],
    });
    return tags;
  }

  /** Bytes the tar will have: for progress, and to check the stream against. */
  tarSize(meta: BagMetadata): number {
    const all = [...this.entries, ...this.tagFiles(meta)];
    const dirs = 2;
    return (
      dirs * 512 + all.reduce((sum, e) => sum + 512 + e.file.size + tarPadding(e.file.size).length, 0) + TAR_END.length
    );
  }

  /**
   * The bag as a ustar stream into `out` (which applies backpressure by its promise): bagit.txt and
   * bag-info.txt first, the payload, then the manifests. Throws SourceChangedError, having written
   * nothing past the file's measured size, when a file read again is not the one measured.
   */
  async writeTar(meta: BagMetadata, out: (data: Buffer) => Promise<void>): Promise<void> {
    const tags = this.tagFiles(meta);
    const [declaration, info, manifest, tagManifest] = tags as [Entry, Entry, Entry, Entry];
    const root = meta.bagName;
    await out(tarHeader({ name: root, size: 0, type: "directory", mtime: meta.mtime }));
    for (const entry of [declaration, info]) await this.entry(root, entry, meta.mtime, out);
    await out(tarHeader({ name: `${root}/data`, size: 0, type: "directory", mtime: meta.mtime }));
    for (const entry of this.entries) await this.entry(root, entry, meta.mtime, out);
    for (const entry of [manifest, tagManifest]) await this.entry(root, entry, meta.mtime, out);
    await out(TAR_END);
  }

  private async entry(root: string, entry: Entry, mtime: Date, out: (data: Buffer) => Promise<void>): Promise<void> {
    await out(tarHeader({ name: `${root}/${entry.file.path}`, size: entry.file.size, type: "file", mtime }));
    if (typeof entry.body === "function") {
      const writer = new FileWriter(entry.file.path, { out, expected: entry.file });
      await entry.body(writer);
      await writer.close();
    } else {
      for (const part of entry.body) await out(part);
    }
    const padding = tarPadding(entry.file.size);
    if (padding.length > 0) await out(padding);
  }
}

/** RFC 4180: quote a field holding a comma, quote or line break, doubling its quotes. */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return "";
  const text = String(value);
  // Four scans for one character each are several times faster than one regular expression over a long text.
  const quoted = text.includes('"') || text.includes(",") || text.includes("\n") || text.includes("\r");
  return quoted ? `"${text.replace(/"/g, '""')}"` : text;
}
