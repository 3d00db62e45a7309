import type { MultipartFile } from "@fastify/multipart";
import type { FastifyRequest } from "fastify";
import type { Db } from "../db/database.js";
import { problemFor } from "../http/problem.js";
import { CSRF_FIELD, checkFormCsrf } from "../http/session.js";
import { MAX_FIELD_BYTES, MAX_FILES, withinLimit } from "../http/uploads.js";
import { discardUnlinkedBlobs, type StoredUpload, storeBlob } from "../requests/documents.store.js";
import { DomainError } from "../shared/errors.js";
import { type Problem, ValidationError } from "../shared/validation.js";
import type { FormFields } from "./submission.form.js";

/** A file of a page's form, held in memory (a policy file). */
export interface FormFile {
  name: string;
  mediaType: string;
  content: Buffer;
}

/** Where a form's files go as they arrive: memory (the default) or a store (documents.store.ts). */
export interface FileSink<F> {
  keep(file: { name: string; mediaType: string; bytes: AsyncIterable<Buffer> }): Promise<F>;
  /** The files kept so far, when the form is refused part way. */
  discard?(kept: F[]): Promise<void>;
}

export const inMemory: FileSink<FormFile> = {
  async keep({ name, mediaType, bytes }) {
    const chunks: Buffer[] = [];
    for await (const chunk of bytes) chunks.push(chunk);
    return { name, mediaType, content: Buffer.concat(chunks) };
  },
};

/** A request's documents, stored while they arrive (documents.store.ts). */
export function documentStore(db: Db): FileSink<StoredUpload> {
  return {
    keep: async ({ name, mediaType, bytes }) => ({ ...(await storeBlob(db, bytes)), name, mediaType }),
    discard: (kept) =>
      discardUnlinkedBlobs(
        db,
        kept.map((u) => u.blobId),
      ),
  };
}

/**
 * A multipart form as the pages receive it (a request with its documents, a policy file). The CSRF
 * token is the form's first field, so it is checked before a single byte of a file is read.
 */
export async function readMultipartForm(
  request: FastifyRequest,
  maxFileBytes: number,
): Promise<{ fields: FormFields; uploads: FormFile[] }>;
export async function readMultipartForm<F>(
  request: FastifyRequest,
  maxFileBytes: number,
  sink: FileSink<F>,
): Promise<{ fields: FormFields; uploads: F[] }>;
export async function readMultipartForm<F>(
  request: FastifyRequest,
  maxFileBytes: number,
  sink: FileSink<F> = inMemory as unknown as FileSink<F>,
): Promise<{ fields: FormFields; uploads: F[] }> {
  if (!request.isMultipart()) {
    throw new ValidationError([{ path: "body", message: "send the form as multipart/form-data" }]);
  }
  const fields: FormFields = {};
  const uploads: F[] = [];
  let first = true;
  // A page's form has more fields than the API's multipart (one `request` field and files) allows.
  const parts = request.parts({
    limits: { fields: 300, parts: 320, files: MAX_FILES, fileSize: maxFileBytes, fieldSize: MAX_FIELD_BYTES },
  });
  try {
    for await (const part of parts) {
      if (first && request.csrfDeferred) {
        checkFormCsrf(request, part.type === "field" && part.fieldname === CSRF_FIELD ? String(part.value) : undefined);
      }
      first = false;
      if (part.type === "field") {
        if (part.fieldname === CSRF_FIELD) continue;
        const list = fields[part.fieldname] ?? [];
        list.push(String(part.value));
        fields[part.fieldname] = list;
        continue;
      }
      const file = part as MultipartFile;
      const refuse = () =>
        new ValidationError([{ path: file.fieldname, message: `${file.filename} is larger than the upload limit` }]);
      // A file input left empty still sends a part, with no name and no bytes.
      const unnamed = file.filename ? undefined : await file.toBuffer().catch(() => Promise.reject(refuse()));
      if (unnamed?.length === 0) continue;
      uploads.push(
        await sink.keep({
          name: file.filename.slice(0, 255) || "document",
          mediaType: file.mimetype || "application/octet-stream",
          bytes: unnamed ? oneChunk(unnamed) : withinLimit(file, refuse),
        }),
      );
    }
  } catch (error) {
    await sink.discard?.(uploads);
    throw error;
  }
  // An empty form has no first field to carry the token.
  if (request.csrfDeferred) checkFormCsrf(request, undefined);
  return { fields, uploads };
}

async function* oneChunk(content: Buffer): AsyncGenerator<Buffer> {
  yield content;
}

/**
 * A page form that was refused: its problems (paths named `form.field`, so that each lands beside its
 * field and the summary links to it), the values sent (so nothing typed is lost) and the status to answer.
 */
export interface FormFailure {
  form: string;
  problems: Problem[];
  values: Record<string, string>;
  status: number;
}

/**
 * Run a page form's action, or say why it cannot run: bad input (the route's schema, which the route
 * lets through with `attachValidation`) or a change the domain refused. Anything else (a refusal of
 * access, a fault) goes on to the error page.
 */
export async function attemptForm<T>(
  form: string,
  request: FastifyRequest,
  act: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; failure: FormFailure }> {
  const failure = (error: unknown): FormFailure | undefined => {
    const refused =
      error instanceof ValidationError ||
      (error instanceof DomainError && ["conflict", "invalid_transition", "not_found"].includes(error.code));
    if (!refused) return undefined;
    const problems =
      error instanceof ValidationError
        ? error.problems.map((p) => ({ ...p, path: `${form}.${p.path.replace(/^body\.?/, "")}`.replace(/\.$/, "") }))
        : [{ path: form, message: (error as Error).message }];
    const body = (request.body ?? {}) as Record<string, unknown>;
    const values = Object.fromEntries(
      Object.entries(body).filter(([name, value]) => name !== CSRF_FIELD && typeof value === "string"),
    ) as Record<string, string>;
    return { form, problems, values, status: problemFor(error, request).status };
  };
  if (request.validationError) {
    const refused = failure(request.validationError);
    if (!refused) throw request.validationError;
    return { ok: false, failure: refused };
  }
  try {
    return { ok: true, value: await act() };
  } catch (error) {
    const refused = failure(error);
    if (!refused) throw error;
    return { ok: false, failure: refused };
  }
}
