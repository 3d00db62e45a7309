// A `module` data source (docs/sources.md): an ES module whose default export is a DataSource
// (src/fulfilment/sources/source.ts) or, as here, a factory that Custodian calls with its own database
// handle and the `options` of the source's entry in the sources file. This one answers from a JSON file
// (options.file, an absolute path or one relative to the working directory) shaped as
//   { "accounts": [{ "id", "username", "name", "email" }], "logins": [{ "account", "at", "ip", "userAgent" }] }
// which is enough to show the interface; a provider's module calls its own services instead.
import { readFileSync } from "node:fs";

const COLUMNS = {
  "subscriber.name": ["display_name"],
  "subscriber.email": ["email"],
  "records.ip_logs": ["ip", "user_agent"],
};

export default function jsonFileSource(_db, options) {
  const data = JSON.parse(readFileSync(options.file, "utf8"));
  const byId = new Map(data.accounts.map((a) => [a.id, a]));
  return {
    name: `JSON file ${options.file}`,
    columns: (category) => COLUMNS[category],
    async findAccount(target) {
      // Which field of an account each target type names; this file holds no phone numbers.
      const key = { account_id: "id", username: "username", email: "email" }[target.type];
      const value = target.value.trim().toLowerCase();
      const account = key ? data.accounts.find((a) => a[key] === value) : undefined;
      return account ? { id: account.id, label: `@${account.username}` } : undefined;
    },
    async contactFor(ref) {
      const account = byId.get(ref.id);
      return account?.email ? { email: account.email, name: account.name } : undefined;
    },
    // Records of one category in [period.from, period.to), oldest first; `at: null` for a current attribute.
    async *read(ref, category, period) {
      const account = byId.get(ref.id);
      if (!account) return;
      if (category === "subscriber.name") yield { at: null, fields: { display_name: account.name } };
      if (category === "subscriber.email" && account.email) yield { at: null, fields: { email: account.email } };
      if (category === "records.ip_logs") {
        for (const login of data.logins) {
          const at = new Date(login.at);
          if (login.account !== ref.id || (period.from && at < period.from) || at >= period.to) continue;
          yield { at, fields: { ip: login.ip, user_agent: login.userAgent } };
        }
      }
    },
  };
}
