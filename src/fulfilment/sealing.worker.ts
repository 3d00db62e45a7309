import { createHash, type Hash } from "node:crypto";
import { parentPort } from "node:worker_threads";
import {
  ChunkOpener,
  ChunkSealer,
  HEADER_BYTES,
  IntegrityError,
  parseHeader,
  type StreamHeader,
} from "./stream-cipher.js";

/**
 * The sealing worker (sealing.ts starts it): the byte work of packaging, on a core of its own while the
 * event loop serializes records. It keeps each payload file's SHA-256, seals the tar into
 * chunks (stream-cipher.ts) and hashes the sealed archive, for any number of productions at once, each a
 * session of its own. Messages on the one port arrive in the order they were sent, so a file's digests
 * answered after its close cover every byte written to it before.
 *
 * It also opens stored archives for the download, the other way round: sealed bytes in, each chunk's
 * plaintext out once the chunk has authenticated, the archive's SHA-256 compared at the end before the
 * final chunk is released.
 */

export type ToSealer =
  | { op: "file"; session: number; file: number }
  | { op: "data"; session: number; data: Uint8Array; file?: number }
  | { op: "close-file"; session: number; file: number }
  | {
      op: "archive";
      session: number;
      key: Uint8Array;
      header: { chunkSize: number; noncePrefix: Uint8Array; bytes: Uint8Array };
    }
  | { op: "end"; session: number }
  /** Opens a stored archive: `packageId` is the production it must belong to, `sha256` what it must hash to. */
  | { op: "open"; session: number; key: Uint8Array; packageId: string; sha256?: string }
  | { op: "sealed"; session: number; data: Uint8Array }
  | { op: "end-sealed"; session: number }
  | { op: "drop"; session: number };

export type FromSealer =
  /**
   * `bytes` written to the session have been taken in: the writer may send as many more. `spent` is the
   * buffer they came in, handed back for the writer to fill again; `sealed`, what they completed of the archive.
   */
  | { op: "ack"; session: number; bytes: number; spent: Uint8Array; sealed?: Uint8Array[] }
  | { op: "file"; session: number; file: number; sha256: string }
  | { op: "ended"; session: number; sealed: Uint8Array[]; sha256: string; bytes: number }
  /** `sealed` bytes taken in (`spent` handed back), and the plaintext of the chunks they completed. */
  | { op: "opened"; session: number; bytes: number; spent: Uint8Array; plain: Uint8Array[] }
  /** The archive was whole: the final chunk's plaintext. */
  | { op: "opened-end"; session: number; plain: Uint8Array[] }
  /** `integrity`: a chunk or the header did not authenticate; `digest`: the archive's SHA-256 was `sha256`. */
  | { op: "failed"; session: number; message: string; kind?: "integrity" | "digest"; sha256?: string };

interface Session {
  files: Map<number, Hash>;
  archive?: { sealer: ChunkSealer; hash: Hash };
  opening?: Opening;
}

/** A stored archive being opened: its header until it is whole, then its chunks. */
interface Opening {
  key: Buffer;
  packageId: string;
  expected?: { sha256: string; hash: Hash };
  header: Buffer[];
  opener?: ChunkOpener;
}

class DigestMismatch extends Error {
  constructor(readonly sha256: string) {
    super(`the archive's SHA-256 is ${sha256}`);
  }
}

/** The header's bytes as they come; once it is whole, the rest goes to the chunks. */
function openSealed(opening: Opening, data: Buffer): Buffer[] {
  if (opening.opener) return opening.opener.push(data);
  opening.header.push(Buffer.from(data));
  const gathered = Buffer.concat(opening.header);
  if (gathered.length < HEADER_BYTES) return [];
  const header = parseHeader(gathered.subarray(0, HEADER_BYTES));
  if (header.packageId !== opening.packageId) {
    throw new IntegrityError(`the stored archive belongs to production ${header.packageId}, not ${opening.packageId}`);
  }
  opening.opener = new ChunkOpener(opening.key, header);
  opening.header = [];
  return opening.opener.push(gathered.subarray(HEADER_BYTES));
}

/** Each its own buffer, so that it can be transferred. */
function transferable(pieces: Buffer[]): Uint8Array[] {
  // The cipher's own outputs are whole buffers; the tag and anything else small may share one.
  return pieces.map((piece) =>
    piece.byteOffset === 0 && piece.byteLength === piece.buffer.byteLength ? piece : piece.slice(),
  );
}

const sessions = new Map<number, Session>();

function sessionOf(id: number): Session {
  let session = sessions.get(id);
  if (!session) {
    session = { files: new Map() };
    sessions.set(id, session);
  }
  return session;
}

/** Sealed pieces hashed into the archive's digest, each made its own buffer so that it can be transferred. */
function archived(session: Session, pieces: Buffer[]): Uint8Array[] {
  const archive = session.archive as NonNullable<Session["archive"]>;
  for (const piece of pieces) archive.hash.update(piece);
  return transferable(pieces);
}

function handle(message: ToSealer): FromSealer | undefined {
  const session = sessionOf(message.session);
  switch (message.op) {
    case "file":
      session.files.set(message.file, createHash("sha256"));
      return undefined;
    case "data": {
      const data = Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength);
      if (message.file !== undefined) {
        const file = session.files.get(message.file);
        if (!file) throw new Error(`file ${message.file} is not open`);
        file.update(data);
      }
      // The sealer copies what it is given: nothing here holds the buffer once this returns.
      const sealed = session.archive ? archived(session, session.archive.sealer.push(data)) : undefined;
      return {
        op: "ack",
        session: message.session,
        bytes: data.length,
        spent: message.data,
        ...(sealed?.length ? { sealed } : {}),
      };
    }
    case "close-file": {
      const file = session.files.get(message.file);
      if (!file) throw new Error(`file ${message.file} is not open`);
      session.files.delete(message.file);
      return {
        op: "file",
        session: message.session,
        file: message.file,
        sha256: file.digest("hex"),
      };
    }
    case "archive": {
      const { chunkSize, noncePrefix, bytes } = message.header;
      const header: StreamHeader = {
        chunkSize,
        packageId: "",
        noncePrefix: Buffer.from(noncePrefix),
        bytes: Buffer.from(bytes),
      };
      const sealer = new ChunkSealer(Buffer.from(message.key), header);
      session.archive = { sealer, hash: createHash("sha256") };
      const sealed = archived(session, [Buffer.from(header.bytes)]);
      return { op: "ack", session: message.session, bytes: 0, spent: new Uint8Array(0), sealed };
    }
    case "end": {
      const archive = session.archive;
      if (!archive) throw new Error("no archive to end");
      const sealed = archived(session, archive.sealer.finish());
      sessions.delete(message.session);
      return {
        op: "ended",
        session: message.session,
        sealed,
        sha256: archive.hash.digest("hex"),
        // The sealer counts the header and every sealed piece: the archive's length.
        bytes: archive.sealer.stats.ciphertextBytes,
      };
    }
    case "open":
      session.opening = {
        key: Buffer.from(message.key),
        packageId: message.packageId,
        header: [],
        ...(message.sha256 === undefined ? {} : { expected: { sha256: message.sha256, hash: createHash("sha256") } }),
      };
      return undefined;
    case "sealed": {
      const opening = session.opening;
      if (!opening) throw new Error("no archive is open");
      const data = Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength);
      opening.expected?.hash.update(data);
      // The opener copies what it is given: nothing here holds the buffer once this returns.
      const plain = transferable(openSealed(opening, data));
      return { op: "opened", session: message.session, bytes: data.length, spent: message.data, plain };
    }
    case "end-sealed": {
      const opening = session.opening;
      if (!opening) throw new Error("no archive is open");
      sessions.delete(message.session);
      // The digest first: an archive that is not the one stored gives up nothing more, not even a final
      // chunk that authenticates.
      const sha256 = opening.expected?.hash.digest("hex");
      if (sha256 !== undefined && sha256 !== opening.expected?.sha256) throw new DigestMismatch(sha256);
      if (!opening.opener) throw new IntegrityError("not a Custodian package: it ends inside its header");
      return { op: "opened-end", session: message.session, plain: transferable(opening.opener.finish()) };
    }
    case "drop":
      sessions.delete(message.session);
      return undefined;
  }
}

function failure(session: number, error: unknown): FromSealer {
  const message = (error as Error).message;
  if (error instanceof IntegrityError) return { op: "failed", session, message, kind: "integrity" };
  if (error instanceof DigestMismatch) return { op: "failed", session, message, kind: "digest", sha256: error.sha256 };
  return { op: "failed", session, message };
}

parentPort?.on("message", (message: ToSealer) => {
  let answer: FromSealer | undefined;
  try {
    answer = handle(message);
  } catch (error) {
    sessions.delete(message.session);
    answer = failure(message.session, error);
  }
  if (!answer) return;
  const transfer = [
    ...("sealed" in answer ? (answer.sealed ?? []) : []),
    ...("plain" in answer ? answer.plain : []),
    ...((answer.op === "ack" || answer.op === "opened") && answer.spent.byteLength > 0 ? [answer.spent] : []),
  ].map((part) => part.buffer as ArrayBuffer);
  parentPort?.postMessage(answer, transfer);
});
