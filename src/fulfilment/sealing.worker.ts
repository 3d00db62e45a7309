import { createHash, type Hash } from "node:crypto";
import { parentPort } from "node:worker_threads";
import { ChunkSealer, type StreamHeader } from "./stream-cipher.js";

/**
 * The sealing worker (sealing.ts starts it): the byte work of packaging, on a core of its own while the
 * event loop serializes records. It keeps each payload file's SHA-256, seals the tar into
 * chunks (stream-cipher.ts) and hashes the sealed archive, for any number of productions at once, each a
 * session of its own. Messages on the one port arrive in the order they were sent, so a file's digests
 * answered after its close cover every byte written to it before.
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
  | { op: "drop"; session: number };

export type FromSealer =
  /**
   * `bytes` written to the session have been taken in: the writer may send as many more. `spent` is the
   * buffer they came in, handed back for the writer to fill again; `sealed`, what they completed of the archive.
   */
  | { op: "ack"; session: number; bytes: number; spent: Uint8Array; sealed?: Uint8Array[] }
  | { op: "file"; session: number; file: number; sha256: string }
  | { op: "ended"; session: number; sealed: Uint8Array[]; sha256: string; bytes: number }
  | { op: "failed"; session: number; message: string };

interface Session {
  files: Map<number, Hash>;
  archive?: { sealer: ChunkSealer; hash: Hash };
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
  return pieces.map((piece) => {
    archive.hash.update(piece);
    // The cipher's own outputs are whole buffers; the tag and anything else small may share one.
    return piece.byteOffset === 0 && piece.byteLength === piece.buffer.byteLength ? piece : piece.slice();
  });
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
    case "drop":
      sessions.delete(message.session);
      return undefined;
  }
}

parentPort?.on("message", (message: ToSealer) => {
  let answer: FromSealer | undefined;
  try {
    answer = handle(message);
  } catch (error) {
    sessions.delete(message.session);
    answer = { op: "failed", session: message.session, message: (error as Error).message };
  }
  if (!answer) return;
  const transfer = [
    ...("sealed" in answer ? (answer.sealed ?? []) : []),
    ...(answer.op === "ack" && answer.spent.byteLength > 0 ? [answer.spent] : []),
  ].map((part) => part.buffer as ArrayBuffer);
  parentPort?.postMessage(answer, transfer);
});
