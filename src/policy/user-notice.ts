import type { Regime } from "../domain/vocabulary.js";
import type { NoticeGiver, PolicyDocument } from "./policy.schema.js";

/**
 * Who tells the person whose data were asked for, and when, under the regime a request was made in: the
 * policy's `userNotice.<regime>` where counsel wrote one, else the regime's default. Pure, like the engine:
 * the notice service asks it with the policy in force when a notice falls due, and the desk shows the same
 * answer with its source.
 */

export interface UserNoticeRule {
  by: NoticeGiver;
  /** Days after the answer before the provider's notice goes out (0: as soon as nothing bars it). */
  afterDays: number;
  /** Where the rule comes from: the policy's line, or the regime's default. */
  rule: string;
  reason: string;
}

const PROVIDER_TELLS =
  "the provider tells the user once no non-disclosure order, authority's delay or emergency bars it";

/**
 * Without a line in the policy. US process, OPOs and MLAT leave notice to the provider (the US-style
 * default Custodian always had). Under Regulation (EU) 2023/1543 the issuing authority informs the person
 * (Art. 13(1), delaying as its law allows) and the provider must keep the order confidential (Art. 13(4),
 * fined under Art. 15): the provider sends nothing unless counsel's rule says it may.
 */
const DEFAULTS: Record<Regime, { by: NoticeGiver; reason: string }> = {
  us: { by: "provider", reason: PROVIDER_TELLS },
  uk_us_daa: { by: "provider", reason: PROVIDER_TELLS },
  mlat: { by: "provider", reason: PROVIDER_TELLS },
  eu_e_evidence: {
    by: "issuing_authority",
    reason:
      "Regulation (EU) 2023/1543 Art. 13(1): the issuing authority informs the person; the provider keeps the order confidential (Art. 13(4))",
  },
};

export function userNoticeRule(policy: Pick<PolicyDocument, "userNotice">, regime: Regime): UserNoticeRule {
  const written = policy.userNotice?.[regime];
  if (!written) {
    const fallback = DEFAULTS[regime];
    return { ...fallback, afterDays: 0, rule: `the ${regime} regime's default (docs/policy.md#user-notice)` };
  }
  const afterDays = written.afterDays ?? 0;
  const reason =
    written.description ??
    (written.by === "issuing_authority"
      ? "counsel's rule: the issuing authority informs the person; the provider keeps the order confidential"
      : afterDays > 0
        ? `counsel's rule: ${PROVIDER_TELLS}, ${afterDays} days after the answer`
        : `counsel's rule: ${PROVIDER_TELLS}`);
  return { by: written.by, afterDays, rule: `userNotice.${regime}`, reason };
}
