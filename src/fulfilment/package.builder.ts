import { setImmediate as turn } from "node:timers/promises";
import { BAGIT_TXT, bagInfoText, type ManifestLine, manifestText, sha256Of } from "./bagit.js";
import type { Sealer } from "./sealing.js";
import { TAR_END, tarHeader, tarPadding } from "./tar.js";

/**
 * Builds a production's bag and writes it as one tar stream, in one pass of encryption, with no spool.
 *
 * A tar header states its file's size before the file's bytes. So a payload file read from a data source
 * is produced twice from the same read of the source (fulfilment.service.ts holds the source's snapshot
 * across both where the source offers one, docs/sources.md):
 *  1. measured: serialized, counted and hashed (SHA-256), its bytes kept only while the whole
 *     production's kept bytes stay under a small budget (most productions are small, and are then not
 *     read again);
 *  2. written: serialized again straight into the tar, and so into the cipher and the archive store,
 *     counted, hashed again and checked against the measure. A file that grows past its measured size
 *     fails before a byte too many reaches the tar; one that is shorter or whose SHA-256 differs fails at
 *     its end. Either way the archive store is left without the archive (its `put` never completes) and
 *     the production fails, naming the file: the source changed between the two reads. The check keeps
 *     a category's JSON and CSV, each written from a read of its own, the same records.
 *
 * The bytes go to the production's sealer (sealing.ts), whose worker thread hashes and encrypts them
 * while this thread serializes: the first read's hashing costs this thread nothing, which is why it is
 * a SHA-256 and not a cheaper checksum. What lists digests comes after the payload it lists, so that it
 * lists what was written: the summary, the certificate (which vouches for every file's digest),
 * bag-info.txt (Payload-Oxum), then the manifests. BagIt gives a tar no order; bagit.txt stays first, so
 * a reader of the stream knows from its first file what it holds.
 *
 * Why not the alternatives. Spooling each file (encrypted, since user data never rests on disk in the
 * clear) cost two extra AES passes and a second copy of the archive on disk; keeping files in memory does
 * not scale to a production of gigabytes; a container that puts sizes after the bytes (zip's data
 * descriptors) is not the BagIt-in-tar agencies verify; patching each header into the archive after its
 * file needs a store that can be written out of order, which neither a stream into S3 nor its digest
 * allows. Reading the source twice costs a second serialization, which the disk's write-back hides:
 * the archive store flushes while the next bytes are produced (archive-dir.storage.ts).
 */

// Text is turned into bytes (and checked, and written) a quarter-mebibyte at a time: few, large writes,
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

/** A payload file as its first read found it: what its second read must reproduce, digest and all. */
export type Measure = BagFile;

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
 * A payload file's text turned into UTF-8 bytes and counted, the bytes handed to the production's sealer
 * (sealing.ts), which keeps the file's digests on its own thread: measuring it (with `keep`, its bytes
 * also held while the budget allows) or writing it into the archive (checked against `expected`).
 */
export class FileWriter {
  private buffer: Buffer;
  private used = 0;
  /** Bytes appended before the buffer's, not yet handed on: a buffer that filled, or one text too long for it. */
  private readonly overflow: Buffer[] = [];
  private size = 0;
  private kept: Buffer[] | undefined;
  private readonly file: number;

  constructor(
    readonly path: string,
    private readonly sealer: Sealer,
    private readonly options: { expected?: Measure; keep?: KeepBudget } = {},
  ) {
    this.buffer = sealer.buffer(BUFFER_BYTES);
    if (options.keep) this.kept = [];
    this.file = sealer.openFile();
  }

  async write(text: string): Promise<void> {
    this.append(text);
    await this.drain();
  }

  /**
   * Adds text without waiting, to be handed on by the next `drain`: a record goes in piece by piece, its
   * long values straight from the source's strings, so that no string of the whole record is ever built.
   */
  append(text: string): void {
    // Each text goes straight into the buffer as UTF-8 (at most 3 bytes a UTF-16 unit): no joined string.
    if (this.buffer.length - this.used < text.length * 3) {
      if (this.used > 0) {
        this.overflow.push(this.buffer.subarray(0, this.used));
        this.buffer = this.sealer.buffer(BUFFER_BYTES);
        this.used = 0;
      }
      if (text.length * 3 > this.buffer.length) {
        this.overflow.push(Buffer.from(text, "utf8"));
        return;
      }
    }
    this.used += this.buffer.write(text, this.used, "utf8");
  }

  /** Hands on what has filled since the last drain, if a flush's worth has. */
  async drain(): Promise<void> {
    if (this.used >= FLUSH_BYTES || this.overflow.length > 0) await this.flush();
  }

  private async flush(): Promise<void> {
    for (const part of this.overflow.splice(0)) await this.emit(part);
    if (this.used === 0) return;
    const data = this.buffer.subarray(0, this.used);
    // What is handed on belongs to the sealer (or is kept): the next bytes go into a buffer of their own.
    this.buffer = this.sealer.buffer(BUFFER_BYTES);
    this.used = 0;
    await this.emit(data);
  }

  private async emit(data: Buffer): Promise<void> {
    this.size += data.length;
    const { expected, keep } = this.options;
    if (expected && this.size > expected.size) throw new SourceChangedError(this.path, "is longer");
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
    // Kept bytes are still needed here, so the sealer gets a copy of them; any others, the buffer itself.
    await this.sealer.write(data, this.file, this.kept === undefined);
    // A source that answers from memory or an embedded database never leaves the microtask queue: a turn
    // of the event loop per flush (a few milliseconds of work) lets a server running this job answer.
    await turn();
  }

  /** The file as measured, with its bytes if they were kept. */
  async measured(): Promise<{ measure: Measure; kept: Buffer[] | undefined }> {
    await this.flush();
    const sha256 = await this.sealer.closeFile(this.file);
    return { measure: { path: this.path, size: this.size, sha256 }, kept: this.kept };
  }

  /** The file as written; throws SourceChangedError unless it is the one measured. */
  async written(): Promise<BagFile> {
    await this.flush();
    const sha256 = await this.sealer.closeFile(this.file);
    const { expected } = this.options;
    if (expected && this.size < expected.size) throw new SourceChangedError(this.path, "is shorter");
    if (expected && sha256 !== expected.sha256) throw new SourceChangedError(this.path, "reads differently");
    return { path: this.path, size: this.size, sha256 };
  }
}

/** Writes a streamed payload file's bytes again, from a second read of its source. */
export type Rewrite = (writer: FileWriter) => Promise<void>;

/**
 * A payload or tag file: its bytes in hand, or a way to read them again from their source when the tar
 * is written (which must give the bytes measured, `file`).
 */
interface Entry {
  file: BagFile;
  body: Buffer[] | Rewrite;
}

function bufferEntry(path: string, content: Buffer): Entry {
  return { file: { path, size: content.length, sha256: sha256Of(content) }, body: [content] };
}

export interface BagMetadata {
  bagName: string;
  mtime: Date;
  /** bag-info.txt fields beyond the computed ones (Payload-Oxum, Bag-Size, Bagging-Date). */
  info: ReadonlyArray<readonly [string, string]>;
}

const TAR_BLOCK = 512;

export class PackageBuilder {
  private readonly entries: Entry[] = [];
  /** Shared by the production's measured files: what may be kept rather than read again. */
  readonly keep: KeepBudget;

  constructor(
    private readonly sealer: Sealer,
    keepBytes = DEFAULT_KEEP_BYTES,
  ) {
    this.keep = { left: keepBytes };
  }

  /** A writer measuring a payload file on the first read; `add` it once measured. */
  measure(path: string): FileWriter {
    return new FileWriter(path, this.sealer, { keep: this.keep });
  }

  /**
   * Record a measured payload file: its bytes if they were kept, else how to write them again, which
   * must produce the same bytes.
   */
  add(measured: { measure: Measure; kept: Buffer[] | undefined }, rewrite: Rewrite): void {
    this.entries.push({ file: measured.measure, body: measured.kept ?? rewrite });
  }

  addBuffer(path: string, content: Buffer): BagFile {
    const entry = bufferEntry(path, content);
    this.entries.push(entry);
    return entry.file;
  }

  /** The payload files, each with its digest (a file read again is checked to have the one measured). */
  get files(): BagFile[] {
    return this.entries.map((e) => e.file);
  }

  /** The payload's bytes in the tar so far (headers and padding too): what progress counts towards. */
  get payloadTarBytes(): number {
    return this.entries.reduce((sum, e) => sum + tarBytes(e.file.size), 0);
  }

  /** The tag files, computed from the payload now present, each file with its digest. */
  private tagFiles(meta: BagMetadata): Entry[] {
    const payload = this.files;
    const octets = payload.reduce((sum, f) => sum + f.size, 0);
    const info = bagInfoText([
      ...meta.info,
      ["Bagging-Date", meta.mtime.toISOString().slice(0, 10)],
      ["Payload-Oxum", `${octets}.${payload.length}`],
      ["Bag-Size", `${(octets / 1024 / 1024).toFixed(2)} MiB`],
    ]);
    const manifest = manifestText(payload.map((f): ManifestLine => ({ path: f.path, sha256: f.sha256 })));
    const tags = [
      ["bagit.txt", BAGIT_TXT],
      ["bag-info.txt", info],
      ["manifest-sha256.txt", manifest],
    ].map(([path, text]) => bufferEntry(path as string, Buffer.from(text as string, "utf8")));
    const tagManifest = manifestText(tags.map((t) => ({ path: t.file.path, sha256: t.file.sha256 })));
    tags.push(bufferEntry("tagmanifest-sha256.txt", Buffer.from(tagManifest, "utf8")));
    return tags;
  }

  /** Bytes of the whole tar, once it is written: to check the stream against. */
  tarSize(meta: BagMetadata): number {
    const all = [...this.files, ...this.tagFiles(meta).map((t) => t.file)];
    const dirs = 2;
    return dirs * TAR_BLOCK + all.reduce((sum, f) => sum + tarBytes(f.size), 0) + TAR_END.length;
  }

  /**
   * The bag as a ustar stream into the sealer's archive, which must be open: bagit.txt, the payload, then
   * `complete` (which may add the payload files that list the others' digests, now known: `files`), then
   * bag-info.txt and the manifests. Throws SourceChangedError, having written nothing past the file's
   * measured size, when a file read again is not the one measured.
   */
  async writeTar(meta: BagMetadata, complete: () => Promise<void>): Promise<void> {
    const root = meta.bagName;
    // Headers, padding and bytes kept or built here are still referenced here: the sealer copies them.
    const out = (data: Buffer) => this.sealer.write(data, undefined, false);
    await out(tarHeader({ name: root, size: 0, type: "directory", mtime: meta.mtime }));
    await this.entry(root, bufferEntry("bagit.txt", Buffer.from(BAGIT_TXT, "utf8")), meta.mtime, out);
    await out(tarHeader({ name: `${root}/data`, size: 0, type: "directory", mtime: meta.mtime }));
    for (const entry of this.entries) await this.entry(root, entry, meta.mtime, out);
    const streamed = this.entries.length;
    await complete();
    for (const entry of this.entries.slice(streamed)) await this.entry(root, entry, meta.mtime, out);
    const [, info, manifest, tagManifest] = this.tagFiles(meta);
    for (const entry of [info, manifest, tagManifest]) await this.entry(root, entry as Entry, meta.mtime, out);
    await out(TAR_END);
  }

  private async entry(root: string, entry: Entry, mtime: Date, out: (data: Buffer) => Promise<void>): Promise<void> {
    const { file, body } = entry;
    await out(tarHeader({ name: `${root}/${file.path}`, size: file.size, type: "file", mtime }));
    if (typeof body === "function") {
      const writer = new FileWriter(file.path, this.sealer, { expected: file });
      await body(writer);
      await writer.written();
    } else {
      for (const part of body) await out(part);
    }
    const padding = tarPadding(file.size);
    if (padding.length > 0) await out(padding);
  }
}

/** A file's bytes in a tar: its header, its bytes, and the padding to the next block. */
function tarBytes(size: number): number {
  return TAR_BLOCK + Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;
}

/** RFC 4180: quote a field holding a comma, quote or line break, doubling its quotes. */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return "";
  const text = String(value);
  // Four scans for one character each are several times faster than one regular expression over a long text.
  const quoted = text.includes('"') || text.includes(",") || text.includes("\n") || text.includes("\r");
  return quoted ? `"${text.replace(/"/g, '""')}"` : text;
}
