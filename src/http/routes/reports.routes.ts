import { z } from "zod";
import { type Period, periodOf, periodSchema, previousPeriod } from "../../reports/period.js";
import { type PublishedRow, toCsv } from "../../reports/report.format.js";
import { renderReportPage } from "../../reports/report.page.js";
import { readReport } from "../../reports/report.repository.js";
import { loadReportDocument, loadReportPageData } from "../../reports/report.service.js";
import type { App, AppContext } from "../context.js";

/** The published transparency report: JSON under the API, and the public page with its CSV. No sign-in. */

// A count, or for national-security requests the band it falls in ("0-249").
const figure = z.union([z.number().int(), z.string()]);

const reportDocumentSchema = z.object({
  period: z.string(),
  columns: z.array(z.string()).readonly(),
  rows: z.array(
    z.object({
      period: z.string(),
      jurisdiction: z.string(),
      process: z.string(),
      requests: figure,
      accounts_specified: figure,
      requests_with_data_produced: figure,
      percent_with_data_produced: z.number().nullable(),
      requests_held: figure,
      requests_rejected: figure,
      requests_no_data: figure,
    }) satisfies z.ZodType<PublishedRow>,
  ),
});

export async function reportApiRoutes(api: App, { db }: AppContext): Promise<void> {
  api.get(
    "/reports/:period",
    {
      config: { access: "public" },
      schema: {
        operationId: "getReport",
        summary:
          "The transparency report of a year, half-year or quarter (2025, 2025H2, 2025Q3), as published (no sign-in)",
        tags: ["reports"],
        params: z.strictObject({ period: periodSchema }),
        response: { 200: reportDocumentSchema },
      },
    },
    async (request) => loadReportDocument(db, request.params.period as Period),
  );
}

export async function reportPageRoutes(app: App, { db, now }: AppContext): Promise<void> {
  app.get("/reports", { config: { access: "public" }, schema: { hide: true } }, async (_request, reply) => {
    // The newest half-year that has ended is the one people come for.
    return reply.redirect(`/reports/${previousPeriod(periodOf(now()))}`, 302);
  });

  app.get(
    "/reports/:name",
    {
      config: { access: "public" },
      schema: {
        hide: true,
        params: z.strictObject({
          name: z
            .string()
            .regex(/^\d{4}(H[12]|Q[1-4])?(\.csv)?$/, {
              error: "must be a year, half-year or quarter like 2025, 2025H2 or 2025Q3, or one of them with .csv",
            })
            .refine((name) => Number(name.slice(0, 4)) >= 1970, { error: "must be in 1970 or later" }),
        }),
      },
    },
    async (request, reply) => {
      const period = request.params.name.replace(/\.csv$/, "") as Period;
      if (request.params.name.endsWith(".csv")) {
        const csv = toCsv(await readReport(db, period));
        return reply
          .type("text/csv; charset=utf-8")
          .header("content-disposition", `attachment; filename="transparency-${period}.csv"`)
          .send(csv);
      }
      const html = await renderReportPage(await loadReportPageData(db, period));
      return reply.type("text/html; charset=utf-8").send(html);
    },
  );
}
