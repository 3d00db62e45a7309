import type { MultipartFile } from "@fastify/multipart";
import type { FastifyRequest } from "fastify";
import { problemFor } from "../http/problem.js";
import { CSRF_FIELD, checkFormCsrf } from "../http/session.js";
import type { Upload } from "../requests/request.actions.js";
import { DomainError } from "../shared/errors.js";
import { type Problem, ValidationError } from "../shared/validation.js";
import type { FormFields } from "./submission.form.js";

/**
 * A multipart form as the pages receive it (a request with its documents, a policy file). The CSRF
 * token is the form's first field, so it is checked before a single byte of a file is read.
 */
export async function readMultipartForm(
  request: FastifyRequest,
  maxFileBytes: number,
): Promise<{ fields: FormFields; uploads: Upload[] }> {
  if (!request.isMultipart()) {
    throw new ValidationError([{ path: "body", message: "send the form as multipart/form-data" }]);
  }
  const fields: FormFields = {};
  const uploads: Upload[] = [];
  let first = true;
  // A page's form has more fields than the API's multipart (one `request` field and files) allows.
  const parts = request.parts({
    limits: { fields: 300, parts: 320, files: 10, fileSize: maxFileBytes, fieldSize: 1024 * 1024 },
  });
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
    const content = await file.toBuffer();
    // A file input left empty still sends a part, with no name and no bytes.
    if (!file.filename && content.length === 0) continue;
    if (file.file.truncated) {
      throw new ValidationError([
        { path: file.fieldname, message: `${file.filename} is larger than the upload limit` },
      ]);
    }
    uploads.push({
      name: file.filename.slice(0, 255) || "document",
      mediaType: file.mimetype || "application/octet-stream",
      content,
    });
  }
  // An empty form has no first field to carry the token.
  if (request.csrfDeferred) checkFormCsrf(request, undefined);
  return { fields, uploads };
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
