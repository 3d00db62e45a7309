import type { App, AppContext } from "../http/context.js";
import { agencyPages } from "./admin/agencies.page.js";
import { jurisdictionPages } from "./admin/jurisdictions.page.js";
import { policyPages } from "./admin/policy.page.js";
import { userPages } from "./admin/users.page.js";

/** Administration: jurisdictions (pause and resume), the policy (preview, then activate), agencies, users. */

export async function adminPages(app: App, context: AppContext): Promise<void> {
  await jurisdictionPages(app, context);
  await policyPages(app, context);
  await agencyPages(app, context);
  await userPages(app, context);
}
