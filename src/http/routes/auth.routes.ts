import { z } from "zod";
import { confirmEmail, enrolTotp, registerOfficer } from "../../auth/accounts.service.js";
import { MIN_PASSWORD_LENGTH } from "../../auth/credentials.js";
import {
  createApiToken,
  listApiTokens,
  MAX_TOKEN_DAYS,
  revokeApiToken,
  signIn,
  signOut,
} from "../../auth/sessions.service.js";
import { authorize } from "../../authz/authz.js";
import { ROLES } from "../../domain/vocabulary.js";
import { text } from "../../shared/validation.js";
import { type App, type AppContext, principalOf } from "../context.js";
import { identityGuard } from "../identity-guard.js";
import { noContent } from "../openapi.js";
import { clearSessionCookie, isSession, setSessionCookie } from "../session.js";

/** Sign-in, sign-out, officer registration and API tokens. */

// Where a bearer token from a mail is tried (confirmation, second-factor enrolment) or an API token is
// minted: a few tries a minute per client address and route. Routes that take an e-mail address share
// the per-person guard of identity-guard.ts instead.
const GUARDED = { max: 10, timeWindow: "1 minute", hook: "preHandler" as const };

const userSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  role: z.enum(ROLES),
  agencyId: z.uuid().nullable(),
});

const confirmationToken = z.string().min(20).max(100);

export async function authRoutes(api: App, context: AppContext): Promise<void> {
  const { db, config, now } = context;
  const guard = identityGuard(api, context);
  api.post(
    "/session",
    {
      config: { access: "public" },
      preHandler: guard,
      schema: {
        operationId: "signIn",
        summary: "Sign in with e-mail, password and the current second-factor code",
        tags: ["session"],
        body: z.strictObject({
          email: z.email().max(254),
          password: z.string().min(1).max(1000),
          code: z.string().regex(/^\d{6}$/, { error: "must be the 6-digit code from the authenticator" }),
        }),
        response: { 200: z.object({ user: userSchema, csrfToken: z.string(), expiresAt: z.string() }) },
      },
    },
    async (request, reply) => {
      const opened = await signIn(db, { ...request.body, userAgent: request.headers["user-agent"] }, now());
      setSessionCookie(reply, opened.sessionSecret, opened.expiresAt);
      const p = opened.principal;
      return {
        user: { id: p.userId, email: p.email, role: p.role, agencyId: p.agencyId },
        csrfToken: opened.csrfToken,
        expiresAt: opened.expiresAt.toISOString(),
      };
    },
  );

  api.get(
    "/session",
    {
      config: { access: "signed-in" },
      schema: {
        operationId: "getSession",
        summary: "Who is signed in",
        tags: ["session"],
        response: { 200: z.object({ user: userSchema, via: z.enum(["session", "token"]) }) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return { user: { id: p.userId, email: p.email, role: p.role, agencyId: p.agencyId }, via: p.via };
    },
  );

  api.delete(
    "/session",
    {
      config: { access: "signed-in" },
      schema: { operationId: "signOut", summary: "Sign out", tags: ["session"], response: { 204: noContent } },
    },
    async (request, reply) => {
      const p = principalOf(request);
      if (isSession(p)) await signOut(db, p, now());
      clearSessionCookie(reply);
      return reply.code(204).send(null);
    },
  );

  api.post(
    "/registrations",
    {
      config: { access: "public" },
      preHandler: guard,
      schema: {
        operationId: "registerOfficer",
        summary: "Register as an officer of an agency, with an e-mail on one of its verified domains",
        tags: ["registration"],
        body: z.strictObject({
          // Any script gets through to the domain check, so a homoglyph attempt is refused by name and audited.
          email: z
            .email({ pattern: z.regexes.unicodeEmail })
            .max(254)
            .refine((s) => !/\p{Cc}/u.test(s), { error: "must not contain control characters" }),
          displayName: text(200),
          password: z.string().min(MIN_PASSWORD_LENGTH).max(1000),
        }),
        response: { 202: z.object({ status: z.literal("confirmation_sent") }) },
      },
    },
    async (request, reply) => {
      await registerOfficer(db, request.body, config.publicUrl, now());
      return reply.code(202).send({ status: "confirmation_sent" as const });
    },
  );

  api.post(
    "/registrations/confirm",
    {
      config: { access: "public", rateLimit: GUARDED },
      schema: {
        operationId: "confirmRegistration",
        summary: "Confirm the e-mail address with the token from the link; returns the second-factor secret",
        tags: ["registration"],
        body: z.strictObject({ token: confirmationToken }),
        response: { 200: z.object({ totpSecret: z.string(), otpauthUri: z.string() }) },
      },
    },
    async (request) => {
      const confirmed = await confirmEmail(db, request.body.token, now());
      return { totpSecret: confirmed.totpSecret, otpauthUri: confirmed.totpUri };
    },
  );

  api.post(
    "/registrations/second-factor",
    {
      config: { access: "public", rateLimit: GUARDED },
      schema: {
        operationId: "enrolSecondFactor",
        summary: "Prove the second factor works; the account then waits for the provider's call-back",
        tags: ["registration"],
        body: z.strictObject({ token: confirmationToken, code: z.string().regex(/^\d{6}$/) }),
        response: { 200: z.object({ status: z.literal("awaiting_callback") }) },
      },
    },
    async (request) => {
      await enrolTotp(db, request.body.token, request.body.code, now());
      return { status: "awaiting_callback" as const };
    },
  );

  const tokenView = z.object({
    id: z.uuid(),
    name: z.string(),
    scopes: z.array(z.string()),
    createdAt: z.string(),
    expiresAt: z.string(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
  });

  api.get(
    "/tokens",
    {
      config: { access: "token.manage" },
      schema: {
        operationId: "listTokens",
        summary: "Your API tokens",
        tags: ["tokens"],
        response: { 200: z.object({ items: z.array(tokenView) }) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      authorize(p, "token.manage");
      return { items: await listApiTokens(db, p) };
    },
  );

  api.post(
    "/tokens",
    {
      config: { access: "token.manage", rateLimit: GUARDED },
      schema: {
        operationId: "createToken",
        summary: "Create an API token for an agency system (shown once)",
        tags: ["tokens"],
        body: z.strictObject({
          name: text(100),
          scopes: z
            .array(z.enum(["requests:read", "requests:write"]))
            .min(1)
            .max(2),
          expiresInDays: z.number().int().min(1).max(MAX_TOKEN_DAYS).default(90),
        }),
        response: { 201: z.object({ token: z.string(), item: tokenView }) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      authorize(p, "token.manage");
      const scopes = [...new Set(request.body.scopes)];
      const created = await createApiToken(db, p, { ...request.body, scopes }, now());
      return reply.code(201).send({ token: created.token, item: created.view });
    },
  );

  api.delete(
    "/tokens/:id",
    {
      config: { access: "token.manage" },
      schema: {
        operationId: "revokeToken",
        summary: "Revoke an API token",
        tags: ["tokens"],
        params: z.strictObject({ id: z.uuid() }),
        response: { 204: noContent },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      authorize(p, "token.manage");
      await revokeApiToken(db, p, request.params.id, now());
      return reply.code(204).send(null);
    },
  );
}
