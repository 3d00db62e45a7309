import type { MultipartFile } from "@fastify/multipart";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { Db } from "../../db/database.js";
import { jurisdictionSchema, processSchema } from "../../domain/domain.schema.js";
import { requestDocumentSchema } from "../../domain/request.schema.js";
import { STATUSES } from "../../domain/vocabulary.js";
import { discardUnlinkedBlobs, type StoredUpload, storeBlob } from "../../requests/documents.store.js";
import { submitRequest, withdrawRequest } from "../../requests/request.actions.js";
import { requestDetailSchema, requestPageSchema, timelineSchema } from "../../requests/request.presenter.js";
import { getDocument, getRequest, listRequests, requestTimeline } from "../../requests/request.queries.js";
import { text, ValidationError } from "../../shared/validation.js";
import { type App, type AppContext, principalOf } from "../context.js";
import { binary } from "../openapi.js";
import { MAX_FIELD_BYTES, MAX_FILES, multipartBodyLimit, tooLarge, withinLimit } from "../uploads.js";
import { zodValidatorCompiler } from "../validation.js";

/** Requests as agencies submit and follow them, and as the desk reads them. */

export const requestIdParams = z.strictObject({ id: z.uuid() });

const listQuery = z.strictObject({
  status: z
    .union([z.enum(STATUSES), z.array(z.enum(STATUSES)).max(STATUSES.length)])
    .optional()
    .transform((s) => (s === undefined ? undefined : Array.isArray(s) ? s : [s])),
  jurisdiction: jurisdictionSchema.optional(),
  process: processSchema.optional(),
  agencyId: z.uuid().optional(),
  deadlineBefore: z.iso.datetime({ offset: true }).optional(),
  sort: z.enum(["deadline", "received"]).default("deadline"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  after: z.string().max(200).optional(),
  /** The `previous` cursor of a page: the page before it. */
  before: z.string().max(200).optional(),
});

async function readSubmission(
  request: FastifyRequest,
  db: Db,
  maxUploadBytes: number,
): Promise<{ document: string; uploads: StoredUpload[] }> {
  if (!request.isMultipart()) {
    if (request.rawBody === undefined) throw new ValidationError([{ path: "body", message: "required" }]);
    return { document: request.rawBody, uploads: [] };
  }
  // A declared length beyond what the limits allow is refused before a byte of it is read.
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > multipartBodyLimit(maxUploadBytes)) {
    throw tooLarge(`the body (${declared} bytes) is larger than ${MAX_FILES} documents at the upload limit allow`);
  }
  // multipart/form-data: a `request` part with the JSON document, and the documents as files, each
  // stored while it arrives. The `request` part may come as a field (`curl -F 'request=<file'`) or as a
  // file (`curl -F request=@file`): either way it is the document, not one of the documents.
  let document: string | undefined;
  const uploads: StoredUpload[] = [];
  try {
    for await (const part of request.parts()) {
      if (part.fieldname === "request") {
        if (document !== undefined) throw new ValidationError([{ path: "request", message: "sent twice" }]);
        document = part.type === "field" ? String(part.value) : await documentPart(part as MultipartFile);
      } else if (part.type === "field") {
        throw new ValidationError([{ path: part.fieldname, message: "unknown field (send `request` and files)" }]);
      } else {
        const file = part as MultipartFile;
        const refuse = () => tooLarge(`${file.filename || file.fieldname} is larger than the upload limit`);
        const stored = await storeBlob(db, withinLimit(file, refuse));
        uploads.push({ ...stored, name: file.filename.slice(0, 255) || "document", mediaType: file.mimetype });
      }
    }
    if (document === undefined) {
      throw new ValidationError([{ path: "request", message: "required (the request JSON)" }]);
    }
  } catch (error) {
    // Nothing of a refused body is kept: the files already stored go with it.
    await discardUnlinkedBlobs(
      db,
      uploads.map((u) => u.blobId),
    );
    // The multipart parser's own complaints (no boundary, a truncated body) are about the request.
    const status = (error as { statusCode?: unknown }).statusCode;
    if (error instanceof ValidationError || (typeof status === "number" && status < 500)) throw error;
    throw new ValidationError([
      { path: "body", message: `is not a valid multipart/form-data body: ${(error as Error).message}` },
    ]);
  }
  return { document, uploads };
}

/** The request document sent as a file part: read whole, within the limit a field has. */
async function documentPart(file: MultipartFile): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  const refuse = () => tooLarge("the request document is larger than the upload limit");
  for await (const chunk of withinLimit(file, refuse)) {
    size += chunk.length;
    if (size > MAX_FIELD_BYTES) {
      throw new ValidationError([{ path: "request", message: `is larger than ${MAX_FIELD_BYTES} bytes` }]);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export async function requestRoutes(api: App, { db, config, now }: AppContext): Promise<void> {
  api.post(
    "/requests",
    {
      config: { access: "request.submit" },
      schema: {
        operationId: "submitRequest",
        summary: "Submit a request document: JSON, or multipart with a `request` field and document files",
        tags: ["requests"],
        querystring: z.strictObject({ agencyId: z.uuid().optional() }),
        // Documented for clients; the body is validated (and kept verbatim) by the intake itself.
        body: requestDocumentSchema.optional(),
        response: {
          201: z.object({ id: z.uuid(), status: z.enum(STATUSES), outcome: z.string() }),
        },
      },
      // Multipart bodies bypass the JSON schema; both paths meet in submitRequest's own validation.
      validatorCompiler: (route) =>
        route.httpPart === "body" ? (data: unknown) => ({ value: data }) : zodValidatorCompiler(route),
    },
    async (request, reply) => {
      const submission = await readSubmission(request, db, config.maxUploadBytes);
      const result = await submitRequest(
        db,
        principalOf(request),
        { ...submission, agencyId: request.query.agencyId },
        config,
        now(),
      );
      return reply
        .code(201)
        .header("location", `/api/v1/requests/${result.id}`)
        .send({ id: result.id, status: result.status, outcome: result.decision.outcome });
    },
  );

  api.get(
    "/requests",
    {
      config: { access: "request.list" },
      schema: {
        operationId: "listRequests",
        summary: "The queue (staff) or your agency's requests (officers), soonest deadline first",
        tags: ["requests"],
        querystring: listQuery,
        response: { 200: requestPageSchema },
      },
    },
    async (request) => {
      const q = request.query;
      return listRequests(db, principalOf(request), {
        status: q.status,
        jurisdiction: q.jurisdiction,
        process: q.process,
        agencyId: q.agencyId,
        deadlineBefore: q.deadlineBefore ? new Date(q.deadlineBefore) : undefined,
        sort: q.sort,
        limit: q.limit,
        after: q.after,
        before: q.before,
      });
    },
  );

  api.get(
    "/requests/:id",
    {
      config: { access: "request.read" },
      schema: {
        operationId: "getRequest",
        summary: "One request, with its decision and reviews for staff",
        tags: ["requests"],
        params: requestIdParams,
        response: { 200: requestDetailSchema },
      },
    },
    async (request) => getRequest(db, principalOf(request), request.params.id),
  );

  api.get(
    "/requests/:id/documents/:position",
    {
      config: { access: "request.read" },
      schema: {
        operationId: "downloadRequestDocument",
        summary: "Download a document submitted with the request",
        tags: ["requests"],
        params: z.strictObject({ id: z.uuid(), position: z.coerce.number().int().min(0).max(100) }),
        response: {
          200: {
            description: "The document as submitted, under the media type it was submitted with",
            content: { "application/octet-stream": { schema: binary } },
          },
        },
      },
    },
    async (request, reply) => {
      const doc = await getDocument(db, principalOf(request), request.params.id, request.params.position);
      return reply
        .type(doc.mediaType)
        .header("content-disposition", `attachment; filename="${doc.name.replace(/[^\w.-]/g, "_")}"`)
        .header("x-content-sha256", doc.sha256)
        .header("content-length", String(doc.sizeBytes))
        .send(doc.content);
    },
  );

  api.get(
    "/requests/:id/timeline",
    {
      config: { access: "request.audit" },
      schema: {
        operationId: "getRequestTimeline",
        summary: "The request's audit timeline",
        tags: ["requests"],
        params: requestIdParams,
        response: { 200: timelineSchema },
      },
    },
    async (request) => ({ items: await requestTimeline(db, principalOf(request), request.params.id) }),
  );

  api.post(
    "/requests/:id/withdraw",
    {
      config: { access: "request.withdraw" },
      schema: {
        operationId: "withdrawRequest",
        summary: "Withdraw a request",
        tags: ["requests"],
        params: requestIdParams,
        body: z.strictObject({ reason: text(2000) }),
        response: { 200: z.object({ status: z.enum(STATUSES) }) },
      },
    },
    async (request) => withdrawRequest(db, principalOf(request), request.params.id, request.body.reason, now()),
  );
}
