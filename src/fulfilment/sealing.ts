import { Duplex, Readable } from "node:stream";
import { Worker } from "node:worker_threads";
import type { FromSealer, ToSealer } from "./sealing.worker.js";
import { IntegrityError, type StreamHeader } from "./stream-cipher.js";

/**
 * Where a production's bytes are hashed and sealed: the sealing worker (sealing.worker.ts), a thread of
 * its own, while the event loop reads the source and serializes records. The byte work (a SHA-256 of
 * each payload file on each of its two reads, AES-GCM, a SHA-256 of the archive) and serializing each
 * take a large share of packaging's CPU; on one thread they added up, on two they overlap, and the event
 * loop is left the serializing alone (ARCHITECTURE.md, "Hashing and sealing on a thread of their own").
 *
 * A production opens a Sealer. Its payload files' bytes go to the worker as they are serialized, each
 * buffer handed over (transferred, not copied) where its writer is done with it, and handed back with
 * the worker's acknowledgement to be filled again; at most MAX_IN_FLIGHT bytes are unanswered at once.
 * Once the archive is opened, what is written is also sealed, and the sealed chunks come back as a
 * stream for the archive store, with its digest computed on the way. A store that reads slowly holds the
 * writer back in turn.
 */

const MAX_IN_FLIGHT = 4 * 1024 * 1024;
/** Buffers handed back by the worker, kept to be filled again: enough for what may be in flight. */
const SPARE_BUFFERS = 16;
// A buffer this small may be a slice of Node's shared allocation pool, which must never be transferred.
const POOLED = Buffer.poolSize;

/** An archive's digest and length: what the database records of it (archive.storage.ts, StoredArchive). */
export interface ArchiveDigest {
  /** SHA-256 of the archive's bytes (the ciphertext), lowercase hex. */
  sha256: string;
  bytes: number;
}

/**
 * Marks an archive stream that computes its own digest as it is produced: a function giving it once the
 * stream has ended. An archive store takes that digest rather than hashing the stream again.
 */
export const OWN_DIGEST: unique symbol = Symbol("custodian.archive.ownDigest");

/** The sealed archive's bytes, for an archive store: it knows its digest once it has ended. */
export type SealedStream = Readable & { [OWN_DIGEST]: () => ArchiveDigest };

/**
 * Buffers the worker handed back, kept to be filled again, so that a session's buffers go round between
 * the threads instead of being garbage: a new buffer of a megabyte is memory the kernel maps afresh
 * (stream-cipher.ts). Only those of the size last asked for are kept.
 */
class SpareBuffers {
  private readonly spare: ArrayBuffer[] = [];
  private bytes = 0;

  take(bytes: number): Buffer {
    if (bytes !== this.bytes) {
      this.spare.length = 0;
      this.bytes = bytes;
    }
    const spare = this.spare.pop();
    return spare ? Buffer.from(spare) : Buffer.allocUnsafeSlow(bytes);
  }

  give(spent: Uint8Array): void {
    if (spent.byteLength === this.bytes && this.spare.length < SPARE_BUFFERS)
      this.spare.push(spent.buffer as ArrayBuffer);
  }
}

/** A session on the sealing thread: it hears the worker's answers to it, or that the worker failed. */
interface Session {
  readonly id: number;
  receive(message: FromSealer): void;
  abort(error: Error): void;
}

/** One production's session with the sealing worker. */
export class Sealer implements Session {
  private inFlight = 0;
  private blocked = false;
  private failure: Error | undefined;
  private readonly waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private nextFile = 1;
  private readonly files = new Map<number, { resolve: (sha256: string) => void; reject: (e: Error) => void }>();
  private archive: { stream: Readable; digest?: ArchiveDigest; onBytes: (plaintext: number) => void } | undefined;
  private closed = false;
  private readonly spare = new SpareBuffers();
  /** The bytes written into the archive so far: the tar's plaintext. */
  plaintextBytes = 0;

  constructor(
    private readonly thread: SealingThread,
    readonly id: number,
  ) {}

  /**
   * A buffer of `bytes` to fill and write as `owned`: one the worker handed back when there is one of
   * that size, so that a production's buffers go round between the threads instead of being garbage.
   */
  buffer(bytes: number): Buffer {
    return this.spare.take(bytes);
  }

  /** Starts a payload file's SHA-256. */
  openFile(): number {
    const file = this.nextFile++;
    this.post({ op: "file", session: this.id, file });
    return file;
  }

  /**
   * Hands `data` on: into `file`'s digests when one is given, and into the archive once it is open.
   * `owned` data is transferred, so its writer must not touch its buffer again; any other is copied.
   * Resolves when more may be written.
   */
  async write(data: Buffer, file: number | undefined, owned: boolean): Promise<void> {
    if (this.failure) throw this.failure;
    if (data.length === 0) return;
    const part = owned && data.buffer.byteLength > POOLED ? data : new Uint8Array(data);
    // Read before the transfer, which leaves `part` empty here.
    const bytes = part.byteLength;
    this.inFlight += bytes;
    this.post({ op: "data", session: this.id, data: part, ...(file === undefined ? {} : { file }) }, [
      part.buffer as ArrayBuffer,
    ]);
    if (this.archive) {
      this.plaintextBytes += bytes;
      this.archive.onBytes(this.plaintextBytes);
    }
    if (this.inFlight > MAX_IN_FLIGHT || this.blocked) {
      await new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    }
  }

  /** The file's SHA-256 (lowercase hex), once every byte written to it has been taken in. */
  closeFile(file: number): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.files.set(file, { resolve, reject });
      this.post({ op: "close-file", session: this.id, file });
    });
  }

  /**
   * Opens the archive: from now on what is written is sealed into the stream returned (the header
   * first). `onBytes` hears the plaintext written so far after each write; what it throws stops the writer.
   */
  seal(key: Buffer, header: StreamHeader, onBytes: (plaintext: number) => void): SealedStream {
    if (this.archive) throw new Error("the archive is already open");
    const stream = new Readable({
      highWaterMark: header.chunkSize,
      read: () => {
        this.blocked = false;
        this.wake();
      },
    });
    // Aborted before its store has begun to read it (a store opens its file or upload first), the stream
    // fails with no one listening, which would end the process; the writer and the store report it anyway.
    stream.on("error", () => {});
    const archive: NonNullable<Sealer["archive"]> = { stream, onBytes };
    this.archive = archive;
    const copy = new Uint8Array(key);
    this.post(
      {
        op: "archive",
        session: this.id,
        key: copy,
        header: {
          chunkSize: header.chunkSize,
          noncePrefix: new Uint8Array(header.noncePrefix),
          bytes: new Uint8Array(header.bytes),
        },
      },
      [copy.buffer],
    );
    return Object.assign(stream, {
      [OWN_DIGEST]: () => {
        if (!archive.digest) throw new Error("the archive has not ended");
        return archive.digest;
      },
    });
  }

  /** Seals the final chunk; the stream ends once it has been pushed. */
  end(): void {
    if (this.failure) throw this.failure;
    this.post({ op: "end", session: this.id });
  }

  /** Stops everything with `error`: waiting writers and files reject, the archive stream fails. */
  abort(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
    for (const file of this.files.values()) file.reject(error);
    this.files.clear();
    this.archive?.stream.destroy(error);
  }

  /** Frees the session in the worker; an archive not yet ended fails. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.archive?.digest) this.abort(new Error("the sealer was closed"));
    this.thread.close(this);
  }

  /** @internal: the worker's answers to this session. */
  receive(message: FromSealer): void {
    if (this.failure) return;
    switch (message.op) {
      case "ack":
        this.inFlight -= message.bytes;
        this.spare.give(message.spent);
        if (message.sealed) this.push(message.sealed);
        break;
      case "file": {
        const waiting = this.files.get(message.file);
        this.files.delete(message.file);
        waiting?.resolve(message.sha256);
        break;
      }
      case "ended": {
        const archive = this.archive as NonNullable<Sealer["archive"]>;
        this.push(message.sealed);
        archive.digest = { sha256: message.sha256, bytes: message.bytes };
        archive.stream.push(null);
        break;
      }
      case "failed":
        this.abort(new Error(`sealing failed: ${message.message}`));
        return;
      default:
        return;
    }
    this.wake();
  }

  private push(pieces: Uint8Array[]): void {
    const stream = this.archive?.stream;
    if (!stream) return;
    for (const piece of pieces) {
      if (!stream.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength))) this.blocked = true;
    }
  }

  private wake(): void {
    if (this.inFlight > MAX_IN_FLIGHT || this.blocked) return;
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  private post(message: ToSealer, transfer: ArrayBuffer[] = []): void {
    if (this.closed) throw new Error("the sealer is closed");
    this.thread.post(message, transfer);
  }
}

/**
 * The worker itself, started on first use and shared by every production of the process. It keeps the
 * process alive only while a production has a session open.
 */
class SealingThread {
  private readonly worker: Worker;
  private readonly sessions = new Map<number, Session>();
  private nextSession = 1;

  constructor() {
    this.worker = startWorker();
    this.worker.unref();
    this.worker.on("message", (message: FromSealer) => this.sessions.get(message.session)?.receive(message));
    this.worker.on("error", (error) => this.stop(error));
    this.worker.on("exit", (code) => this.stop(new Error(`the sealing worker stopped (exit code ${code})`)));
  }

  open<S extends Session>(session: (id: number) => S): S {
    const opened = session(this.nextSession++);
    this.sessions.set(opened.id, opened);
    if (this.sessions.size === 1) this.worker.ref();
    return opened;
  }

  post(message: ToSealer, transfer: ArrayBuffer[]): void {
    this.worker.postMessage(message, transfer);
  }

  close(session: Session): void {
    if (!this.sessions.delete(session.id)) return;
    this.worker.postMessage({ op: "drop", session: session.id } satisfies ToSealer);
    if (this.sessions.size === 0) this.worker.unref();
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  /** A worker that failed or stopped fails its sessions; the next production starts another. */
  private stop(error: Error): void {
    if (shared === this) shared = undefined;
    for (const session of this.sessions.values()) session.abort(error);
    this.sessions.clear();
  }
}

let shared: SealingThread | undefined;

/**
 * Stops the worker now: whatever production has a session open fails, as it would had the worker died,
 * and the next production starts another. For a process that must not wait on it, and for the tests.
 */
export async function stopSealingWorker(): Promise<void> {
  const thread = shared;
  shared = undefined;
  await thread?.terminate();
}

/** A production's session with the sealing worker; `close` it when the production is done or failed. */
export function openSealer(): Sealer {
  shared ??= new SealingThread();
  const thread = shared;
  return thread.open((id) => new Sealer(thread, id));
}

/** What a stored archive must hash to, and the error to fail with when it does not. */
export interface ExpectedDigest {
  sha256: string;
  damaged(sha256: string): Error;
}

/**
 * A stored archive opened on the sealing worker: sealed bytes written in, verified plaintext read out,
 * each chunk released only once it has authenticated (IntegrityError otherwise). When `digest` is given,
 * the archive's SHA-256 is compared at its end, before its final chunk is released. The event loop only
 * hands the bytes over; the worker hashes and decrypts them.
 */
export function openArchive(key: Buffer, packageId: string, digest?: ExpectedDigest): Duplex {
  shared ??= new SealingThread();
  const thread = shared;
  return thread.open((id) => new OpenedArchive(thread, id, key, packageId, digest));
}

class OpenedArchive extends Duplex implements Session {
  private inFlight = 0;
  private blocked = false;
  private writing: ((error?: Error | null) => void) | undefined;
  private ending: ((error?: Error | null) => void) | undefined;
  private released = false;
  private readonly spare = new SpareBuffers();

  constructor(
    private readonly thread: SealingThread,
    readonly id: number,
    key: Buffer,
    packageId: string,
    private readonly digest: ExpectedDigest | undefined,
  ) {
    super({ readableHighWaterMark: MAX_IN_FLIGHT, writableHighWaterMark: MAX_IN_FLIGHT });
    const copy = new Uint8Array(key);
    thread.post({ op: "open", session: id, key: copy, packageId, ...(digest ? { sha256: digest.sha256 } : {}) }, [
      copy.buffer,
    ]);
  }

  override _write(data: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (data.length === 0) {
      callback();
      return;
    }
    // A copy into a buffer the worker hands back: the store's buffer may be anyone's.
    const part = this.spare.take(data.length);
    data.copy(part);
    this.inFlight += part.length;
    this.thread.post({ op: "sealed", session: this.id, data: part }, [part.buffer as ArrayBuffer]);
    if (this.inFlight > MAX_IN_FLIGHT || this.blocked) this.writing = callback;
    else callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.ending = callback;
    this.thread.post({ op: "end-sealed", session: this.id }, []);
  }

  override _read(): void {
    this.blocked = false;
    this.wake();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.release();
    callback(error);
  }

  receive(message: FromSealer): void {
    switch (message.op) {
      case "opened":
        this.inFlight -= message.bytes;
        this.spare.give(message.spent);
        this.deliver(message.plain);
        this.wake();
        return;
      case "opened-end": {
        this.deliver(message.plain);
        this.push(null);
        this.release();
        const ending = this.ending;
        this.ending = undefined;
        ending?.();
        return;
      }
      case "failed":
        this.abort(
          message.kind === "integrity"
            ? new IntegrityError(message.message)
            : message.kind === "digest" && this.digest
              ? this.digest.damaged(message.sha256 ?? "")
              : new Error(`opening the archive failed: ${message.message}`),
        );
        return;
      default:
        return;
    }
  }

  abort(error: Error): void {
    this.destroy(error);
  }

  private deliver(pieces: Uint8Array[]): void {
    for (const piece of pieces) {
      if (!this.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength))) this.blocked = true;
    }
  }

  private wake(): void {
    if (this.inFlight > MAX_IN_FLIGHT || this.blocked || !this.writing) return;
    const writing = this.writing;
    this.writing = undefined;
    writing();
  }

  /** Frees the session in the worker, once. */
  private release(): void {
    if (this.released) return;
    this.released = true;
    this.thread.close(this);
  }
}

function startWorker(): Worker {
  const fromSource = import.meta.url.endsWith(".ts");
  const url = new URL(fromSource ? "./sealing.worker.ts" : "./sealing.worker.js", import.meta.url);
  if (!fromSource) return new Worker(url);
  // Run from the TypeScript source (the tests, tsx): the worker needs the same loader to import it.
  return new Worker(
    `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`,
    { eval: true },
  );
}
