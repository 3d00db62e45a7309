import PDFDocument from "pdfkit";
import { MESSAGE_TITLES, type MessageKind } from "./forms.js";

/**
 * A message of the correspondence as a PDF, for an authority that files paper: a rendering of the form's
 * JSON (which stays the record, with its SHA-256 printed at the foot so paper and record vouch for each other).
 */

// biome-ignore lint/suspicious/noExplicitAny: the stored form is JSON whose shape depends on its kind.
type FormJson = Record<string, any>;

export interface RenderedMessage {
  id: string;
  sequence: number;
  kind: MessageKind;
  direction: "outbound" | "inbound";
  form: FormJson;
  sha256: string;
  author: string;
  sentAt: Date;
}

const iso = (value: string | Date | null | undefined) =>
  value === null || value === undefined
    ? "-"
    : (value instanceof Date ? value.toISOString() : value).replace(/\.000Z$/, "Z");

export async function messagePdf(message: RenderedMessage): Promise<Buffer> {
  const form = message.form;
  const request = form.request as FormJson;
  const doc = new PDFDocument({
    size: "A4",
    margin: 56,
    info: {
      Title: `${MESSAGE_TITLES[message.kind]}: ${request.reference}`,
      Author: message.author,
      Subject: `Request ${request.reference} (${request.id}), message ${message.sequence}`,
      Keywords: `custodian correspondence ${request.id} ${message.id}`,
      Creator: "Custodian",
      CreationDate: message.sentAt,
    },
  });
  const parts: Buffer[] = [];
  doc.on("data", (part: Buffer) => parts.push(part));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on("end", resolve);
    doc.on("error", reject);
  });
  const line = (label: string, value: string) => {
    doc.font("Helvetica-Bold").text(`${label}: `, { continued: true }).font("Helvetica").text(value);
  };

  doc.font("Helvetica-Bold").fontSize(15).text(MESSAGE_TITLES[message.kind]);
  doc.moveDown(0.3).font("Helvetica").fontSize(10).fillColor("#444");
  doc.text(
    message.direction === "outbound"
      ? `From ${form.provider ?? "the provider"} to ${request.issuingAuthority?.name ?? request.agency}`
      : `From ${request.agency} to ${form.provider ?? "the provider"}`,
  );
  doc.fillColor("black").moveDown().fontSize(10.5);
  line("Order", `${request.reference} (${request.regime}${request.instrument ? `, ${request.instrument}` : ""})`);
  if (request.issuingAuthority) {
    const authority = request.issuingAuthority as FormJson;
    line(
      "Issuing authority",
      `${authority.name} (${String(authority.kind).replaceAll("_", " ")})${authority.fileNumber ? `, file ${authority.fileNumber}` : ""}`,
    );
  }
  line("Requesting agency", `${request.agency}, ${request.jurisdiction}`);
  line("Received", iso(request.receivedAt));
  line("Sent", `${iso(message.sentAt)} by ${message.author}`);
  doc.moveDown();

  switch (form.form ?? message.kind) {
    case "acknowledgement":
      doc.text(`The order was received on ${iso(form.receivedAt)} and is being handled.`);
      break;
    case "preservation_acknowledgement":
      doc.text("The data the order names are preserved:");
      for (const hold of form.holds as FormJson[])
        doc.text(`- hold ${hold.id}: ${hold.status} until ${iso(hold.expiresAt)}`);
      break;
    case "production_notice":
      doc.text("The data were produced and are available to the requesting agency through its portal:");
      for (const p of form.productions as FormJson[]) {
        doc.text(`- production ${p.id}: ${p.files} file(s), sealed ${iso(p.sealedAt)}, until ${iso(p.downloadUntil)}`);
      }
      break;
    case "annex_iii":
      line("Purpose", form.purpose === "clarification" ? "request for clarification" : "inability to execute");
      doc.moveDown(0.5).font("Helvetica-Bold").text("Reasons");
      doc.font("Helvetica");
      for (const reason of form.reasons as FormJson[]) {
        doc.text(`[x] ${reason.text}${reason.explanation ? `: ${reason.explanation}` : ""}`);
        for (const item of (reason.items ?? []) as FormJson[]) doc.text(`      ${item.target}: ${item.category}`);
      }
      if (form.question) {
        doc.moveDown(0.5).font("Helvetica-Bold").text("Clarification asked");
        doc.font("Helvetica").text(String(form.question));
      }
      doc.moveDown(0.5);
      doc.text(form.dataPreserved ? "The data are preserved meanwhile." : "No data are preserved under this order.");
      if (form.clockPaused) doc.text("The time to answer the order stands still until the clarification is answered.");
      break;
    case "clarification_answer":
      line("In answer to message", String(form.inReplyTo));
      doc.moveDown(0.5).text(String(form.answer));
      break;
  }
  doc.moveDown(2).font("Courier").fontSize(8).text(`Message ${message.id}, no. ${message.sequence}`);
  doc.text(`SHA-256 of the form (canonical JSON): ${message.sha256}`);
  doc.end();
  await ended;
  return Buffer.concat(parts);
}
