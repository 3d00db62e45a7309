import { z } from "zod";
import {
  type AgencyView,
  createAgency,
  decideAgencyChange,
  getAgency,
  listAgencies,
  proposeAgencyChange,
} from "../../agencies/agencies.service.js";
import { jurisdictionSchema } from "../../domain/domain.schema.js";
import { text } from "../../shared/validation.js";
import { type App, type AppContext, principalOf } from "../context.js";

/** Agencies, their verified domains and phone on file (changed by two admins). */

const agencyView = z.object({
  id: z.uuid(),
  name: z.string(),
  jurisdiction: z.string(),
  status: z.string(),
  phoneOnFile: z.string().nullable(),
  domains: z.array(z.string()),
  pendingChanges: z.array(
    z.object({
      id: z.uuid(),
      kind: z.enum(["add_domain", "remove_domain", "set_phone"]),
      value: z.string(),
      proposedBy: z.string(),
      proposedAt: z.string(),
    }),
  ),
  createdAt: z.string(),
}) satisfies z.ZodType<AgencyView>;

export async function agencyRoutes(api: App, { db, now }: AppContext): Promise<void> {
  api.get(
    "/agencies",
    {
      config: { access: "agency.read" },
      schema: {
        operationId: "listAgencies",
        summary: "Agencies (an officer sees their own)",
        tags: ["agencies"],
        response: { 200: z.object({ items: z.array(agencyView) }) },
      },
    },
    async (request) => {
      return { items: await listAgencies(db, principalOf(request)) };
    },
  );

  api.get(
    "/agencies/:id",
    {
      config: { access: "agency.read" },
      schema: {
        operationId: "getAgency",
        summary: "One agency",
        tags: ["agencies"],
        params: z.strictObject({ id: z.uuid() }),
        response: { 200: agencyView },
      },
    },
    async (request) => {
      return getAgency(db, principalOf(request), request.params.id);
    },
  );

  api.post(
    "/agencies",
    {
      config: { access: "agency.manage" },
      schema: {
        operationId: "createAgency",
        summary: "Register an agency (its domains and phone are then proposed and approved by two admins)",
        tags: ["agencies"],
        body: z.strictObject({ name: text(200), jurisdiction: jurisdictionSchema }),
        response: { 201: z.object({ id: z.uuid() }) },
      },
    },
    async (request, reply) => {
      const id = await createAgency(db, principalOf(request), request.body, now());
      return reply.code(201).send({ id });
    },
  );

  api.post(
    "/agencies/:id/changes",
    {
      config: { access: "agency.manage" },
      schema: {
        operationId: "proposeAgencyChange",
        summary: "Propose adding or removing a verified domain, or setting the phone on file",
        tags: ["agencies"],
        params: z.strictObject({ id: z.uuid() }),
        body: z.strictObject({
          kind: z.enum(["add_domain", "remove_domain", "set_phone"]),
          value: text(253),
        }),
        response: { 201: z.object({ id: z.uuid(), status: z.literal("pending") }) },
      },
    },
    async (request, reply) => {
      const id = await proposeAgencyChange(db, principalOf(request), request.params.id, request.body, now());
      return reply.code(201).send({ id, status: "pending" as const });
    },
  );

  for (const verb of ["approve", "reject"] as const) {
    api.post(
      `/agency-changes/:id/${verb}`,
      {
        config: { access: "agency.manage" },
        schema: {
          operationId: `${verb}AgencyChange`,
          summary: `${verb === "approve" ? "Apply" : "Reject"} a proposed agency change (a second admin)`,
          tags: ["agencies"],
          params: z.strictObject({ id: z.uuid() }),
          response: { 200: z.object({ id: z.uuid(), status: z.enum(["applied", "rejected"]) }) },
        },
      },
      async (request) => {
        await decideAgencyChange(db, principalOf(request), request.params.id, verb === "approve", now());
        return { id: request.params.id, status: verb === "approve" ? ("applied" as const) : ("rejected" as const) };
      },
    );
  }
}
