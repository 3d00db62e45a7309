import { z } from "zod";
import { reviewCallbackNumber } from "../../agencies/callback-number.js";
import { activateOfficer, listUsers, suspendUser, type UserView } from "../../auth/accounts.service.js";
import {
  decideStaffChange,
  listStaffChanges,
  proposeReactivation,
  proposeStaffAccount,
  resendSetupLink,
} from "../../auth/staff.service.js";
import { ROLES } from "../../domain/vocabulary.js";
import { text } from "../../shared/validation.js";
import { type App, type AppContext, principalOf } from "../context.js";
import { noContent } from "../openapi.js";
import { callbackNumberView, numberReview, shownNumber } from "./desk.routes.js";

/** Staff and officer accounts: proposals and their second admin, setup links, activation, suspension. */
export async function userRoutes(api: App, { db, config, now }: AppContext): Promise<void> {
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
