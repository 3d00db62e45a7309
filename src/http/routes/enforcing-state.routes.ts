import { z } from "zod";
import {
  ENFORCING_ANSWERS,
  ENFORCING_GROUND_CODES,
  ENFORCING_GROUNDS,
  NOTIFIED_EU_CATEGORIES,
} from "../../domain/vocabulary.js";
import {
  readEnforcingView,
  recordEnforcingAnswer,
  recordEnforcingNotification,
} from "../../requests/enforcing-state.service.js";
import { quoted, text } from "../../shared/validation.js";
import { type App, type AppContext, principalOf } from "../context.js";
import { requestIdParams } from "./requests.routes.js";

/** The enforcing State of an EU production order (docs/regimes.md#the-enforcing-state). */

const instant = z.iso.datetime({ offset: true });

const enforcingStateSchema = z.strictObject({
  notificationNotRequired: z.boolean(),
  notification: z
    .strictObject({
      enforcingState: z.string(),
      notifiedAt: instant,
      windowClosesAt: instant,
      emergency: z.boolean(),
    })
    .nullable(),
  answers: z.array(
    z.strictObject({
      kind: z.enum(ENFORCING_ANSWERS),
      grounds: z.array(z.strictObject({ ground: z.string(), article: z.string() })),
      categories: z.array(z.string()),
      conditions: z.string().nullable(),
      answeredAt: instant,
      inTime: z.boolean(),
      afterDelivery: z.boolean(),
    }),
  ),
  release: z.array(
    z.strictObject({
      category: z.enum(NOTIFIED_EU_CATEGORIES),
      status: z.enum(["release", "wait", "refused"]),
      until: instant.nullable(),
      reason: z.string().nullable(),
    }),
  ),
  useBarred: z.array(z.string()),
});

const groundSchema = z.enum(ENFORCING_GROUND_CODES, {
  error: (issue) =>
    `unknown ground ${quoted(issue.input)} (one of: ${ENFORCING_GROUND_CODES.map((g) => `${g} ${ENFORCING_GROUNDS[g]}`).join(", ")})`,
});

export async function enforcingStateRoutes(api: App, { db, now }: AppContext): Promise<void> {
  api.get(
    "/requests/:id/enforcing-state",
    {
      config: { access: "request.read" },
      schema: {
        operationId: "getEnforcingState",
        summary:
          "An EU production order's enforcing State: its notification, the enforcing authority's answers, and whether traffic and content data may leave now",
        tags: ["requests"],
        params: requestIdParams,
        response: { 200: enforcingStateSchema },
      },
    },
    async (request) => readEnforcingView(db, principalOf(request), request.params.id, now()),
  );

  api.post(
    "/requests/:id/enforcing-state/notification",
    {
      config: { access: "request.enforcing_state" },
      schema: {
        operationId: "recordEnforcingNotification",
        summary:
          "Record that the issuing authority notified the enforcing State of this EPOC (Art. 8(1)), where the order did not say so; once",
        tags: ["requests"],
        params: requestIdParams,
        body: z.strictObject({
          enforcingState: z
            .string()
            .regex(/^[A-Z]{2}$/, { error: "must be an ISO 3166-1 alpha-2 country code like DE" }),
          notifiedAt: instant,
          note: text(2000).optional(),
        }),
        response: { 201: enforcingStateSchema },
      },
    },
    async (request, reply) => {
      const { enforcingState, notifiedAt, note } = request.body;
      const view = await recordEnforcingNotification(
        db,
        principalOf(request),
        request.params.id,
        { enforcingState, notifiedAt: new Date(notifiedAt), note },
        now(),
      );
      return reply.code(201).send(view);
    },
  );

  api.post(
    "/requests/:id/enforcing-state/answers",
    {
      config: { access: "request.enforcing_state" },
      schema: {
        operationId: "recordEnforcingAnswer",
        summary:
          "Record the enforcing authority's answer: no ground, a refusal or objection on Art. 12(1) grounds, or conditions on use; also after delivery",
        tags: ["requests"],
        params: requestIdParams,
        body: z.strictObject({
          kind: z.enum(ENFORCING_ANSWERS, {
            error: (issue) => `unknown answer ${quoted(issue.input)} (one of: ${ENFORCING_ANSWERS.join(", ")})`,
          }),
          grounds: z.array(groundSchema).min(1).max(ENFORCING_GROUND_CODES.length).optional(),
          /** The EU categories a refusal or objection bars; both when not given. */
          categories: z
            .array(
              z.enum(NOTIFIED_EU_CATEGORIES, {
                error: (issue) =>
                  `${quoted(issue.input)} is not a category notified to the enforcing State (one of: ${NOTIFIED_EU_CATEGORIES.join(", ")})`,
              }),
            )
            .min(1)
            .max(NOTIFIED_EU_CATEGORIES.length)
            .optional(),
          conditions: text(4000).optional(),
          answeredAt: instant,
          note: text(2000).optional(),
        }),
        response: { 201: enforcingStateSchema },
      },
    },
    async (request, reply) => {
      const { kind, grounds, categories, conditions, answeredAt, note } = request.body;
      const view = await recordEnforcingAnswer(
        db,
        principalOf(request),
        request.params.id,
        {
          kind,
          grounds,
          categories,
          conditions,
          answeredAt: new Date(answeredAt),
          note,
        },
        now(),
      );
      return reply.code(201).send(view);
    },
  );
}
