import { z } from "zod";
import { ADDRESSEE_KINDS } from "../../addressees/addressees.js";
import { INSTRUMENTS } from "../../domain/vocabulary.js";
import type { App, AppContext } from "../context.js";

/** Where authorities send their orders (docs/addressees.md): public, as the portal's page shows it. */

const addresseeView = z.object({
  region: z.string(),
  kind: z.enum(ADDRESSEE_KINDS),
  name: z.string(),
  establishedIn: z.string(),
  address: z.string(),
  email: z.string().optional(),
  phone: z.string().optional(),
  emergencyPhone: z.string().optional(),
  languages: z.array(z.string()),
  receives: z.array(z.enum(INSTRUMENTS)).optional(),
  note: z.string().optional(),
});

export async function addresseeRoutes(api: App, { config }: AppContext): Promise<void> {
  api.get(
    "/addressees",
    {
      config: { access: "public" },
      schema: {
        operationId: "listAddressees",
        summary:
          "Where authorities send orders, per region: the designated establishment or legal representative (EU) or contact point, how to reach it, and the languages it accepts",
        tags: ["agencies"],
        response: { 200: z.object({ addressees: z.array(addresseeView) }) },
      },
    },
    async () => ({ addressees: config.addressees }),
  );
}
