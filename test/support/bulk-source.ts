import type { DataSource, SourceRecord } from "../../src/fulfilment/sources/source.js";

/**
 * A provider's system holding one account with many large posts, for tests that need a production big
 * enough to take seconds to package (the package benchmark has its own copy, in plain JavaScript).
 */
export const BULK_ACCOUNT = "4242424242";
const BODY_CHARS = 4000;

export function bulkSource(records: number): DataSource {
  const words = ["harbour", "light", "river", "stone", "quiet", "fox", "night", "owl", "market", "ferry"];
  const bodies = Array.from({ length: 64 }, (_, b) => {
    let text = "";
    for (let i = 0; text.length < BODY_CHARS; i++) text += `${words[(i * 7 + b) % words.length]} `;
    return text.slice(0, BODY_CHARS);
  });
  const start = Date.parse("2020-08-01T00:00:00Z");
  return {
    name: "bulk test source",
    columns: () => ["post_id", "group_id", "body"],
    findAccount: async () => ({ id: BULK_ACCOUNT, label: "@bulk" }),
    contactFor: async () => undefined,
    async *read(): AsyncIterable<SourceRecord> {
      for (let i = 0; i < records; i++) {
        yield {
          at: new Date(start + i * 1000),
          fields: { post_id: String(i), group_id: `g${i % 97}`, body: bodies[i % bodies.length] as string },
        };
      }
    },
  };
}
