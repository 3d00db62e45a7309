import { z } from "zod";
import { type CallbackNumber, callbackNumberOf, reviewCallbackNumber } from "../../agencies/callback-number.js";
import { verifyAudit } from "../../audit/verify.js";
import { activateOfficer, listUsers, suspendUser } from "../../auth/accounts.service.js";
import { decideStaffChange, listStaffChanges, proposeStaffAccount, resendSetupLink } from "../../auth/staff.service.js";
import { jurisdictionSchema } from "../../domain/domain.schema.js";
import { ROLES, STATUSES } from "../../domain/vocabulary.js";
import { jurisdictionHistory } from "../../jurisdictions/jurisdictions.queries.js";
import { pauseJurisdiction, resumeJurisdiction } from "../../jurisdictions/jurisdictions.service.js";
import { listOutbox } from "../../mail/outbox.js";
import { activatePolicy, activePolicySummary } from "../../policy/policy.store.js";
import { advanceRequest, recordEmergencyCallback, reviewRequest } from "../../requests/request.actions.js";
import { text } from "../../shared/validation.js";
import { type App, type AppContext, principalOf } from "../context.js";
import { requestIdParams } from "./requests.routes.js";

/** The provider's side: working requests, jurisdictions, the policy, users, the audit trail, the outbox. */

const CHECKLIST = z.strictObject({
  legality: z.boolean().optional(),
  necessityAndProportionality: z.boolean().optional(),
  dueProcess: z.boolean().optional(),
  humanRightsRisk: z.enum(["low", "medium", "high"]).optional(),
});

export async function deskRoutes(api: App, { db, config, now, onRejected }: AppContext): Promise<void> {
  api.post(
    "/requests/:id/advance",
    {
      config: { access: "request.advance" },
      schema: {
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
        tags: ["desk"],
        params: requestIdParams,
        body: z.strictObject({ confirmed: z.boolean(), note: text(2000) }),
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
  });
  const numberReview = z.strictObject({ dial: z.enum(["on_record", "on_file"]), note: text(2000) });
  const shownNumber = ({ agencyId: _, ...view }: CallbackNumber) => view;

  api.get(
    "/requests/:id/callback-number",
    {
      config: { access: "request.callback" },
      schema: {
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
      config: { access: "request.review" },
      schema: {
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
    async (request) => reviewRequest(db, principalOf(request), request.params.id, request.body, onRejected, now()),
  );

  api.get(
    "/jurisdictions",
    {
      config: { access: "jurisdiction.read" },
      schema: { summary: "Jurisdiction pauses and resumes, newest first", tags: ["jurisdictions"] },
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
          summary:
            verb === "pause"
              ? "Pause a jurisdiction: hold every open request from it and every new one"
              : "Resume a jurisdiction: decide each held request again under the policy in force",
          tags: ["jurisdictions"],
          params: z.strictObject({ code: jurisdictionSchema }),
          body: z.strictObject({ reason: text(2000) }),
        },
      },
      async (request) => {
        const p = principalOf(request);
        const change = { jurisdiction: request.params.code, reason: request.body.reason, actor: p.email, now: now() };
        const result = verb === "pause" ? await pauseJurisdiction(db, change) : await resumeJurisdiction(db, change);
        return result;
      },
    );
  }

  api.get(
    "/policy",
    { config: { access: "policy.read" }, schema: { summary: "The active policy version", tags: ["policy"] } },
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
        summary: "Activate a policy document (DESIGN §4), sent as YAML (text/yaml) or as { document }",
        tags: ["policy"],
        body: z.union([
          z.string().min(1).max(1_000_000),
          z.strictObject({ document: z.string().min(1).max(1_000_000) }),
        ]),
      },
    },
    async (request) => {
      const p = principalOf(request);
      const textBody = typeof request.body === "string" ? request.body : request.body.document;
      return db.transaction().execute((tx) => activatePolicy(tx, textBody, p.email, now(), "body"));
    },
  );

  api.get(
    "/audit/verify",
    {
      config: { access: "audit.verify" },
      schema: { summary: "Walk the audit chain and check every signature", tags: ["audit"] },
    },
    async () => verifyAudit(db, { publicKeys: config.auditPublicKeys }),
  );

  api.get(
    "/outbox",
    {
      config: { access: "outbox.read" },
      schema: {
        summary: "Outgoing mail, newest first",
        tags: ["mail"],
        querystring: z.strictObject({
          recipient: z.email().optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
      },
    },
    async (request) => ({
      items: await listOutbox(db, {
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
        summary: "Users, with where each officer stands in registration",
        tags: ["users"],
        querystring: z.strictObject({
          status: z.enum(["pending", "active", "suspended"]).optional(),
          agencyId: z.uuid().optional(),
        }),
      },
    },
    async (request) => ({ items: await listUsers(db, request.query) }),
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
    "/users/:id/setup-link",
    {
      config: { access: "user.manage" },
      schema: {
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
        summary: "Activate an officer after a call-back to the agency's phone on file when they registered",
        tags: ["users"],
        params: z.strictObject({ id: z.uuid() }),
        body: z.strictObject({ confirmed: z.boolean(), note: text(2000) }),
      },
    },
    async (request) => activateOfficer(db, principalOf(request), request.params.id, request.body, now()),
  );

  api.post(
    "/users/:id/callback-number/review",
    {
      config: { access: "callback.review_number" },
      schema: {
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
        summary: "Suspend an account: every session and token it has is revoked at once",
        tags: ["users"],
        params: z.strictObject({ id: z.uuid() }),
        body: z.strictObject({ reason: text(2000) }),
      },
    },
    async (request, reply) => {
      await suspendUser(db, principalOf(request), request.params.id, request.body.reason, now());
      return reply.code(204).send();
    },
  );
}
