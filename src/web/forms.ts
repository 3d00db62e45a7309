import type { MultipartFile } from "@fastify/multipart";
import type { FastifyRequest } from "fastify";
import type { Upload } from "../requests/desk.service.js";
import { ValidationError } from "../shared/validation.js";
import { CSRF_FIELD, checkFormCsrf } from "./pages.js";
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
