import { z } from "zod";
import { type CallbackNumber, callbackNumberOf, reviewCallbackNumber } from "../../agencies/callback-number.js";
import { PROBLEM_KINDS, type VerifyReport, verifyAudit } from "../../audit/verify.js";
import { activateOfficer, listUsers, suspendUser, type UserView } from "../../auth/accounts.service.js";
import {
  decideStaffChange,
  listStaffChanges,
  proposeReactivation,
  proposeStaffAccount,
  resendSetupLink,
} from "../../auth/staff.service.js";
import { jurisdictionSchema } from "../../domain/domain.schema.js";
import { ROLES, STATUSES } from "../../domain/vocabulary.js";
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
import { noContent } from "../openapi.js";
import { requestIdParams } from "./requests.routes.js";

/** The provider's side: working requests, jurisdictions, the policy, users, the audit trail, the outbox. */

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

  const callbackNumberView = z.object({
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
  const numberReview = z.strictObject({ dial: z.enum(["on_record", "on_file"]), note: text(2000) });
  const shownNumber = ({ agencyId: _, ...view }: CallbackNumber) => view;

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

  api.get(
    "/users",
    {
      config: { access: "user.read" },
      schema: {
        operationId: "listUsers",
        summary: "Users, with where each officer stands in registration",
        tags: ["users"],
        querystring: z.strictObject({
          status: z.enum(["pending", "active", "suspended"]).optional(),
          agencyId: z.uuid().optional(),
        }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.uuid(),
                email: z.string(),
                displayName: z.string(),
                role: z.enum(ROLES),
                agencyId: z.uuid().nullable(),
                status: z.string(),
                emailConfirmed: z.boolean(),
                secondFactorEnrolled: z.boolean(),
                flagged: z.string().nullable(),
                createdAt: z.string(),
                callback: callbackNumberView.nullable(),
              }) satisfies z.ZodType<UserView>,
            ),
          }),
        },
      },
    },
    async (request) => ({ items: await listUsers(db, principalOf(request), request.query) }),
  );

  const staffRole = z.enum(
    ROLES.filter((r) => r !== "agency") as ["intake", "reviewer", "counsel", "admin", "auditor"],
  );
  const staffChange = z.object({
    id: z.uuid(),
    kind: z.enum(["create", "reactivate"]),
    email: z.string(),
    displayName: z.string(),
    role: staffRole,
    userId: z.uuid().nullable(),
    status: z.enum(["pending", "applied", "rejected"]),
    proposedBy: z.string(),
    proposedAt: z.string(),
  });

  api.post(
    "/users",
    {
      config: { access: "user.manage" },
      schema: {
        operationId: "proposeStaffAccount",
        summary:
          "Propose a staff account; a second admin applies it (POST /user-changes/{id}/approve), and its " +
          "owner sets the password and second factor through a link mailed to them. The answer carries no secret",
        tags: ["users"],
        body: z.strictObject({ email: z.email().max(254), displayName: text(200), role: staffRole }),
        response: { 202: z.object({ id: z.uuid(), status: z.literal("pending") }) },
      },
    },
    async (request, reply) => {
      const { id } = await proposeStaffAccount(db, principalOf(request), request.body, now());
      return reply.code(202).send({ id, status: "pending" as const });
    },
  );

  api.get(
    "/user-changes",
    {
      config: { access: "user.read" },
      schema: {
        operationId: "listStaffChanges",
        summary: "Proposed staff accounts, oldest first (pending ones by default)",
        tags: ["users"],
        querystring: z.strictObject({ status: z.enum(["pending", "all"]).default("pending") }),
        response: { 200: z.object({ items: z.array(staffChange) }) },
      },
    },
    async (request) => ({
      items: await listStaffChanges(db, request.query.status === "pending" ? { status: "pending" } : {}),
    }),
  );

  for (const verb of ["approve", "reject"] as const) {
    api.post(
      `/user-changes/:id/${verb}`,
      {
        config: { access: "user.manage" },
        schema: {
          operationId: `${verb}StaffChange`,
          summary:
            verb === "approve"
              ? "A second admin (active before the proposal, not brought in by the proposer) applies a proposed account"
              : "A second admin rejects a proposed account",
          tags: ["users"],
          params: z.strictObject({ id: z.uuid() }),
          response: {
            200: z.object({ id: z.uuid(), status: z.enum(["applied", "rejected"]), userId: z.uuid().nullable() }),
          },
        },
      },
      async (request) => {
        const decided = await decideStaffChange(
          db,
          principalOf(request),
          request.params.id,
          verb === "approve",
          config.publicUrl,
          now(),
        );
        return { id: request.params.id, ...decided };
      },
    );
  }

  api.post(
    "/users/:id/reactivate",
    {
      config: { access: "user.manage" },
      schema: {
        operationId: "proposeReactivation",
        summary:
          "Propose bringing a suspended staff account back; once a second admin applies it, the account's old " +
          "credentials are gone and its owner is mailed a new setup link",
        tags: ["users"],
        params: z.strictObject({ id: z.uuid() }),
        response: { 202: z.object({ id: z.uuid(), status: z.literal("pending") }) },
      },
    },
    async (request, reply) => {
      const { id } = await proposeReactivation(db, principalOf(request), request.params.id, now());
      return reply.code(202).send({ id, status: "pending" as const });
    },
  );

  api.post(
    "/users/:id/setup-link",
    {
      config: { access: "user.manage" },
      schema: {
        operationId: "resendSetupLink",
        summary: "Mail a new one-time setup link to a staff account not yet set up (the earlier link stops working)",
        tags: ["users"],
        params: z.strictObject({ id: z.uuid() }),
        response: { 202: z.object({ status: z.literal("sent"), expiresAt: z.string() }) },
      },
    },
    async (request, reply) => {
      const sent = await resendSetupLink(db, principalOf(request), request.params.id, config.publicUrl, now());
      return reply.code(202).send({ status: "sent" as const, ...sent });
    },
  );

  api.post(
    "/users/:id/activate",
    {
      config: { access: "user.activate" },
      schema: {
        operationId: "activateOfficer",
        summary: "Activate an officer after a call-back to the agency's phone on file when they registered",
        tags: ["users"],
        params: z.strictObject({ id: z.uuid() }),
        body: z.strictObject({ confirmed: z.boolean(), note: text(2000) }),
        response: {
          200: z.object({ status: z.enum(["active", "pending"]), calledNumber: z.string() }) satisfies z.ZodType<
            Awaited<ReturnType<typeof activateOfficer>>
          >,
        },
      },
    },
    async (request) => activateOfficer(db, principalOf(request), request.params.id, request.body, now()),
  );

  api.post(
    "/users/:id/callback-number/review",
    {
      config: { access: "callback.review_number" },
      schema: {
        operationId: "reviewOfficerCallbackNumber",
        summary: "Counsel: the agency's phone changed since the officer registered; choose which number to call",
        tags: ["users"],
        params: z.strictObject({ id: z.uuid() }),
        body: numberReview,
        response: { 200: callbackNumberView },
      },
    },
    async (request) =>
      shownNumber(
        await reviewCallbackNumber(
          db,
          principalOf(request),
          { type: "user", id: request.params.id },
          request.body,
          now(),
        ),
      ),
  );

  api.post(
    "/users/:id/suspend",
    {
      config: { access: "user.manage" },
      schema: {
        operationId: "suspendUser",
        summary: "Suspend an account: every session and token it has is revoked at once",
        tags: ["users"],
        params: z.strictObject({ id: z.uuid() }),
        body: z.strictObject({ reason: text(2000) }),
        response: { 204: noContent },
      },
    },
    async (request, reply) => {
      await suspendUser(db, principalOf(request), request.params.id, request.body.reason, now());
      return reply.code(204).send(null);
    },
  );
}
