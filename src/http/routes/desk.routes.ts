import { z } from "zod";
import { type CallbackNumber, callbackNumberOf, reviewCallbackNumber } from "../../agencies/callback-number.js";
import { PROBLEM_KINDS, type VerifyReport, verifyAudit } from "../../audit/verify.js";
import { jurisdictionSchema } from "../../domain/domain.schema.js";
import { STATUSES } from "../../domain/vocabulary.js";
import { jurisdictionHistory } from "../../jurisdictions/jurisdictions.queries.js";
import {
  pauseJurisdiction,
  resumeJurisdiction,
  type StatusChangeResult,
} from "../../jurisdictions/jurisdictions.service.js";
import { listOutbox, type OutboxEntry } from "../../mail/outbox.js";
import { OUTCOMES } from "../../policy/engine.js";
import { JURISDICTION_STATUSES } from "../../policy/policy.schema.js";
import { activatePolicy, activePolicySummary } from "../../policy/policy.store.js";
import {
  advanceRequest,
  auditRefusedReviewInput,
  recordEmergencyCallback,
  reviewRequest,
} from "../../requests/request.actions.js";
import { isUuid } from "../../shared/ids.js";
import { text } from "../../shared/validation.js";
import { type App, type AppContext, principalOf } from "../context.js";
import { requestIdParams } from "./requests.routes.js";

/** The provider's side: working requests, jurisdictions, the policy, the audit trail, the outbox (users: users.routes.ts). */

/**
 * The standards checklist (requests/review.rules.ts) is checked by the review itself, not here, so that a
 * checklist refused for its shape is audited on the request like one refused for what it leaves out.
 */
const CHECKLIST = z
  .record(z.string().max(64), z.unknown())
  .describe(
    'legality, necessityAndProportionality, dueProcess: each "met" or "not_met", with <item>Note saying why for ' +
      'each not met; humanRightsRisk: "low", "medium" or "high", with humanRightsRiskNote (reasoning, at least 20 ' +
      "characters) when high. Required in full to recommend approval or to approve; nothing is presumed.",
  );

/** The number a call-back dials, as the desk and the API show it (the agency id left out). */
export const callbackNumberView = z.object({
  numberOnRecord: z.string().nullable(),
  numberOnFile: z.string().nullable(),
  changed: z.boolean(),
  review: z
    .object({
      dial: z.enum(["on_record", "on_file"]),
      note: z.string(),
      reviewedBy: z.string(),
      reviewedAt: z.string(),
    })
    .nullable(),
  dial: z.string().nullable(),
  refusal: z.string().nullable(),
}) satisfies z.ZodType<Omit<CallbackNumber, "agencyId">>;
export const numberReview = z.strictObject({ dial: z.enum(["on_record", "on_file"]), note: text(2000) });
export const shownNumber = ({ agencyId: _, ...view }: CallbackNumber) => view;

export async function deskRoutes(api: App, { db, config, now, onRejected }: AppContext): Promise<void> {
  api.post(
    "/requests/:id/advance",
    {
      config: { access: "request.advance" },
      schema: {
        operationId: "advanceRequest",
        summary: "Move a request on: received → verifying → under_review (verifying the requester)",
        tags: ["desk"],
        params: requestIdParams,
        body: z.strictObject({
          to: z.enum(["verifying", "under_review"]),
          note: text(2000),
          expectedVersion: z.number().int().min(1).optional(),
        }),
        response: { 200: z.object({ status: z.enum(STATUSES) }) },
      },
    },
    async (request) => advanceRequest(db, principalOf(request), request.params.id, request.body, now()),
  );

  api.post(
    "/requests/:id/callback",
    {
      config: { access: "request.callback" },
      schema: {
        summary:
          "Record the call-back that verifies an emergency (made to the agency's number on file when it arrived)",
        operationId: "recordEmergencyCallback",
        tags: ["desk"],
        params: requestIdParams,
        body: z.strictObject({ confirmed: z.boolean(), note: text(2000) }),
        response: {
          200: z.object({
            status: z.enum(STATUSES),
            // Absent when the call-back did not confirm the emergency (nothing was decided).
            outcome: z.enum(OUTCOMES).optional(),
            calledNumber: z.string(),
          }) satisfies z.ZodType<Awaited<ReturnType<typeof recordEmergencyCallback>>>,
        },
      },
    },
    async (request) => recordEmergencyCallback(db, principalOf(request), request.params.id, request.body, now()),
  );

  api.get(
    "/requests/:id/callback-number",
    {
      config: { access: "request.callback" },
      schema: {
        operationId: "getRequestCallbackNumber",
        summary: "The number an emergency's call-back dials: the agency's phone on file when it arrived",
        tags: ["desk"],
        params: requestIdParams,
        response: { 200: callbackNumberView },
      },
    },
    async (request) => shownNumber(await callbackNumberOf(db, { type: "request", id: request.params.id })),
  );

  api.post(
    "/requests/:id/callback-number/review",
    {
      config: { access: "callback.review_number" },
      schema: {
        operationId: "reviewRequestCallbackNumber",
        summary: "Counsel: the agency's phone changed since the emergency arrived; choose which number to call",
        tags: ["desk"],
        params: requestIdParams,
        body: numberReview,
        response: { 200: callbackNumberView },
      },
    },
    async (request) =>
      shownNumber(
        await reviewCallbackNumber(
          db,
          principalOf(request),
          { type: "request", id: request.params.id },
          request.body,
          now(),
        ),
      ),
  );

  api.post(
    "/requests/:id/reviews",
    {
      // A refused body is written on the request (auditRefusedReviewInput) like a refused checklist.
      attachValidation: true,
      config: { access: "request.review" },
      schema: {
        operationId: "reviewRequest",
        summary: "Record a review: a reviewer recommends, counsel approves or rejects",
        tags: ["desk"],
        params: requestIdParams,
        body: z.strictObject({
          verdict: z.enum(["recommend_approve", "recommend_reject", "approve", "reject"]),
          checklist: CHECKLIST.optional(),
          note: text(4000).optional(),
        }),
        response: { 200: z.object({ reviewId: z.uuid(), status: z.enum(STATUSES) }) },
      },
    },
    async (request) => {
      if (request.validationError) {
        if (!isUuid(request.params.id)) throw request.validationError;
        await auditRefusedReviewInput(db, principalOf(request), request.params.id, request.validationError, now());
        throw request.validationError;
      }
      return reviewRequest(db, principalOf(request), request.params.id, request.body, onRejected, now());
    },
  );

  api.get(
    "/jurisdictions",
    {
      config: { access: "jurisdiction.read" },
      schema: {
        operationId: "listJurisdictionChanges",
        summary: "Jurisdiction pauses and resumes, newest first",
        tags: ["jurisdictions"],
        response: {
          200: z.object({
            items: z.array(
              z.object({
                jurisdiction: z.string(),
                status: z.string(),
                reason: z.string(),
                actor: z.string(),
                changedAt: z.string(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const rows = await jurisdictionHistory(db, principalOf(request), 500);
      return {
        items: rows.map((r) => ({
          jurisdiction: r.jurisdiction,
          status: r.status,
          reason: r.reason,
          actor: r.actor,
          changedAt: r.changedAt.toISOString(),
        })),
      };
    },
  );

  for (const verb of ["pause", "resume"] as const) {
    api.post(
      `/jurisdictions/:code/${verb}`,
      {
        config: { access: "jurisdiction.change" },
        schema: {
          operationId: `${verb}Jurisdiction`,
          summary:
            verb === "pause"
              ? "Pause a jurisdiction: hold every open request from it and every new one"
              : "Resume a jurisdiction: decide each held request again under the policy in force",
          tags: ["jurisdictions"],
          params: z.strictObject({ code: jurisdictionSchema }),
          body: z.strictObject({ reason: text(2000) }),
          response: {
            200: z.object({
              jurisdiction: z.string(),
              status: z.enum(JURISDICTION_STATUSES),
              held: z.number().int(),
              redecided: z.number().int(),
              released: z.array(z.object({ id: z.uuid(), status: z.enum(STATUSES), outcome: z.enum(OUTCOMES) })),
            }) satisfies z.ZodType<StatusChangeResult>,
          },
        },
      },
      async (request) => {
        const p = principalOf(request);
        const change = { jurisdiction: request.params.code, reason: request.body.reason, by: p, now: now() };
        const result = verb === "pause" ? await pauseJurisdiction(db, change) : await resumeJurisdiction(db, change);
        return result;
      },
    );
  }

  api.get(
    "/policy",
    {
      config: { access: "policy.read" },
      schema: {
        operationId: "getPolicy",
        summary: "The active policy version (null before one is activated)",
        tags: ["policy"],
        response: {
          200: z
            .object({
              id: z.uuid(),
              name: z.string(),
              version: z.string(),
              sha256: z.string(),
              activatedAt: z.string().nullable(),
              document: z.string().meta({ description: "The document as it was activated, byte for byte" }),
            })
            .nullable(),
        },
      },
    },
    async (request) => {
      const active = await activePolicySummary(db, principalOf(request));
      return active
        ? {
            id: active.id,
            name: active.name,
            version: active.version,
            sha256: active.sha256,
            activatedAt: active.activatedAt?.toISOString() ?? null,
            document: active.document,
          }
        : null;
    },
  );

  api.post(
    "/policy",
    {
      config: { access: "policy.activate" },
      schema: {
        operationId: "activatePolicy",
        summary: "Activate a policy document, sent as YAML (text/yaml) or as { document }",
        tags: ["policy"],
        body: z.union([
          z.string().min(1).max(1_000_000),
          z.strictObject({ document: z.string().min(1).max(1_000_000) }),
        ]),
        response: {
          200: z.object({
            id: z.uuid(),
            name: z.string(),
            version: z.string(),
            // False when this very document was already stored (it is activated again, not copied).
            created: z.boolean(),
          }) satisfies z.ZodType<Awaited<ReturnType<typeof activatePolicy>>>,
        },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const textBody = typeof request.body === "string" ? request.body : request.body.document;
      return db.transaction().execute((tx) => activatePolicy(tx, textBody, p, now(), "body"));
    },
  );

  api.get(
    "/audit/verify",
    {
      config: { access: "audit.verify" },
      schema: {
        operationId: "verifyAudit",
        summary: "Walk the audit chain and check every signature",
        tags: ["audit"],
        response: {
          200: z.object({
            ok: z.boolean(),
            entries: z.number().int(),
            headHash: z.string(),
            checkpointsChecked: z.number().int(),
            unsealed: z.number().int(),
            problems: z.array(
              z.object({
                kind: z.enum(PROBLEM_KINDS),
                position: z.number().int().optional(),
                eventId: z.number().int().optional(),
                detail: z.string(),
              }),
            ),
          }) satisfies z.ZodType<VerifyReport>,
        },
      },
    },
    async () => verifyAudit(db, { publicKeys: config.auditPublicKeys }),
  );

  api.get(
    "/outbox",
    {
      config: { access: "outbox.read" },
      schema: {
        operationId: "listOutbox",
        summary: "Outgoing mail, newest first",
        tags: ["mail"],
        querystring: z.strictObject({
          recipient: z.email().optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.number().int(),
                to: z.string(),
                subject: z.string(),
                body: z.string(),
                purpose: z.string(),
                status: z.string(),
                notBefore: z.string(),
                createdAt: z.string(),
                sentAt: z.string().nullable(),
              }) satisfies z.ZodType<OutboxEntry>,
            ),
          }),
        },
      },
    },
    async (request) => ({
      items: await listOutbox(db, principalOf(request), {
        limit: request.query.limit,
        ...(request.query.recipient ? { recipient: request.query.recipient } : {}),
      }),
    }),
  );
}
