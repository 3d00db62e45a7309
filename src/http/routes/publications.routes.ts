import { z } from "zod";
import { policyName } from "../../reports/canary.service.js";
import { redactionSchema, toLumenExport } from "../../reports/publication.format.js";
import { renderPublicationsPage } from "../../reports/publication.page.js";
import {
  approvePublication,
  draftPublication,
  listPublished,
  readPublication,
} from "../../reports/publication.service.js";
import { text } from "../../shared/validation.js";
import { type App, type AppContext, principalOf } from "../context.js";
import { requestIdParams } from "./requests.routes.js";

/**
 * Demands published after their gag lifted (docs/publications.md): staff draft and counsel approves under
 * the request; the approved ones are public as JSON, as Lumen notices and as a page.
 */

const shownSchema = z.object({
  agency: z.string().optional(),
  reference: z.string().optional(),
  jurisdiction: z.string().optional(),
  process: z.string().optional(),
  instrument: z.string().nullable().optional(),
  issuedBy: z.string().nullable().optional(),
  receivedAt: z.string().optional(),
  categories: z.array(z.string()).optional(),
  dateRange: z.object({ from: z.string().nullable(), to: z.string().nullable() }).nullable().optional(),
  nonDisclosureUntil: z.string().nullable().optional(),
  outcome: z.string().nullable().optional(),
});

const redactionView = z.object({ field: z.string(), reason: z.string() });

const publishedSchema = z.object({
  requestId: z.string(),
  shown: shownSchema,
  redactions: z.array(redactionView),
  summary: z.string().nullable(),
  approvedAt: z.string().nullable(),
});

const publicationSchema = publishedSchema.extend({
  version: z.number().int(),
  draftedBy: z.string(),
  draftedAt: z.string(),
  approvedBy: z.string().nullable(),
});

const urlList = z.array(z.object({ url: z.string() }));
const lumenNoticeSchema = z.object({
  id: z.string(),
  type: z.literal("LawEnforcementRequest"),
  title: z.string(),
  explanation: z.string(),
  date_sent: z.null(),
  date_received: z.string().nullable(),
  categories: z.array(z.string()),
  sender_name: z.string().nullable(),
  recipient_name: z.string(),
  works: z.array(
    z.object({
      subject_of_enforcement_request: z.string().nullable(),
      original_work_urls: urlList,
      urls_in_request: urlList,
    }),
  ),
  tags: z.array(z.string()),
  jurisdictions: z.array(z.string()),
  regulations: z.array(z.string()),
  request_type: z.string().nullable(),
});

export async function publicationApiRoutes(api: App, { db, now }: AppContext): Promise<void> {
  api.get(
    "/requests/:id/publication",
    {
      config: { access: "publication.draft" },
      schema: {
        operationId: "getPublication",
        summary: "A request's publication, drafted or approved: what is shown, what is withheld and why",
        tags: ["publications"],
        params: requestIdParams,
        response: { 200: publicationSchema },
      },
    },
    async (request) => readPublication(db, principalOf(request), request.params.id),
  );

  api.post(
    "/requests/:id/publication",
    {
      config: { access: "publication.draft" },
      schema: {
        operationId: "draftPublication",
        summary:
          "Draft (or redraft) the publication of an answered request whose non-disclosure order has lifted: every publishable field is shown but those redacted, each with its reason",
        tags: ["publications"],
        params: requestIdParams,
        body: z.strictObject({
          redactions: z.array(redactionSchema).max(20),
          summary: text(4000).optional(),
        }),
        response: { 200: publicationSchema },
      },
    },
    async (request) => draftPublication(db, principalOf(request), request.params.id, request.body, now()),
  );

  api.post(
    "/requests/:id/publication/approval",
    {
      config: { access: "publication.approve" },
      schema: {
        operationId: "approvePublication",
        summary:
          "Approve the drafted publication at the version read (counsel, not the drafter); it is public from then on",
        tags: ["publications"],
        params: requestIdParams,
        body: z.strictObject({ version: z.number().int().min(1).max(1_000_000) }),
        response: { 200: publicationSchema },
      },
    },
    async (request) => approvePublication(db, principalOf(request), request.params.id, request.body, now()),
  );

  api.get(
    "/publications",
    {
      config: { access: "public" },
      schema: {
        operationId: "listPublications",
        summary: "The demands published after their gag lifted, newest first, as approved (no sign-in)",
        tags: ["publications"],
        response: { 200: z.object({ publications: z.array(publishedSchema) }) },
      },
    },
    async () => ({ publications: await listPublished(db) }),
  );

  api.get(
    "/publications/lumen",
    {
      config: { access: "public" },
      schema: {
        operationId: "exportPublicationsLumen",
        summary: "The published demands as notices of Lumen's notices API, type LawEnforcementRequest (no sign-in)",
        tags: ["publications"],
        response: { 200: z.object({ notices: z.array(lumenNoticeSchema) }) },
      },
    },
    async () => toLumenExport(await listPublished(db), await policyName(db)),
  );
}

export async function publicationPageRoutes(app: App, { db }: AppContext): Promise<void> {
  app.get("/reports/demands", { config: { access: "public" }, schema: { hide: true } }, async (_request, reply) => {
    const html = renderPublicationsPage(await listPublished(db), { publisher: await policyName(db) });
    return reply.type("text/html; charset=utf-8").send(html);
  });
}
