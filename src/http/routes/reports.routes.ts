import { z } from "zod";
import { DSA_COLUMNS } from "../../reports/dsa.format.js";
import type { PublishedNoticeRow } from "../../reports/notice.format.js";
import { NOTICE_CSV_COLUMNS } from "../../reports/notice.format.js";
import { readNoticeReport } from "../../reports/notice.repository.js";
import {
  describePeriod,
  type Period,
  periodBounds,
  periodOf,
  periodSchema,
  previousPeriod,
  type Year,
} from "../../reports/period.js";
import { CSV_COLUMNS, type PublishedRow } from "../../reports/report.format.js";
import { layoutCsv, layoutsFor } from "../../reports/report.layouts.js";
import { renderReportPage } from "../../reports/report.page.js";
import { readReport } from "../../reports/report.repository.js";
import {
  loadDsaCsv,
  loadNoticeCsv,
  loadReportDocument,
  loadReportPageData,
  loadVersionPageData,
  versionCsv,
  versionDocument,
} from "../../reports/report.service.js";
import {
  type DsaChange,
  getReportVersion,
  listReportVersions,
  type NoticeChange,
  publishReport,
  type ReportChange,
} from "../../reports/report.versions.js";
import { DomainError } from "../../shared/errors.js";
import { text } from "../../shared/validation.js";
import { type App, type AppContext, principalOf } from "../context.js";

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

const noticeSectionSchema = z.object({
  columns: z.array(z.string()).readonly(),
  rows: z.array(
    z.object({
      period: z.string(),
      jurisdiction: z.string(),
      process: z.string(),
      notices_given: figure,
      notices_delayed_by_non_disclosure: figure,
      notices_barred: figure,
      notices_pending_emergency_delay: figure,
      notices_not_possible: figure,
      notices_left_to_issuing_authority: figure,
    }) satisfies z.ZodType<PublishedNoticeRow>,
  ),
});

const changeSchema = z.object({
  jurisdiction: z.string(),
  process: z.string(),
  column: z.enum(CSV_COLUMNS),
  before: z.union([z.number(), z.string()]).nullable(),
  after: z.union([z.number(), z.string()]).nullable(),
}) satisfies z.ZodType<ReportChange>;

const noticeChangeSchema = z.object({
  jurisdiction: z.string(),
  process: z.string(),
  column: z.enum(NOTICE_CSV_COLUMNS),
  before: z.union([z.number(), z.string()]).nullable(),
  after: z.union([z.number(), z.string()]).nullable(),
}) satisfies z.ZodType<NoticeChange>;

const dsaChangeSchema = z.object({
  scope: z.string(),
  category: z.string(),
  column: z.enum(DSA_COLUMNS),
  before: z.union([z.number(), z.string()]).nullable(),
  after: z.union([z.number(), z.string()]).nullable(),
}) satisfies z.ZodType<DsaChange>;

const versionSummarySchema = z.object({
  period: z.string(),
  version: z.number().int(),
  publishedAt: z.string(),
  note: z.string().nullable(),
  changes: z.array(changeSchema),
  noticeChanges: z.array(noticeChangeSchema),
  dsaChanges: z.array(dsaChangeSchema),
  includes: z.object({ notices: z.boolean(), dsa: z.boolean() }),
  sha256: z.string(),
});

const versionParams = z.strictObject({
  period: periodSchema,
  version: z.coerce.number().int().min(1).max(1_000_000),
});

export async function reportApiRoutes(api: App, { db, now }: AppContext): Promise<void> {
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
        response: { 200: reportDocumentSchema.extend({ notices: noticeSectionSchema }) },
      },
    },
    async (request) => loadReportDocument(db, request.params.period as Period),
  );

  api.get(
    "/reports/:period/versions",
    {
      config: { access: "public" },
      schema: {
        operationId: "listReportVersions",
        summary: "The published versions of a period's report, oldest first, each correction with its note and changes",
        tags: ["reports"],
        params: z.strictObject({ period: periodSchema }),
        response: { 200: z.object({ period: z.string(), versions: z.array(versionSummarySchema) }) },
      },
    },
    async (request) => ({
      period: request.params.period,
      versions: await listReportVersions(db, request.params.period as Period),
    }),
  );

  api.get(
    "/reports/:period/versions/:version",
    {
      config: { access: "public" },
      schema: {
        operationId: "getReportVersion",
        summary: "One published version of a period's report, as it was published (never changed)",
        tags: ["reports"],
        params: versionParams,
        response: {
          200: versionSummarySchema.extend({
            columns: reportDocumentSchema.shape.columns,
            rows: reportDocumentSchema.shape.rows,
            notices: noticeSectionSchema.nullable(),
          }),
        },
      },
    },
    async (request) =>
      versionDocument(await getReportVersion(db, request.params.period as Period, request.params.version)),
  );

  api.post(
    "/reports/:period/versions",
    {
      config: { access: "report.publish" },
      schema: {
        operationId: "publishReport",
        summary:
          "Publish the period's report as it stands as its next version; a correction (version 2 on) must say what changed and why",
        tags: ["reports"],
        params: z.strictObject({ period: periodSchema }),
        body: z.strictObject({ note: text(4000).optional() }),
        response: { 201: versionSummarySchema },
      },
    },
    async (request, reply) => {
      const published = await publishReport(db, {
        period: request.params.period as Period,
        note: request.body.note,
        by: principalOf(request),
        now: now(),
      });
      return reply.code(201).send(published);
    },
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
            .regex(
              /^\d{4}(H[12]|Q[1-4])?(\.csv|\.json|\.google\.csv|\.apple\.csv|\.oti\.csv|\.notices\.csv|\.dsa\.csv)?$/,
              {
                error:
                  "must be a year, half-year or quarter like 2025, 2025H2 or 2025Q3, alone or with .csv, .json, .google.csv, .apple.csv, .oti.csv, .notices.csv or .dsa.csv (a year only)",
              },
            )
            .refine((name) => Number(name.slice(0, 4)) >= 1970, { error: "must be in 1970 or later" }),
        }),
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const period = name.replace(/\..*$/, "") as Period;
      // A period that has not begun has no report yet: saying "no requests" for it would be a statement.
      if (periodBounds(period).start.getTime() > now().getTime()) {
        throw new DomainError("not_found", `${describePeriod(period)} has not begun: there is no report for it`);
      }
      // Every layout the page lists (report.layouts.ts layoutsFor) is served here under its file name.
      const layout = layoutsFor(period).find((l) => l.file(period) === name);
      if (!layout && name !== period)
        throw new DomainError(
          "not_found",
          `${name} does not exist: the DSA layout is published for calendar years only`,
        );
      if (layout) {
        if (layout.id === "dsa-csv") {
          return reply
            .type("text/csv; charset=utf-8")
            .header("content-disposition", `attachment; filename="transparency-${name}"`)
            .send(await loadDsaCsv(db, period as Year));
        }
        if (layout.id === "json")
          return reply.type("application/json; charset=utf-8").send(await loadReportDocument(db, period));
        return reply
          .type("text/csv; charset=utf-8")
          .header("content-disposition", `attachment; filename="transparency-${name}"`)
          .send(
            layout.id === "notices-csv"
              ? await loadNoticeCsv(db, period)
              : layoutCsv(
                  layout.id,
                  await readReport(db, period),
                  layout.id === "oti-csv" ? await readNoticeReport(db, period) : null,
                ),
          );
      }
      const html = await renderReportPage(await loadReportPageData(db, period));
      return reply.type("text/html; charset=utf-8").send(html);
    },
  );

  // A published version: its page, and every layout of what it froze (its CSV byte for byte what its sha256 names).
  app.get(
    "/reports/:period/versions/:file",
    {
      config: { access: "public" },
      schema: {
        hide: true,
        params: z.strictObject({
          period: periodSchema,
          file: z
            .string()
            .regex(/^[1-9]\d{0,5}(\.csv|\.json|\.google\.csv|\.apple\.csv|\.oti\.csv|\.notices\.csv|\.dsa\.csv)?$/, {
              error:
                "must be a version number, alone or with .csv, .json, .google.csv, .apple.csv, .oti.csv, .notices.csv or .dsa.csv (a year only), like 1 or 1.csv",
            }),
        }),
      },
    },
    async (request, reply) => {
      const period = request.params.period as Period;
      const { file } = request.params;
      const number = Number.parseInt(file, 10);
      const suffix = file.slice(String(number).length);
      if (suffix === "") {
        const html = renderReportPage(await loadVersionPageData(db, period, number));
        return reply.type("text/html; charset=utf-8").send(html);
      }
      // The layouts are named as the period's files are (2025H2.apple.csv → 1.apple.csv).
      const layout = layoutsFor(period).find((l) => l.file(period) === `${period}${suffix}`);
      if (!layout)
        throw new DomainError(
          "not_found",
          `${file} does not exist: the DSA layout is published for calendar years only`,
        );
      const version = await getReportVersion(db, period, number);
      if (layout.id === "json") return reply.type("application/json; charset=utf-8").send(versionDocument(version));
      const body = versionCsv(version, layout.id);
      const name = suffix === ".csv" ? `${period}-v${number}.csv` : `${period}-v${number}${suffix}`;
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="transparency-${name}"`)
        .send(body);
    },
  );
}
