import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/database.js";
import { PIECE_BYTES } from "../src/requests/documents.store.js";
import { DRIVERS, dropPostgresDatabase } from "./support/db.js";
import { requestDocument } from "./support/fixtures.js";
import { freePort } from "./support/pg-cluster.js";
import { type ServerProcess, startProcess, storeWithOfficerToken } from "./support/server-process.js";

/**
 * Uploads against the real server process (`node dist/cli/main.js serve`): documents are stored while they
 * arrive and come back byte for byte with their SHA-256; a body declaring more than the limits allow is
 * refused before it is sent, and a file passing the limit is refused the moment it does, the rest unread;
 * a refused submission keeps none of its files. (Latency and memory under ten 9 MiB documents are figures:
 * `npm run bench -- uploads`.)
 */

const MIB = 1024 * 1024;
const MAX_UPLOAD = 2 * MIB;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

function multipartHead(boundary: string, document: string): Buffer {
  return Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="request"\r\n\r\n${document}\r\n`);
}
function filePart(boundary: string, name: string, content: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="${name}"; filename="${name}.pdf"\r\ncontent-type: application/pdf\r\n\r\n`,
    ),
    content,
    Buffer.from("\r\n"),
  ]);
}

interface Sent {
  status: number;
  body: string;
  /** How many body bytes the client had written when the answer came. */
  bytesWritten: number;
}

/**
 * Sends `head`, then `tail` in 64 KiB pieces, a little at a time, and stops sending the moment an answer
 * arrives: how much was sent by then shows whether the server waited for the whole body.
 */
function sendSlowly(port: number, headers: Record<string, string | number>, head: Buffer, tail: Buffer) {
  return new Promise<Sent>((resolve, reject) => {
    let written = 0;
    let answered = false;
    const call = httpRequest({ host: "127.0.0.1", port, method: "POST", path: "/api/v1/requests", headers }, (res) => {
      answered = true;
      let text = "";
      res.on("data", (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, bytesWritten: written }));
      res.on("error", reject);
    });
    // The server may close the connection after answering; what counts is the answer.
    call.on("error", (error) => {
      if (!answered) reject(error);
    });
    void (async () => {
      call.write(head);
      written += head.length;
      for (let at = 0; at < tail.length && !answered; at += 64 * 1024) {
        const piece = tail.subarray(at, at + 64 * 1024);
        if (!call.write(piece)) await new Promise((r) => call.once("drain", r));
        written += piece.length;
        await sleep(5);
      }
      if (!answered) call.end();
    })().catch(() => {});
  });
}

describe.each(DRIVERS)("uploads to the real server (%s)", (driver) => {
  const scratch = mkdtempSync(join(tmpdir(), "custodian-uploads-"));
  const dataDir = join(scratch, "data");
  let token: string;
  let url: string | undefined;
  let port: number;
  let server: ServerProcess;
  const auth = () => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    ({ token, url } = await storeWithOfficerToken(driver, driver === "pglite" ? { dataDir } : {}));
    port = await freePort();
    const env = { CUSTODIAN_MAX_UPLOAD_BYTES: String(MAX_UPLOAD), DATABASE_URL: url };
    server = startProcess(
      driver === "pglite" ? ["serve", "--port", String(port), "--data", dataDir] : ["serve", "--port", String(port)],
      env,
    );
    await server.waitFor(/listening on/);
  });
  afterAll(async () => {
    await server?.kill();
    rmSync(scratch, { recursive: true, force: true });
    if (url) await dropPostgresDatabase(url);
  });

  it("stores documents as they arrive and gives them back byte for byte, with their SHA-256", async () => {
    // Sizes around the piece size: one short of a piece, exactly two, a piece and a bit; and one empty.
    const files = [PIECE_BYTES - 1, 2 * PIECE_BYTES, MAX_UPLOAD - 3, 0].map((n) => randomBytes(n));
    const form = new FormData();
    form.append("request", requestDocument({ jurisdiction: "US", process: "subpoena" }));
    for (const [i, bytes] of files.entries()) {
      form.append(`doc${i}`, new Blob([bytes], { type: "application/pdf" }), `doc${i}.pdf`);
    }
    const submitted = await fetch(`http://127.0.0.1:${port}/api/v1/requests`, {
      method: "POST",
      headers: auth(),
      body: form,
    });
    const submittedText = await submitted.text();
    expect(submitted.status, submittedText).toBe(201);
    const { id } = JSON.parse(submittedText) as { id: string };

    for (const [position, bytes] of files.entries()) {
      const answer = await fetch(`http://127.0.0.1:${port}/api/v1/requests/${id}/documents/${position}`, {
        headers: auth(),
      });
      expect(answer.status).toBe(200);
      const body = Buffer.from(await answer.arrayBuffer());
      expect(body.length).toBe(bytes.length);
      expect(body.equals(bytes)).toBe(true);
      expect(answer.headers.get("x-content-sha256")).toBe(sha256(bytes));
      expect(answer.headers.get("content-length")).toBe(String(bytes.length));
    }
  });

  it("refuses a body declaring more than the limits allow before it is sent (413)", async () => {
    const boundary = "declared-too-much";
    const head = multipartHead(boundary, requestDocument());
    const declared = 200 * MIB;
    const answer = await sendSlowly(
      port,
      {
        ...auth(),
        "content-type": `multipart/form-data; boundary=${boundary}`,
        "content-length": declared,
      },
      head,
      randomBytes(4 * MIB),
    );
    expect(answer.status, answer.body).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 413, title: "Content Too Large" });
    expect(answer.bytesWritten).toBeLessThan(4 * MIB);
  });

  it("refuses a file the moment it passes the limit, without reading the rest, and keeps nothing", async () => {
    const boundary = "file-too-large";
    const head = Buffer.concat([
      multipartHead(boundary, requestDocument({ jurisdiction: "US", process: "subpoena" })),
      filePart(boundary, "fine", randomBytes(PIECE_BYTES * 3)),
    ]);
    // No declared length (chunked): only the file's own limit can stop it. 40 MiB would take ~3 s at this pace.
    const tail = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="big"; filename="big.pdf"\r\ncontent-type: application/pdf\r\n\r\n`,
      ),
      randomBytes(40 * MIB),
    ]);
    const before = await listCount();
    const answer = await sendSlowly(
      port,
      { ...auth(), "content-type": `multipart/form-data; boundary=${boundary}`, "transfer-encoding": "chunked" },
      head,
      tail,
    );
    expect(answer.status, answer.body).toBe(413);
    expect(JSON.parse(answer.body).detail).toMatch(/big\.pdf is larger than the upload limit/);
    expect(answer.bytesWritten).toBeLessThan(MAX_UPLOAD + 8 * MIB);
    expect(await listCount()).toBe(before);
    // The server is still serving.
    expect((await fetch(`http://127.0.0.1:${port}/api/v1/health`)).status).toBe(200);
  });

  it("takes the request document sent as a file (curl -F request=@file) as the document, not as one of the documents", async () => {
    const form = new FormData();
    form.append(
      "request",
      new Blob([requestDocument({ jurisdiction: "US", process: "subpoena" })], { type: "application/json" }),
      "request.json",
    );
    const order = randomBytes(1000);
    form.append("order", new Blob([order], { type: "application/pdf" }), "order.pdf");
    const answer = await fetch(`http://127.0.0.1:${port}/api/v1/requests`, {
      method: "POST",
      headers: auth(),
      body: form,
    });
    const text = await answer.text();
    expect(answer.status, text).toBe(201);
    const { id } = JSON.parse(text) as { id: string };
    const first = await fetch(`http://127.0.0.1:${port}/api/v1/requests/${id}/documents/0`, { headers: auth() });
    expect(Buffer.from(await first.arrayBuffer()).equals(order)).toBe(true);
    expect(
      (await fetch(`http://127.0.0.1:${port}/api/v1/requests/${id}/documents/1`, { headers: auth() })).status,
    ).toBe(404);
  });

  it("refuses a body without the request document, or with it twice, naming `request`, and keeps its files", async () => {
    const withoutRequest = new FormData();
    withoutRequest.append("doc", new Blob([randomBytes(PIECE_BYTES + 10)], { type: "application/pdf" }), "doc.pdf");
    const twice = new FormData();
    twice.append("doc", new Blob([randomBytes(20_000)], { type: "application/pdf" }), "doc.pdf");
    twice.append("request", requestDocument({ jurisdiction: "US", process: "subpoena" }));
    twice.append("request", requestDocument({ jurisdiction: "US", process: "subpoena" }));
    for (const [body, message] of [
      [withoutRequest, /required/],
      [twice, /sent twice/],
    ] as const) {
      const answer = await fetch(`http://127.0.0.1:${port}/api/v1/requests`, { method: "POST", headers: auth(), body });
      expect(answer.status).toBe(400);
      const problem = (await answer.json()) as { errors: { path: string; message: string }[] };
      expect(problem.errors[0]?.path).toBe("request");
      expect(problem.errors[0]?.message).toMatch(message);
    }
    // The last test of this file finds no unlinked blob: the files of both bodies were discarded.
  });

  it("a refused submission (a field at fault) keeps none of its files; nothing is left unlinked", async () => {
    const form = new FormData();
    form.append("request", requestDocument({ jurisdiction: "XX-NOT-A-PLACE" }));
    form.append("doc", new Blob([randomBytes(300_000)], { type: "application/pdf" }), "doc.pdf");
    const answer = await fetch(`http://127.0.0.1:${port}/api/v1/requests`, {
      method: "POST",
      headers: auth(),
      body: form,
    });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(await answer.json())).toMatch(/jurisdiction/);

    // Stop the server (releasing an embedded directory) and look at the store itself.
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    const database = await openDatabase(driver === "pglite" ? { dataDir } : { url });
    try {
      const unlinked = await database.db
        .selectFrom("document_blob as b")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom("request_document as d").select("d.blob_id").whereRef("d.blob_id", "=", "b.id"))),
        )
        .executeTakeFirstOrThrow();
      expect(Number(unlinked.n)).toBe(0);
      const linked = await database.db
        .selectFrom("request_document")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("blob_id", "is not", null)
        .executeTakeFirstOrThrow();
      // The four documents of the first test and the order sent beside a request document as a file.
      expect(Number(linked.n)).toBe(5);
    } finally {
      await database.close();
    }
  });

  async function listCount(): Promise<number> {
    const answer = await fetch(`http://127.0.0.1:${port}/api/v1/requests?limit=200`, { headers: auth() });
    return ((await answer.json()) as { items: unknown[] }).items.length;
  }
});
