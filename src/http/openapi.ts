import type { SwaggerOptions } from "@fastify/swagger";
import { jsonSchemaTransform } from "fastify-type-provider-zod";
import { z } from "zod";
import { tokenScopeFor } from "../authz/authz.js";
import { packageVersion } from "../shared/package.js";
import type { Access } from "./context.js";
import { CSRF_HEADER, SESSION_COOKIE } from "./session.js";

/**
 * What the OpenAPI document says about every operation at once, derived from what the server does rather
 * than repeated on each route: who may call it (its security requirement, from the route's access rule,
 * the same rule the access hook enforces) and how it fails (every error is an RFC 9457 problem document,
 * http/problem.ts). Each route declares the rest itself: its operationId, parameters, body and 2xx response.
 */

const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe("Every field at fault, as `body.targets[0].value`"),
  })
  .meta({ description: "An RFC 9457 problem document" });

/** Who may call a route, in OpenAPI's words: nobody signed in, a session, or an API token with a scope. */
export function securityOf(access: Access | undefined): Array<Record<string, string[]>> {
  if (access === "public") return [];
  if (access === undefined || access === "signed-in") return [{ session: [] }, { token: [] }];
  const scope = tokenScopeFor(access);
  return scope ? [{ session: [] }, { token: [scope] }] : [{ session: [] }];
}

export function swaggerOptions(): SwaggerOptions {
  return {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Custodian API",
        version: packageVersion(),
        description:
          "Receive, verify, decide, fulfil and account for government requests for user data. " +
          "Errors are application/problem+json (RFC 9457).",
        license: { name: "AGPL-3.0-or-later", identifier: "AGPL-3.0-or-later" },
      },
      // Relative: the document describes the server that serves it.
      servers: [{ url: "/", description: "The Custodian server this document was fetched from" }],
      components: {
        securitySchemes: {
          session: {
            type: "apiKey",
            in: "cookie",
            name: SESSION_COOKIE,
            description: `A browser session from POST /api/v1/session; a write also sends its CSRF token in ${CSRF_HEADER}.`,
          },
          token: {
            type: "http",
            scheme: "bearer",
            description:
              "An agency system's API token (POST /api/v1/tokens), limited to its scopes: requests:read, requests:write.",
          },
        },
        responses: {
          Problem: {
            description: "The request was refused; the problem document says why, naming every field at fault",
            content: { "application/problem+json": { schema: z.toJSONSchema(problemSchema) as never } },
          },
          Unavailable: {
            description:
              "The server could not answer: 503 with Retry-After while the database is away (nothing was done), " +
              "500 for a fault (the problem document gives only its id)",
            content: { "application/problem+json": { schema: z.toJSONSchema(problemSchema) as never } },
          },
        },
      },
    },
    transform: (input) => {
      const transformed = jsonSchemaTransform(input);
      // A route may narrow what its access rule allows (the production download refuses API tokens itself).
      const security = input.route.schema?.security ?? securityOf(input.route.config?.access);
      return { ...transformed, schema: { ...transformed.schema, security } };
    },
    transformObject: (documentObject) => {
      if (!("openapiObject" in documentObject)) return documentObject.swaggerObject;
      const { openapiObject } = documentObject;
      for (const path of Object.values(openapiObject.paths ?? {})) {
        for (const operation of Object.values(path ?? {})) {
          const responses = (operation as { responses?: Record<string, unknown> }).responses;
          if (!responses) continue;
          responses["4XX"] = { $ref: "#/components/responses/Problem" };
          responses["5XX"] = { $ref: "#/components/responses/Unavailable" };
        }
      }
      return openapiObject;
    },
  };
}

/** The response of an operation that answers 204 with no body. */
export const noContent = z.null().meta({ description: "Done; nothing to return" });

/**
 * The body of a file download: bytes, sent as they are (a stream or a buffer, which Fastify never passes
 * through a serialiser), so the handler's type is left open and the document says what the client gets.
 */
export const binary = z.any().meta({ type: "string", format: "binary", description: "The file's bytes" });
