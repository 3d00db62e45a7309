import nodemailer from "nodemailer";
import type { MailTransport } from "./outbox.js";

/** SMTP through nodemailer, from a `smtp(s)://user:pass@host:port` URL (CUSTODIAN_SMTP_URL). */
export function smtpTransport(url: string, from: string): MailTransport {
  const transporter = nodemailer.createTransport(url);
  return {
    async send(mail) {
      await transporter.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    },
  };
}
