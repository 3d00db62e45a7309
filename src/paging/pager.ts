import type { PagerSettings } from "../config.js";

/**
 * The page itself: a PagerDuty Events API v2 "trigger" event, the body most paging services accept
 * (PagerDuty, and Opsgenie, Grafana OnCall, Splunk On-Call and others through their PagerDuty-compatible
 * integrations; a plain webhook receiver reads it as JSON). It says which request and by when, and links
 * to the desk; it names no target and no user, since a page travels through a third party's systems.
 */

export interface PageContent {
  requestId: string;
  reference: string;
  agency: string;
  jurisdiction: string;
  /** us, eu_e_evidence, … (docs/regimes.md). */
  regime: string;
  dueAt: Date | null;
  deskUrl: string;
}

export function pagerEvent(content: PageContent, settings: Pick<PagerSettings, "routingKey">, now: Date) {
  const due = content.dueAt ? `; answer by ${content.dueAt.toISOString().slice(0, 16).replace("T", " ")} UTC` : "";
  return {
    ...(settings.routingKey ? { routing_key: settings.routingKey } : {}),
    event_action: "trigger",
    // One incident per request however often the page is retried.
    dedup_key: `custodian-emergency-${content.requestId}`,
    payload: {
      summary: `Emergency request ${content.reference} from ${content.agency} (${content.jurisdiction})${due}`,
      source: "custodian",
      severity: "critical",
      timestamp: now.toISOString(),
      component: "government-requests",
      class: "emergency",
      custom_details: {
        request: content.reference,
        agency: content.agency,
        jurisdiction: content.jurisdiction,
        regime: content.regime,
        due_at: content.dueAt?.toISOString() ?? null,
      },
    },
    links: [{ href: content.deskUrl, text: "Open the request on the desk" }],
  };
}

/** How long one attempt may take before it counts as failed and is retried. */
export const PAGE_TIMEOUT_MS = 10_000;

/** Post one event; throws, with what the service answered, unless it accepted it (2xx). */
export async function postPage(settings: PagerSettings, event: object, signal?: AbortSignal): Promise<number> {
  const timeout = AbortSignal.timeout(PAGE_TIMEOUT_MS);
  const response = await fetch(settings.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(settings.token ? { authorization: `Bearer ${settings.token}` } : {}),
    },
    body: JSON.stringify(event),
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
  });
  const answer = (await response.text()).slice(0, 200);
  if (!response.ok) throw new Error(`the pager answered ${response.status}${answer ? `: ${answer}` : ""}`);
  return response.status;
}
