import { createHash, randomBytes, randomUUID } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { BAGIT_TXT, bagInfoText, type ManifestLine, manifestText, sha256Of } from "./bagit.js";
import { createDecryptStream, createEncryptStream, makeHeader } from "./stream-cipher.js";
import { TAR_END, tarHeader, tarPadding } from "./tar.js";

/**
 * Builds a production's bag and streams it as a tar. A tar header states its file's size before the
 * file's bytes, so each payload file is first written to a spool and then copied into the archive.
 * Spools are encrypted with the same chunked AES-GCM under a key that exists only in this process's
 * memory: user data never rests on disk in the clear, not even in a temporary file, and a spool altered
 * on disk fails to decrypt instead of slipping into the package.
 */

const SPOOL_FLUSH_CHARS = 256 * 1024;

export interface BagFile {
  /** Relative to the bag's root: `data/records.ip_logs.json`. */
  path: string;
  size: number;
  sha256: string;
}

export class Spool {
  private readonly hash = createHash("sha256");
  private pending: string[] = [];
  private pendingChars = 0;
  private size = 0;
  private readonly encryptor;
  private readonly finished: Promise<void>;
  private failure: unknown;

  constructor(
    readonly path: string,
    readonly file: string,
    private readonly key: Buffer,
  ) {
    this.encryptor = createEncryptStream(key, makeHeader(randomUUID()));
    // A few chunks of slack so encrypting the next chunk overlaps writing the last one.
    this.finished = pipeline(this.encryptor, createWriteStream(file, { mode: 0o600, highWaterMark: 4 * 1024 * 1024 }));
    this.finished.catch((error: unknown) => {
      this.failure = error;
    });
  }

  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= SPOOL_FLUSH_CHARS) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.pendingChars === 0) return;
    const data = Buffer.from(this.pending.join(""), "utf8");
    this.pending = [];
    this.pendingChars = 0;
    this.hash.update(data);
    this.size += data.length;
    if (!this.encryptor.write(data)) await Promise.race([once(this.encryptor, "drain"), this.finished]);
    // A source that answers from memory or an embedded database never leaves the microtask queue, and
    // records are serialized, hashed and encrypted until the spool's buffers fill: megabytes, hundreds of
    // milliseconds in which a server running this job answered nothing. A turn of the event loop per
    // flush (every 256 KiB, a few milliseconds of work) lets it answer between them.
    await new Promise((resolve) => setImmediate(resolve));
  }

  async close(): Promise<BagFile> {
    await this.flush();
    this.encryptor.end();
    await this.finished;
    return { path: this.path, size: this.size, sha256: this.hash.digest("hex") };
  }

  /** The spooled bytes, each chunk authenticated before it is released. */
  async *read(expectedSize: number): AsyncIterable<Buffer> {
    const decryptor = createDecryptStream(() => this.key);
    const reading = pipeline(createReadStream(this.file, { highWaterMark: 1024 * 1024 }), decryptor);
    let seen = 0;
    for await (const part of decryptor) {
      seen += (part as Buffer).length;
      yield part as Buffer;
    }
    await reading;
    if (seen !== expectedSize)
      throw new Error(`spool for ${this.path} read back ${seen} bytes, expected ${expectedSize}`);
  }
}

interface Entry {
  file: BagFile;
  body: Buffer | Spool;
}

export interface BagMetadata {
  bagName: string;
  mtime: Date;
  /** bag-info.txt fields beyond the computed ones (Payload-Oxum, Bag-Size, Bagging-Date). */
  info: ReadonlyArray<readonly [string, string]>;
}

export class PackageBuilder {
  private readonly key = randomBytes(32);
  private readonly entries: Entry[] = [];
  private spools = 0;

  private constructor(private readonly dir: string) {}

  static async create(): Promise<PackageBuilder> {
    return new PackageBuilder(await mkdtemp(join(tmpdir(), "custodian-spool-")));
  }

  spool(path: string): Spool {
    this.spools += 1;
    return new Spool(path, join(this.dir, `${this.spools}.spool`), this.key);
  }

  /** Record a closed spool as a payload file. */
  add(spool: Spool, file: BagFile): void {
    this.entries.push({ file, body: spool });
  }

  addBuffer(path: string, content: Buffer): BagFile {
    const file = { path, size: content.length, sha256: sha256Of(content) };
    this.entries.push({ file, body: content });
    return file;
  }

  get files(): BagFile[] {
    return this.entries.map((e) => e.file);
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
      return { file: { path: path as string, size: content.length, sha256: sha256Of(content) }, body: content };
    });
    const tagManifest = Buffer.from(manifestText(tags.map((t) => ({ path: t.file.path, sha256: t.file.sha256 }))));
    tags.push({
      file: { path: "tagmanifest-sha256.txt", size: tagManifest.length, sha256: sha256Of(tagManifest) },
      body: tagManifest,
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

  /** The bag as a ustar stream: bagit.txt and bag-info.txt first, the payload, then the manifests. */
  async *tar(meta: BagMetadata): AsyncIterable<Buffer> {
    const tags = this.tagFiles(meta);
    const [declaration, info, manifest, tagManifest] = tags as [Entry, Entry, Entry, Entry];
    const root = meta.bagName;
    const header = (name: string, size: number, type: "file" | "directory" = "file") =>
      tarHeader({ name: `${root}/${name}`.replace(/\/$/, ""), size, type, mtime: meta.mtime });
    yield tarHeader({ name: root, size: 0, type: "directory", mtime: meta.mtime });
    for (const entry of [declaration, info]) yield* this.entry(root, entry, meta.mtime);
    yield header("data", 0, "directory");
    for (const entry of this.entries) yield* this.entry(root, entry, meta.mtime);
    for (const entry of [manifest, tagManifest]) yield* this.entry(root, entry, meta.mtime);
    yield TAR_END;
  }

  private async *entry(root: string, entry: Entry, mtime: Date): AsyncIterable<Buffer> {
    yield tarHeader({ name: `${root}/${entry.file.path}`, size: entry.file.size, type: "file", mtime });
    if (Buffer.isBuffer(entry.body)) yield entry.body;
    else yield* entry.body.read(entry.file.size);
    const padding = tarPadding(entry.file.size);
    if (padding.length > 0) yield padding;
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** RFC 4180: quote a field holding a comma, quote or line break, doubling its quotes. */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
