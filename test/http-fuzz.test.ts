import { createHash, randomUUID } from "node:crypto";
import fc from "fast-check";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Action, may, type Principal } from "../src/authz/authz.js";
import { jurisdictionSchema, processSchema } from "../src/domain/domain.schema.js";
import { STATUSES } from "../src/domain/vocabulary.js";
import type { RouteEntry } from "../src/http/context.js";
import { CSRF_HEADER, SESSION_COOKIE } from "../src/http/session.js";
import { periodSchema } from "../src/reports/period.js";
import { auditSince, isProblem, lastAuditId, multipart, nextAddress, signInAs, tableCounts } from "./support/attack.js";
import { DRIVERS } from "./support/db.js";
import { requestDocument } from "./support/fixtures.js";
import { type Desk, openDesk, PASSWORD, principalOf, type Session } from "./support/http.js";

/**
 * Malformed requests to every route, as every kind of caller. Each generated request carries at least one
 * defect that makes it wrong whoever sends it (bad credentials, a role that may not, an invalid or unknown
 * id, a query or body the route's schema refuses, a content type nobody parses, a broken path). The
 * answer must be a 4xx problem document, never a 5xx and never a 2xx; and nothing may be half-written:
 * every table keeps its row count, except the audit trail, which may only gain refusals.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
// A refused download is audited by the download service itself (fulfilment: every refused attempt is recorded).
const REFUSALS = new Set(["security.refused", "session.refused", "production.download_refused"]);

/** What a well-formed call of each route looks like; a case breaks exactly one part of it (at least). */
interface RouteSpec {
  body?: () => Record<string, unknown>;
  query?: Record<string, string>;
  /** Known query keys, each with a generator of values its schema refuses. */
  badQuery?: Record<string, fc.Arbitrary<string | string[]>>;
}

const uuidSchema = z.uuid();
const positionSchema = z.coerce.number().int().min(0).max(100);
const isoSchema = z.iso.datetime({ offset: true });

const junk = fc.string({ unit: "binary", maxLength: 40 });
const refused = (arb: fc.Arbitrary<string>, ok: (s: string) => boolean) => arb.filter((s) => s !== "" && !ok(s));
const badUuid = refused(
  fc.oneof(junk, fc.constantFrom("0", "null", "' OR 1=1 --", "../../etc")),
  (s) => uuidSchema.safeParse(s).success,
);
const badLimit = (max: number) =>
  refused(
    fc.oneof(junk, fc.constantFrom("0", "-1", "1e9", "NaN", "3.5", String(max + 1))),
    (s) => z.coerce.number().int().min(1).max(max).safeParse(s).success,
  );
const badEnum = (values: readonly string[]) => refused(junk, (s) => values.includes(s));

/** What the queue's cursors (after, before) may look like without being refused: a pair of strings. */
function requestCursorLike(s: string): boolean {
  try {
    const decoded = JSON.parse(Buffer.from(s, "base64url").toString("utf8"));
    return Array.isArray(decoded) && typeof decoded[0] === "string" && typeof decoded[1] === "string";
  } catch {
    return s.length > 200;
  }
}

const ROUTES: Record<string, RouteSpec> = {
  "POST /api/v1/session": { body: () => ({ email: "agent.smith@fbi.gov", password: PASSWORD, code: "123456" }) },
  "GET /api/v1/session": {},
  "DELETE /api/v1/session": {},
  "POST /api/v1/registrations": {
    body: () => ({ email: "new.officer@fbi.gov", displayName: "New Officer", password: PASSWORD }),
  },
  "POST /api/v1/registrations/confirm": { body: () => ({ token: "a".repeat(30) }) },
  "POST /api/v1/registrations/second-factor": { body: () => ({ token: "a".repeat(30), code: "123456" }) },
  "GET /api/v1/tokens": {},
  "POST /api/v1/tokens": { body: () => ({ name: "fuzz", scopes: ["requests:read"] }) },
  "DELETE /api/v1/tokens/:id": {},
  "POST /api/v1/requests": {
    body: () =>
      JSON.parse(requestDocument({ jurisdiction: "US", process: "subpoena", categories: ["subscriber.email"] })),
    badQuery: { agencyId: badUuid },
  },
  "GET /api/v1/requests": {
    query: { limit: "5" },
    badQuery: {
      status: fc.oneof(
        badEnum(STATUSES),
        fc.tuple(fc.constantFrom(...STATUSES), badEnum(STATUSES)).map(([a, b]) => [a, b]),
      ),
      jurisdiction: refused(junk, (s) => jurisdictionSchema.safeParse(s).success),
      process: refused(junk, (s) => processSchema.safeParse(s).success),
      agencyId: badUuid,
      deadlineBefore: refused(
        fc.oneof(junk, fc.constantFrom("2020-13-01T00:00:00Z", "yesterday")),
        (s) => isoSchema.safeParse(s).success,
      ),
      limit: badLimit(200),
      after: refused(fc.oneof(junk, fc.base64String({ minLength: 4, maxLength: 60 })), requestCursorLike),
      before: refused(fc.oneof(junk, fc.base64String({ minLength: 4, maxLength: 60 })), requestCursorLike),
    },
  },
  "GET /api/v1/requests/:id": {},
  "GET /api/v1/requests/:id/documents/:position": {},
  "GET /api/v1/requests/:id/timeline": {},
  "POST /api/v1/requests/:id/withdraw": { body: () => ({ reason: "fuzz" }) },
  "POST /api/v1/requests/:id/advance": { body: () => ({ to: "verifying", note: "fuzz" }) },
  "POST /api/v1/requests/:id/callback": { body: () => ({ confirmed: false, note: "fuzz" }) },
  "GET /api/v1/requests/:id/callback-number": {},
  "POST /api/v1/requests/:id/callback-number/review": { body: () => ({ dial: "on_record", note: "fuzz" }) },
  "POST /api/v1/requests/:id/reviews": { body: () => ({ verdict: "recommend_reject" }) },
  "GET /api/v1/jurisdictions": {},
  "POST /api/v1/jurisdictions/:code/pause": { body: () => ({ reason: "fuzz" }) },
  "POST /api/v1/jurisdictions/:code/resume": { body: () => ({ reason: "fuzz" }) },
  "GET /api/v1/policy": {},
  "POST /api/v1/policy": { body: () => ({ document: "policy: 1\nname: Fuzz\n" }) },
  "GET /api/v1/audit/verify": {},
  "GET /api/v1/audit/events": {
    query: { limit: "5" },
    badQuery: {
      objectType: refused(junk, (s) => /^[a-z_]{1,40}$/.test(s)),
      action: refused(junk, (s) => /^[a-z_]{1,40}\.[a-z_]{1,40}$/.test(s)),
      from: refused(
        fc.oneof(junk, fc.constantFrom("2020-13-01T00:00:00Z", "yesterday")),
        (s) => isoSchema.safeParse(s).success,
      ),
      order: badEnum(["newest", "oldest"]),
      limit: badLimit(200),
      after: refused(fc.oneof(junk, fc.base64String({ minLength: 4, maxLength: 60 })), (s) => {
        try {
          const decoded = JSON.parse(Buffer.from(s, "base64url").toString("utf8"));
          return Array.isArray(decoded) && typeof decoded[0] === "number";
        } catch {
          return s.length > 200;
        }
      }),
    },
  },
  "GET /api/v1/outbox": {
    query: { limit: "5" },
    badQuery: {
      recipient: refused(junk, (s) => z.email().safeParse(s).success),
      limit: badLimit(500),
    },
  },
  "GET /api/v1/users": {
    badQuery: { status: badEnum(["pending", "active", "suspended"]), agencyId: badUuid },
  },
  "POST /api/v1/users": {
    body: () => ({ email: "fuzz@provider.example", displayName: "Fuzz", role: "auditor" }),
  },
  "GET /api/v1/user-changes": { badQuery: { status: badEnum(["pending", "all"]) } },
  "POST /api/v1/user-changes/:id/approve": {},
  "POST /api/v1/user-changes/:id/reject": {},
  "POST /api/v1/users/:id/setup-link": {},
  "POST /api/v1/users/:id/reactivate": {},
  "POST /api/v1/users/:id/activate": { body: () => ({ confirmed: false, note: "fuzz" }) },
  "POST /api/v1/users/:id/callback-number/review": { body: () => ({ dial: "on_file", note: "fuzz" }) },
  "POST /api/v1/users/:id/suspend": { body: () => ({ reason: "fuzz" }) },
  "POST /api/v1/users/:id/release-holds": { body: () => ({ note: "fuzz" }) },
  "POST /api/v1/requests/:id/release": { body: () => ({ note: "fuzz" }) },
  "GET /api/v1/requests/:id/emergency-page": {},
  "GET /api/v1/requests/:id/messages": {},
  "POST /api/v1/requests/:id/messages": { body: () => ({ kind: "acknowledgement" }) },
  "GET /api/v1/requests/:id/messages/:messageId": {},
  "GET /api/v1/requests/:id/messages/:messageId/pdf": {},
  "POST /api/v1/requests/:id/messages/:messageId/answer": { body: () => ({ answer: "fuzz" }) },
  "POST /api/v1/requests/:id/order-facts": {
    body: () => ({ illegalContentCategory: "STATEMENT_CATEGORY_SCAMS_AND_FRAUD" }),
  },
  "POST /api/v1/requests/:id/emergency-page/acknowledgement": {},
  "GET /api/v1/requests/:id/enforcing-state": {},
  "POST /api/v1/requests/:id/enforcing-state/notification": {
    body: () => ({ enforcingState: "DE", notifiedAt: "2026-12-01T10:00:00Z" }),
  },
  "POST /api/v1/requests/:id/enforcing-state/answers": {
    body: () => ({ kind: "refusal", grounds: ["ne_bis_in_idem"], answeredAt: "2026-12-01T10:00:00Z" }),
  },
  "GET /api/v1/requests/:id/publication": {},
  "POST /api/v1/requests/:id/publication": {
    body: () => ({ redactions: [{ field: "reference", reason: "fuzz" }], summary: "fuzz" }),
  },
  "POST /api/v1/requests/:id/publication/approval": { body: () => ({ version: 1 }) },
  "GET /api/v1/publications": {},
  "GET /api/v1/publications/lumen": {},
  "GET /api/v1/health": {},
  "GET /api/v1/ready": {},
  "GET /api/v1/openapi.json": {},
  "GET /api/v1/agencies": {},
  "GET /api/v1/agencies/:id": {},
  "POST /api/v1/agencies": { body: () => ({ name: "Fuzz Agency", jurisdiction: "FR" }) },
  "POST /api/v1/agencies/:id/changes": { body: () => ({ kind: "set_phone", value: "+12025550100" }) },
  "POST /api/v1/agency-changes/:id/approve": {},
  "POST /api/v1/agency-changes/:id/reject": {},
  "GET /api/v1/productions/:id/download": {},
  "GET /api/v1/requests/:id/productions": {},
  "GET /api/v1/reports/:period": {},
  "GET /api/v1/reports/:period/versions": {},
  "GET /api/v1/reports/:period/versions/:version": {},
  // The note is optional (a first version needs none): a template with it would make "missing key" a valid call.
  "POST /api/v1/reports/:period/versions": { body: () => ({}) },
  "GET /api/v1/canary": {},
  "GET /api/v1/addressees": {},
};

/**
 * Bodies the schema accepts but the desk must still refuse: an address on no verified domain, a token or
 * code nobody issued, a policy that is not one. These reach the services (and their refusal audits).
 */
const word = (max: number) =>
  fc.string({ unit: "binary", minLength: 1, maxLength: max }).filter((s) => !/[\s@"]/u.test(s));
const VERIFIED = new Set(["fbi.gov", "met.police.uk"]);
const FIELD_JUNK: Record<string, fc.Arbitrary<Record<string, string>>> = {
  "POST /api/v1/registrations": fc
    .tuple(word(30), word(40))
    .filter(([, domain]) => !VERIFIED.has(domain.toLowerCase()))
    .map(([local, domain]) => ({ email: `${local}@${domain}` })),
  "POST /api/v1/registrations/confirm": fc.string({ minLength: 20, maxLength: 100 }).map((token) => ({ token })),
  "POST /api/v1/registrations/second-factor": fc
    .tuple(fc.string({ minLength: 20, maxLength: 100 }), fc.integer({ min: 0, max: 999_999 }))
    .map(([token, code]) => ({ token, code: String(code).padStart(6, "0") })),
  "POST /api/v1/policy": fc
    .oneof(
      fc.string({ unit: "binary", minLength: 1, maxLength: 400 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.constantFrom("policy: 1", "policy: 2\nname: x", "&a [*a]", "!!js/function 'x'", "---\n---\n", "{{{{", "a: *b"),
    )
    .map((document) => ({ document })),
};

interface Route extends RouteEntry {
  key: string;
  spec: RouteSpec;
  params: string[];
}

/** Who calls. A caller with `principal` is signed in (session with its CSRF token, or an API token). */
interface Caller {
  name: string;
  headers: Record<string, string>;
  principal?: Principal;
  /** A live session: its cookie alone (without the CSRF token) makes a write defective. */
  cookie?: string;
}

type Defect =
  | { kind: "badAuth"; header: string }
  | { kind: "noCsrf"; csrf: string | null }
  | { kind: "anonymous"; cookie: string | null }
  | { kind: "role" }
  | { kind: "paramInvalid"; name: string; value: string }
  | { kind: "paramUnknown" }
  | { kind: "badPath"; junk: string }
  | { kind: "queryUnknown"; key: string; value: string }
  | { kind: "queryBad"; key: string; value: string | string[] }
  | { kind: "jsonSyntax"; text: string }
  | { kind: "jsonShape"; value: unknown }
  | { kind: "wrongType"; key: string; value: unknown }
  | { kind: "missingKey"; key: string }
  | { kind: "huge"; key: string; length: number; char: string }
  | { kind: "deep"; depth: number; shape: "array" | "object"; where: "body" | "field" }
  | { kind: "mediaType"; contentType: string; text: string }
  | { kind: "textBody"; contentType: string; text: string }
  | { kind: "multipartJunk"; text: string; boundary: boolean }
  | { kind: "nul"; key: string; text: string }
  | { kind: "fieldJunk"; fields: Record<string, string> };

interface Case {
  route: string;
  caller: string;
  defect: Defect;
  /** Index into the pool of real ids (or a random unknown one) for parameters the defect leaves alone. */
  ids: number;
  noiseQuery: Array<[string, string]>;
  noiseHeaders: Record<string, string>;
}

const UNSUPPORTED = [
  "application/xml",
  "text/html",
  "application/x-www-form-urlencoded",
  "image/png",
  "application/octet-stream",
  "text/csv",
  "foo/bar",
  "application/vnd.custodian+json",
];

const typeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
const anyJson = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);
const POLLUTION = [
  { __proto__: { role: "admin" } },
  JSON.parse('{"__proto__": {"role": "admin", "verified": true}}'),
  { constructor: { prototype: { role: "admin" } } },
];

function encode(value: string): string {
  // Lone surrogates cannot be percent-encoded; a replacement character stands in for them.
  return encodeURIComponent(
    value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD"),
  );
}

function deep(depth: number, shape: "array" | "object"): string {
  return shape === "array"
    ? `${"[".repeat(depth)}${"]".repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

describe.each(DRIVERS)("malformed requests to every route on %s", (driver) => {
  let desk: Desk;
  let routes: Route[];
  let callers: Caller[];
  let ids: Record<string, string[]>;
  /** Authorization headers that identify nobody (the revoked token is added once it exists). */
  const BAD_AUTH: string[] = [];

  beforeAll(async () => {
    desk = await openDesk(driver);
    const sessions: Array<[string, Session]> = [];
    for (const name of ["officerA", "officerB", "intake", "reviewer", "counsel", "admin", "auditor"] as const) {
      sessions.push([name, await signInAs(desk, desk.accounts[name])]);
    }
    const byName = Object.fromEntries(sessions) as Record<string, Session>;
    const post = async (session: Session, url: string, payload: object | string, headers = {}) => {
      const response = await desk.app.inject({
        method: "POST",
        url,
        headers: { ...session.headers, ...headers },
        payload,
      });
      if (response.statusCode >= 300) throw new Error(`${url}: ${response.body}`);
      return response.json() as { id: string; token: string; item: { id: string } };
    };

    // Real objects, so that a defect is tested against ids that exist as well as ids that do not.
    const requestA = await post(
      byName.officerA as Session,
      "/api/v1/requests",
      requestDocument({ jurisdiction: "US", process: "subpoena", categories: ["subscriber.email"] }),
      { "content-type": "application/json" },
    );
    const pdf = Buffer.from(`%PDF-1.4\n${randomUUID()}\n%%EOF\n`);
    const upload = multipart([
      {
        name: "request",
        value: requestDocument({
          jurisdiction: "GB",
          process: "court_order",
          categories: ["subscriber.phone"],
          documents: [{ name: "order.pdf", sha256: createHash("sha256").update(pdf).digest("hex") }],
        }),
      },
      { name: "order", filename: "order.pdf", contentType: "application/pdf", content: pdf },
    ]);
    const requestB = await post(byName.officerB as Session, "/api/v1/requests", upload.payload, {
      "content-type": upload.contentType,
    });
    const change = await post(byName.admin as Session, `/api/v1/agencies/${desk.agencies.a}/changes`, {
      kind: "add_domain",
      value: "ic3.gov",
    });
    const writeToken = await post(byName.officerA as Session, "/api/v1/tokens", {
      name: "write",
      scopes: ["requests:read", "requests:write"],
    });
    const readToken = await post(byName.officerA as Session, "/api/v1/tokens", {
      name: "read",
      scopes: ["requests:read"],
    });
    // A signed-out session and a revoked token: credentials that were real once.
    const gone = await signInAs(desk, desk.accounts.officerB);
    await desk.app.inject({ method: "DELETE", url: "/api/v1/session", headers: gone.headers });
    const revoked = await post(byName.officerB as Session, "/api/v1/tokens", {
      name: "revoked",
      scopes: ["requests:read"],
    });
    await desk.app.inject({
      method: "DELETE",
      url: `/api/v1/tokens/${revoked.item.id}`,
      headers: (byName.officerB as Session).headers,
    });

    ids = {
      id: [
        requestA.id,
        requestB.id,
        desk.agencies.a,
        desk.agencies.b,
        change.id,
        writeToken.item.id,
        desk.accounts.officerA.userId,
        desk.accounts.intake.userId,
        desk.accounts.admin.userId,
      ],
      code: ["GB", "HK", "US", "FR"],
      position: ["0", "1"],
      // No message exists under these: each answers not found, or is refused before it is looked up.
      messageId: ["00000000-0000-4000-8000-000000000000"],
      period: ["2020H2", "2019H1", "2025", "2025Q3"],
      version: ["1", "2"],
    };

    callers = [
      { name: "anonymous", headers: {} },
      ...sessions.map(([name, session]) => ({
        name,
        headers: session.headers,
        principal: principalOf(session.account),
        cookie: session.headers.cookie as string,
      })),
      {
        name: "token:write",
        headers: { authorization: `Bearer ${writeToken.token}` },
        principal: {
          ...principalOf(desk.accounts.officerA),
          via: "token",
          scopes: ["requests:read", "requests:write"],
        },
      },
      {
        name: "token:read",
        headers: { authorization: `Bearer ${readToken.token}` },
        principal: { ...principalOf(desk.accounts.officerA), via: "token", scopes: ["requests:read"] },
      },
      // Credentials that do not identify anyone: anonymous, as far as the routes are concerned.
      { name: "signed-out session", headers: gone.headers },
      { name: "unknown session", headers: { cookie: `${SESSION_COOKIE}=${"A".repeat(43)}` } },
      { name: "junk cookie", headers: { cookie: "=;;; custodian_session; %zz=%%; a=\u00ff" } },
    ];
    const revokedBearer = `Bearer ${revoked.token}`;

    // The API's routes: the web pages answer with pages and redirects, not problem documents, and are
    // walked by the authorization test and test/web/ instead.
    routes = desk.app.routeTable
      // The public report page and its CSV answer HTML and text, not problem documents: the API only.
      .filter((r) => r.url.startsWith("/api/v1"))
      .map((r) => ({ ...r }))
      .concat(
        desk.app.routeTable.some((r) => r.url === "/api/v1/openapi.json")
          ? []
          : [{ method: "GET", url: "/api/v1/openapi.json", access: "public", page: false }],
      )
      .map((r) => {
        const key = `${r.method} ${r.url}`;
        const spec = ROUTES[key];
        if (!spec) throw new Error(`no fuzz spec for ${key}: add one to ROUTES`);
        return { ...r, key, spec, params: [...r.url.matchAll(/:(\w+)/g)].map((m) => m[1] as string) };
      });
    // Every route in the spec exists, and every route is in the spec.
    expect(routes.map((r) => r.key).sort()).toEqual(Object.keys(ROUTES).sort());
    BAD_AUTH.push(revokedBearer);
  });
  afterAll(async () => {
    await desk?.close();
  });

  function defectsFor(route: Route, caller: Caller): fc.Arbitrary<Defect>[] {
    const write = route.method !== "GET";
    const hasBody = route.spec.body !== undefined;
    const out: fc.Arbitrary<Defect>[] = [
      fc
        .oneof(
          fc.constantFrom(...BAD_AUTH, "", "Bearer", "Bearer cust_", "Basic YWRtaW46YWRtaW4=", "Bearer  cust_x y"),
          fc.string({ maxLength: 80 }).map((s) => `Bearer cust_${s}`),
          fc.string({ maxLength: 80 }).map((s) => `Bearer ${s}`),
          fc.string({ maxLength: 80 }),
        )
        .map((header) => ({ kind: "badAuth" as const, header })),
      fc.string({ maxLength: 12 }).map((junk) => ({ kind: "badPath" as const, junk })),
    ];
    if (caller.cookie && write) {
      out.push(
        fc.option(fc.string({ maxLength: 60 }), { nil: null }).map((csrf) => ({ kind: "noCsrf" as const, csrf })),
      );
    }
    if (route.access !== "public") {
      out.push(
        fc
          .option(fc.constantFrom(`${SESSION_COOKIE}=forged`, "x=1", `${SESSION_COOKIE}=`), { nil: null })
          .map((cookie) => ({ kind: "anonymous" as const, cookie })),
      );
    }
    const access = route.access;
    if (caller.principal && access && access !== "public" && access !== "signed-in") {
      if (!may(caller.principal, access as Action)) out.push(fc.constant({ kind: "role" as const }));
    }
    for (const name of route.params) {
      const bad =
        name === "id" || name === "messageId"
          ? badUuid
          : name === "code"
            ? refused(junk, (s) => jurisdictionSchema.safeParse(s).success)
            : name === "period"
              ? refused(
                  fc.oneof(junk, fc.constantFrom("2020H3", "20H1", "1969H2", "2020h1", "2020Q5", "2020q3", "1969")),
                  (s) => periodSchema.safeParse(s).success,
                )
              : refused(junk, (s) => positionSchema.safeParse(s).success);
      out.push(bad.map((value) => ({ kind: "paramInvalid" as const, name, value })));
    }
    if (route.params.includes("id")) out.push(fc.constant({ kind: "paramUnknown" as const }));
    if (route.spec.badQuery || route.spec.query) {
      out.push(
        fc
          .tuple(fc.string({ unit: "binary", minLength: 1, maxLength: 20 }), fc.string({ maxLength: 20 }))
          .map(([key, value]) => ({ kind: "queryUnknown" as const, key: `x${key}`, value })),
      );
    }
    for (const [key, values] of Object.entries(route.spec.badQuery ?? {})) {
      out.push(values.map((value) => ({ kind: "queryBad" as const, key, value })));
    }
    if (write) {
      out.push(
        fc
          .tuple(fc.constantFrom(...UNSUPPORTED), fc.string({ unit: "binary", minLength: 1, maxLength: 200 }))
          .map(([contentType, text]) => ({ kind: "mediaType" as const, contentType, text })),
      );
    }
    if (hasBody) {
      const template = route.spec.body?.() ?? {};
      const keys = Object.keys(template);
      out.push(
        refused(fc.string({ unit: "binary", maxLength: 200 }), (s) => {
          try {
            JSON.parse(s);
            return true;
          } catch {
            return false;
          }
        }).map((text) => ({ kind: "jsonSyntax" as const, text })),
        fc
          .oneof(
            fc
              .jsonValue({ maxDepth: 4 })
              .map((v) => (typeOf(v) === "object" ? { ...(v as object), zz_unknown: true } : v)),
            fc.constantFrom(...POLLUTION).map((p) => ({ ...template, ...p, zz_unknown: 1 })),
            fc
              .dictionary(fc.string({ unit: "binary", maxLength: 10 }), anyJson, { minKeys: 1, maxKeys: 5 })
              .map((d) => ({ ...d, zz_unknown: 1 })),
          )
          .filter((v) => !(route.url.endsWith("/policy") && typeof v === "string"))
          .map((value) => ({ kind: "jsonShape" as const, value })),
        fc.integer({ min: 1, max: 50_000 }).chain((depth) =>
          fc.record({
            kind: fc.constant("deep" as const),
            depth: fc.constant(depth),
            shape: fc.constantFrom("array" as const, "object" as const),
            where: fc.constantFrom("body" as const, "field" as const),
          }),
        ),
        fc
          .tuple(fc.boolean(), fc.string({ maxLength: 300 }))
          .map(([boundary, text]) => ({ kind: "multipartJunk" as const, text, boundary })),
        fc
          .tuple(fc.constantFrom("text/plain", "text/yaml", "application/yaml"), fc.string({ maxLength: 300 }))
          .map(([contentType, text]) => ({ kind: "textBody" as const, contentType, text })),
      );
      // Secrets are hashed, never stored: a NUL in a password is just a character.
      const strings = keys.filter((k) => typeof template[k] === "string" && !["password", "code", "token"].includes(k));
      if (strings.length > 0) {
        // PostgreSQL stores no NUL character in text or jsonb: a string carrying one is refused at the edge.
        out.push(
          fc
            .tuple(fc.constantFrom(...strings), fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }))
            .map(([key, a, b]) => ({ kind: "nul" as const, key, text: `${a}\u0000${b}` })),
        );
      }
      const fieldJunk = FIELD_JUNK[route.key];
      if (fieldJunk) out.push(fieldJunk.map((fields) => ({ kind: "fieldJunk" as const, fields })));
      if (keys.length > 0) {
        out.push(
          fc
            .constantFrom(...keys)
            .chain((key) =>
              anyJson
                .filter((v) => typeOf(v) !== typeOf(template[key]))
                .map((value) => ({ kind: "wrongType" as const, key, value })),
            ),
          fc.constantFrom(...keys).map((key) => ({ kind: "missingKey" as const, key })),
          fc
            .tuple(
              fc.constantFrom(...keys.filter((k) => typeof template[k] === "string"), "zz_unknown"),
              fc.integer({ min: 5_000, max: 1_100_000 }),
              fc.constantFrom("x", "\u00e9", "\u{1F600}", "\\", '"', "\u0000"),
            )
            .map(([key, length, char]) => ({ kind: "huge" as const, key, length, char })),
        );
      }
    }
    return out;
  }

  function caseArb(): fc.Arbitrary<Case> {
    return fc
      .record({ route: fc.nat(routes.length - 1), caller: fc.nat(callers.length - 1) })
      .chain(({ route: r, caller: c }) => {
        const route = routes[r] as Route;
        const caller = callers[c] as Caller;
        const hasQuerySchema = Boolean(route.spec.badQuery || route.spec.query);
        return fc.record({
          route: fc.constant(route.key),
          caller: fc.constant(caller.name),
          defect: fc.oneof(...defectsFor(route, caller)),
          ids: fc.nat(20),
          noiseQuery: hasQuerySchema
            ? fc.constant([])
            : fc.array(fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 30 })), { maxLength: 3 }),
          noiseHeaders: fc.record(
            {
              accept: fc.constantFrom("*/*", "application/xml", "text/html", "garbage/;;", ""),
              "user-agent": fc.string({ maxLength: 300 }),
              "x-forwarded-for": fc.string({ maxLength: 40 }),
              origin: fc.constantFrom("https://evil.example", "null"),
              "x-http-method-override": fc.constantFrom("DELETE", "PUT", "GET"),
            },
            { requiredKeys: [] },
          ),
        });
      });
  }

  /** Turn a generated case into the request it describes. */
  function build(c: Case) {
    const route = routes.find((r) => r.key === c.route) as Route;
    const caller = callers.find((x) => x.name === c.caller) as Caller;
    const d = c.defect;
    let headers: Record<string, string> = { ...c.noiseHeaders, ...caller.headers };
    if (d.kind === "badAuth") headers.authorization = d.header;
    if (d.kind === "noCsrf") {
      headers = { ...c.noiseHeaders, cookie: caller.cookie as string };
      if (d.csrf !== null) headers[CSRF_HEADER] = d.csrf;
    }
    if (d.kind === "anonymous") {
      headers = { ...c.noiseHeaders };
      if (d.cookie) headers.cookie = d.cookie;
    }

    let path = route.url;
    for (const name of route.params) {
      const pool = ids[name] as string[];
      let value = c.ids < pool.length ? (pool[c.ids] as string) : name === "id" ? randomUUID() : (pool[0] as string);
      if (d.kind === "paramUnknown" && name === "id") value = randomUUID();
      path = path.replace(`:${name}`, d.kind === "paramInvalid" && d.name === name ? encode(d.value) : value);
    }
    if (d.kind === "badPath") path = `${path}%${encode(d.junk).replace(/%/g, "")}%zz`;

    const query: Array<[string, string]> = Object.entries(route.spec.query ?? {});
    if (d.kind === "queryUnknown") query.push([d.key, d.value]);
    if (d.kind === "queryBad") {
      for (const v of [d.value].flat()) query.push([d.key, v]);
    }
    query.push(...c.noiseQuery);
    const search = query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join("&");
    const url = search ? `${path}?${search}` : path;

    const template = route.spec.body?.();
    let payload: string | Buffer | undefined;
    let contentType: string | undefined;
    const json = (value: unknown) => {
      payload = JSON.stringify(value);
      contentType = "application/json";
    };
    if (template !== undefined) json(template);
    switch (d.kind) {
      case "jsonSyntax":
        payload = d.text;
        contentType = "application/json";
        break;
      case "jsonShape":
        json(d.value);
        break;
      case "wrongType":
        json({ ...template, [d.key]: d.value });
        break;
      case "missingKey": {
        const { [d.key]: _dropped, ...rest } = template ?? {};
        json(rest);
        break;
      }
      case "nul":
        json({ ...template, [d.key]: d.text });
        break;
      case "fieldJunk":
        json({ ...template, ...d.fields });
        break;
      case "huge":
        json({ ...template, [d.key]: d.char.repeat(Math.ceil(d.length / d.char.length)) });
        break;
      case "deep": {
        const nested = deep(d.depth, d.shape);
        const key = Object.keys(template ?? {})[0] ?? "zz_unknown";
        payload = d.where === "body" ? nested : JSON.stringify({ ...template, [key]: null }).replace("null", nested);
        contentType = "application/json";
        break;
      }
      case "mediaType":
      case "textBody":
        payload = d.text;
        contentType = d.contentType;
        break;
      case "multipartJunk":
        payload = d.text;
        contentType = d.boundary ? "multipart/form-data; boundary=----x" : "multipart/form-data";
        break;
      default:
        break;
    }
    if (route.method === "GET" || route.method === "DELETE") {
      if (!["mediaType"].includes(d.kind)) {
        payload = undefined;
        contentType = undefined;
      }
    }
    if (contentType) headers["content-type"] = contentType;
    return { method: route.method as "GET" | "POST" | "DELETE", url, headers, payload };
  }

  const describeCase = (c: Case, response: LightMyRequestResponse) =>
    `${c.route} as ${c.caller} with ${JSON.stringify(c.defect).slice(0, 300)} → ${response.statusCode} ${String(
      response.headers["content-type"],
    )} ${response.body.slice(0, 300)}`;

  it(`answers ${RUNS} malformed requests with 4xx problem documents and writes nothing`, async () => {
    const before = await tableCounts(desk);
    const since = await lastAuditId(desk);
    const statuses = new Map<number, number>();
    const kinds = new Map<string, number>();
    const seenRoutes = new Set<string>();
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(caseArb(), async (c) => {
        const request = build(c);
        const response = await desk.app.inject({ ...request, remoteAddress: nextAddress() });
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        kinds.set(c.defect.kind, (kinds.get(c.defect.kind) ?? 0) + 1);
        seenRoutes.add(c.route);
        const what = describeCase(c, response);
        expect(response.statusCode, what).toBeGreaterThanOrEqual(400);
        expect(response.statusCode, what).toBeLessThan(500);
        expect(isProblem(response), what).toBe(true);
        const problem = response.json() as { status: number; title: string; detail: string };
        expect(problem.status, what).toBe(response.statusCode);
        expect(typeof problem.title, what).toBe("string");
        expect(typeof problem.detail, what).toBe("string");
        expect(response.body, what).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    const elapsed = Date.now() - started;
    console.info(
      `${driver}: ${RUNS} cases in ${elapsed} ms over ${seenRoutes.size} routes; statuses ${JSON.stringify(
        Object.fromEntries([...statuses].sort()),
      )}; defects ${JSON.stringify(Object.fromEntries(kinds))}`,
    );
    expect(seenRoutes.size).toBe(routes.length);

    // Nothing half-written: only refusals were added to the audit trail, and every other table is as it was.
    const after = await tableCounts(desk);
    const added = await auditSince(desk, since);
    expect(added.filter((row) => !REFUSALS.has(row.action)).map((row) => [row.action, row.object_id])).toEqual([]);
    expect(after.audit_event).toBe((before.audit_event ?? 0) + added.length);
    expect({ ...after, audit_event: 0 }).toEqual({ ...before, audit_event: 0 });
  }, 900_000);
});
