import { PROCESSES, TARGET_TYPES } from "../domain/vocabulary.js";

/**
 * The portal's request form and the request document (docs/request.md) it becomes. Field names are the
 * document's paths (`targets.0.value`, `dateRange.from`), so every problem the intake reports lands
 * beside the field it concerns. Pure: the route adds who is asking and when.
 */

export type FormFields = Record<string, string[]>;

export interface SubmissionForm {
  reference: string;
  jurisdiction: string;
  process: string;
  issuedBy: string;
  findings: string;
  targets: Array<{ type: string; value: string }>;
  categories: string[];
  dateFrom: string;
  dateTo: string;
  nonDisclosureUntil: string;
  emergencyJustification: string;
}

/** At least this many target rows are shown, so the form works without the script that adds rows. */
export const TARGET_ROWS = 3;
const MAX_TARGETS = 100;

const one = (fields: FormFields, name: string) => (fields[name]?.[0] ?? "").trim();

export function readSubmissionForm(fields: FormFields): SubmissionForm {
  const targets: SubmissionForm["targets"] = [];
  for (let i = 0; i < MAX_TARGETS; i++) {
    const type = one(fields, `targets.${i}.type`);
    const value = one(fields, `targets.${i}.value`);
    if (fields[`targets.${i}.type`] === undefined && fields[`targets.${i}.value`] === undefined) continue;
    targets.push({ type: type || "account_id", value });
  }
  return {
    reference: one(fields, "reference"),
    jurisdiction: one(fields, "jurisdiction").toUpperCase(),
    process: one(fields, "process"),
    issuedBy: one(fields, "issuedBy"),
    findings: one(fields, "findings"),
    targets,
    categories: (fields.categories ?? []).map((c) => c.trim()).filter(Boolean),
    dateFrom: one(fields, "dateRange.from"),
    dateTo: one(fields, "dateRange.to"),
    nonDisclosureUntil: one(fields, "nonDisclosure.until"),
    emergencyJustification: one(fields, "emergency.justification"),
  };
}

export function emptySubmissionForm(jurisdiction: string): SubmissionForm {
  return {
    reference: "",
    jurisdiction,
    process: "",
    issuedBy: "",
    findings: "",
    targets: [],
    categories: [],
    dateFrom: "",
    dateTo: "",
    nonDisclosureUntil: "",
    emergencyJustification: "",
  };
}

/**
 * The document as the officer filled it in. Blank target rows are dropped (the form always shows a few);
 * a half-filled date range is passed on as it is, so the intake names the missing end.
 */
export function documentFromForm(
  form: SubmissionForm,
  who: { agencyName: string; email: string },
  now: Date,
): Record<string, unknown> {
  const range =
    form.dateFrom || form.dateTo ? { from: form.dateFrom || undefined, to: form.dateTo || undefined } : null;
  return {
    reference: form.reference,
    receivedAt: now.toISOString(),
    jurisdiction: form.jurisdiction,
    agency: { name: who.agencyName, email: who.email },
    process: form.process,
    issuedBy: form.issuedBy || null,
    findings: form.findings
      .split(/[,\n]/)
      .map((f) => f.trim())
      .filter(Boolean),
    emergency: form.process === "emergency" ? { justification: form.emergencyJustification } : null,
    // A row keeps its position so that `targets[2].value` still names the third row on the page.
    targets: form.targets.filter((t) => t.value !== ""),
    categories: form.categories,
    dateRange: range,
    nonDisclosure: form.nonDisclosureUntil ? { until: form.nonDisclosureUntil } : null,
    documents: [],
  };
}

/** Problems the document's schema cannot word for a form: nothing chosen, or nothing typed. */
/** The processes that are acted on only with their signed document attached. */
const NEEDS_DOCUMENT: readonly string[] = ["subpoena", "court_order", "search_warrant", "mlat"];

/**
 * What the form itself can tell is missing or wrong, before the request document is checked. `attached` is
 * the number of files sent; given, a process that is acted on only with its document must have one.
 */
export function formProblems(form: SubmissionForm, attached?: number): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  if (!form.reference.trim()) problems.push({ path: "reference", message: "Enter the agency's reference" });
  if (!form.process) problems.push({ path: "process", message: "choose the legal process the request is made under" });
  else if (!(PROCESSES as readonly string[]).includes(form.process)) {
    problems.push({ path: "process", message: `unknown legal process "${form.process}"` });
  }
  if (!form.targets.some((t) => t.value !== "")) {
    problems.push({ path: "targets.0.value", message: "name at least one account, username, e-mail or phone" });
  }
  form.targets.forEach((t, i) => {
    if (!(TARGET_TYPES as readonly string[]).includes(t.type)) {
      problems.push({ path: `targets.${i}.type`, message: `unknown target type "${t.type}"` });
    }
  });
  if (form.categories.length === 0) problems.push({ path: "categories", message: "choose at least one category" });
  if (form.process === "emergency" && !form.emergencyJustification) {
    problems.push({
      path: "emergency.justification",
      message: "say what imminent danger of death or serious injury the disclosure would prevent",
    });
  }
  if ((form.dateFrom === "") !== (form.dateTo === "")) {
    problems.push({
      path: form.dateFrom ? "dateRange.to" : "dateRange.from",
      message: "give both ends of the period, or neither",
    });
  }
  if (form.dateFrom && form.dateTo && form.dateFrom > form.dateTo) {
    problems.push({ path: "dateRange.to", message: "The end date must be after the start date" });
  }
  if (attached === 0 && NEEDS_DOCUMENT.includes(form.process)) {
    problems.push({ path: "documents", message: "Attach the signed legal process: it is not acted on without it" });
  }
  return problems;
}

/**
 * The intake names target rows by their place among the filled-in rows; the page by their place on the
 * form. Map `targets[1]` back to the row the officer typed it in.
 */
export function formPath(path: string, form: SubmissionForm): string {
  const match = /^targets\[(\d+)\](.*)$/.exec(path);
  if (!match) return path.replace(/\[(\d+)\]/g, ".$1");
  const filled = form.targets.map((t, i) => (t.value !== "" ? i : -1)).filter((i) => i >= 0);
  const row = filled[Number(match[1])] ?? Number(match[1]);
  return `targets.${row}${(match[2] ?? "").replace(/\[(\d+)\]/g, ".$1")}`;
}
