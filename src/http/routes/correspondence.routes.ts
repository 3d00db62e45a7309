import { z } from "zod";
import {
  answerClarification,
  getMessage,
  listMessages,
  sendMessage,
} from "../../correspondence/correspondence.service.js";
import { messagePdf } from "../../correspondence/form.pdf.js";
import { ANNEX_III_REASONS } from "../../correspondence/forms.js";
import { text } from "../../shared/validation.js";
import { type App, type AppContext, principalOf } from "../context.js";
import { binary } from "../openapi.js";

/** A request's correspondence with its authority (docs/regimes.md#replies-to-authorities). */

const messageParams = z.strictObject({ id: z.uuid(), messageId: z.uuid() });
const instant = z.iso.datetime({ offset: true });

export const messageSchema = z.strictObject({
  id: z.uuid(),
  sequence: z.int().min(1),
  direction: z.enum(["outbound", "inbound"]),
  kind: z.enum([
    "acknowledgement",
    "preservation_acknowledgement",
    "annex_iii",
    "production_notice",
    "clarification_answer",
  ]),
  title: z.string(),
  author: z.string(),
  sentAt: instant,
  inReplyTo: z.uuid().nullable(),
  /** An Annex III clarification: the answer clock stands still until it is answered. */
  awaitsAnswer: z.boolean(),
  answeredAt: instant.nullable(),
  /** SHA-256 of the form's canonical JSON, printed on its PDF. */
  sha256: z.string(),
  /** The form as sent, the record the PDF renders. */
  form: z.record(z.string(), z.unknown()),
});

const correspondenceSchema = z.strictObject({
  items: z.array(messageSchema),
  clock: z.strictObject({ deadlineAt: instant.nullable(), pausedSince: instant.nullable() }),
});

const sendBody = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("acknowledgement") }),
  z.strictObject({ kind: z.literal("preservation_acknowledgement") }),
  z.strictObject({ kind: z.literal("production_notice") }),
  z.strictObject({
    kind: z.literal("annex_iii"),
    purpose: z.enum(["inability_to_execute", "clarification"]),
    /** Reasons of the staff's own; those the decision in force gives (data not stored, Art. 4, 5(4)) are added. */
    reasons: z
      .array(z.strictObject({ code: z.enum(ANNEX_III_REASONS), explanation: text(2000).optional() }))
      .max(ANNEX_III_REASONS.length)
      .default([]),
    question: text(4000).optional(),
  }),
]);

export async function correspondenceRoutes(api: App, { db, now }: AppContext): Promise<void> {
  api.get(
    "/requests/:id/messages",
    {
      config: { access: "request.read" },
      schema: {
        operationId: "listRequestMessages",
        summary: "A request's correspondence with its authority, oldest first, and whether its answer clock is paused",
        tags: ["correspondence"],
        params: z.strictObject({ id: z.uuid() }),
        response: { 200: correspondenceSchema },
      },
    },
    async (request) => listMessages(db, principalOf(request), request.params.id),
  );

  api.post(
    "/requests/:id/messages",
    {
      config: { access: "request.correspond" },
      schema: {
        operationId: "sendRequestMessage",
        summary:
          "Send the authority a form: acknowledgement of receipt or of preservation, Annex III (a clarification pauses the clock), notice of production",
        tags: ["correspondence"],
        params: z.strictObject({ id: z.uuid() }),
        body: sendBody,
        response: { 201: messageSchema },
      },
    },
    async (request, reply) => {
      const sent = await sendMessage(db, principalOf(request), request.params.id, request.body, now());
      return reply.code(201).send(sent);
    },
  );

  api.get(
    "/requests/:id/messages/:messageId",
    {
      config: { access: "request.read" },
      schema: {
        operationId: "getRequestMessage",
        summary: "One message of the correspondence, with its form as JSON",
        tags: ["correspondence"],
        params: messageParams,
        response: { 200: messageSchema },
      },
    },
    async (request) => getMessage(db, principalOf(request), request.params.id, request.params.messageId),
  );

  api.get(
    "/requests/:id/messages/:messageId/pdf",
    {
      config: { access: "request.read" },
      schema: {
        operationId: "getRequestMessagePdf",
        summary: "One message of the correspondence as a PDF",
        tags: ["correspondence"],
        params: messageParams,
        response: { 200: { description: "The form as a PDF", content: { "application/pdf": { schema: binary } } } },
      },
    },
    async (request, reply) => {
      const message = await getMessage(db, principalOf(request), request.params.id, request.params.messageId);
      const pdf = await messagePdf({ ...message, sentAt: new Date(message.sentAt) });
      return reply
        .type("application/pdf")
        .header("content-disposition", `inline; filename="message-${message.sequence}.pdf"`)
        .header("x-content-sha256", message.sha256)
        .send(pdf);
    },
  );

  api.post(
    "/requests/:id/messages/:messageId/answer",
    {
      config: { access: "request.reply" },
      schema: {
        operationId: "answerClarification",
        summary:
          "Answer a clarification the provider asked on Annex III (an officer of the requesting agency); the clock resumes",
        tags: ["correspondence"],
        params: messageParams,
        body: z.strictObject({ answer: text(8000) }),
        response: { 201: messageSchema },
      },
    },
    async (request, reply) => {
      const answered = await answerClarification(
        db,
        principalOf(request),
        request.params.id,
        request.params.messageId,
        request.body.answer,
        now(),
      );
      return reply.code(201).send(answered);
    },
  );
}
