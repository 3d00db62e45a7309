import PDFDocument from "pdfkit";

/**
 * The custodian-of-records certificate (the "certificate of authenticity of business records" that
 * lets records be admitted without a witness, e.g. US Federal Rule of Evidence 902(11)): who produced
 * what, when, under which request and decision, with every file's SHA-256 so the paper and the bag
 * vouch for each other.
 */

export interface CertificateFacts {
  provider: string;
  productionId: string;
  producedAt: Date;
  producedBy: string;
  request: { id: string; reference: string; agency: string; jurisdiction: string; process: string; receivedAt: Date };
  decision: { id: string; policy: string; outcome: string; approvedBy: string | null; approvedAt: Date | null };
  period: string;
  targets: ReadonlyArray<{ target: string; result: string; records: number }>;
  files: ReadonlyArray<{ path: string; bytes: number; sha256: string }>;
}

export async function certificatePdf(facts: CertificateFacts): Promise<Buffer> {
  const doc = new PDFDocument({
    size: "A4",
    margin: 56,
    info: {
      Title: `Certificate of authenticity: production ${facts.productionId}`,
      Author: facts.producedBy,
      Subject: `Request ${facts.request.reference}, decision ${facts.decision.id}`,
      Keywords: `custodian production ${facts.productionId} ${facts.request.id}`,
      Creator: "Custodian",
      CreationDate: facts.producedAt,
    },
  });
  const parts: Buffer[] = [];
  doc.on("data", (part: Buffer) => parts.push(part));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on("end", resolve);
    doc.on("error", reject);
  });

  const iso = (d: Date) => d.toISOString().replace(".000Z", "Z");
  doc.font("Helvetica-Bold").fontSize(16).text("Certificate of Authenticity of Business Records");
  doc.moveDown(0.3).font("Helvetica").fontSize(10).fillColor("#444").text(`Custodian of records for ${facts.provider}`);
  doc.fillColor("black").moveDown();
  doc
    .fontSize(10.5)
    .text(
      `I, ${facts.producedBy}, acting as custodian of records for ${facts.provider}, certify that the records ` +
        `in this production were collected from ${facts.provider}'s systems by Custodian on ${iso(facts.producedAt)}, ` +
        "that they are records made and kept in the course of the service's regularly conducted activity, and that " +
        "the files listed below are true copies of those records, identified by their SHA-256 digests.",
      { align: "justify" },
    );
  doc.moveDown();
  const line = (label: string, value: string) => {
    doc.font("Helvetica-Bold").text(`${label}: `, { continued: true }).font("Helvetica").text(value);
  };
  line("Production", facts.productionId);
  line("Request", `${facts.request.reference} (${facts.request.id})`);
  line("Requesting agency", `${facts.request.agency}, ${facts.request.jurisdiction}`);
  line("Legal process", `${facts.request.process}, received ${iso(facts.request.receivedAt)}`);
  line("Decision", `${facts.decision.id}, ${facts.decision.outcome} under policy ${facts.decision.policy}`);
  line(
    "Approved",
    facts.decision.approvedBy
      ? `by ${facts.decision.approvedBy}${facts.decision.approvedAt ? ` on ${iso(facts.decision.approvedAt)}` : ""}`
      : "-",
  );
  line("Period produced", facts.period);

  doc.moveDown().font("Helvetica-Bold").text("Targets");
  doc.font("Helvetica");
  for (const t of facts.targets) {
    doc.text(
      `${t.target}: ${t.result === "no_data" ? "no data (no such account, or no records in the period)" : `${t.records} record(s)`}`,
    );
  }

  doc.moveDown().font("Helvetica-Bold").text("Files (SHA-256)");
  doc.font("Courier").fontSize(8);
  for (const f of facts.files) doc.text(`${f.sha256}  ${f.path}  (${f.bytes} bytes)`);
  doc.font("Helvetica").fontSize(9).moveDown();
  doc.text(
    "The bag this certificate belongs to is a BagIt 1.0 bag (RFC 8493); `bagit.py --validate` checks every file " +
      "against manifest-sha256.txt. This certificate is itself listed in that manifest.",
  );
  doc.moveDown(2).fontSize(10.5).text("______________________________", { continued: false });
  doc.text(`${facts.producedBy}, custodian of records, ${iso(facts.producedAt)}`);
  doc.end();
  await ended;
  return Buffer.concat(parts);
}
