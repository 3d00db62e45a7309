import type { MultipartFile } from "@fastify/multipart";

/**
 * The limits of a multipart submission, in one place: the multipart parser's (server/app.ts), the API's
 * early refusal of a declared length beyond them, and the pages' forms.
 */
export const MAX_FILES = 10;
export const MAX_FIELD_BYTES = 1024 * 1024;
/** The API's multipart: the `request` field and the files, with room for the parts' own headers. */
export const MAX_API_FIELDS = 5;

/** The largest body that can be within the limits: anything declaring more is refused unread. */
export function multipartBodyLimit(maxUploadBytes: number): number {
  return MAX_FILES * maxUploadBytes + MAX_API_FIELDS * MAX_FIELD_BYTES + 1024 * 1024;
}

/** A 413 problem; the error handler closes the connection rather than read the rest of such a body. */
export function tooLarge(message: string): Error & { statusCode: number } {
  return Object.assign(new Error(message), { statusCode: 413 });
}

/** The file's bytes; `refuse()` is thrown the moment they pass the parser's limit, the rest never read. */
export async function* withinLimit(file: MultipartFile, refuse: () => Error): AsyncGenerator<Buffer> {
  for await (const chunk of file.file) {
    if (file.file.truncated) throw refuse();
    yield chunk as Buffer;
  }
  if (file.file.truncated) throw refuse();
}
