import { type Addressee, type AddresseeKind, languageName } from "../addressees/addressees.js";
import type { App, AppContext } from "../http/context.js";
import { principalOf } from "../http/context.js";
import { pageCsrf } from "../http/session.js";
import { countryName } from "../reports/country-names.js";
import { Layout } from "./layout.js";
import { sendPage } from "./render.js";

/**
 * Where to send orders, for agencies (docs/addressees.md): the deployment's addressees as
 * GET /api/v1/addressees gives them. Public, because an authority needs it before it has an account, and
 * a Member State publishes the same contact details anyway.
 */

const KIND_LABELS: Record<AddresseeKind, string> = {
  designated_establishment: "Designated establishment",
  legal_representative: "Legal representative",
  contact_point: "Contact point for law enforcement",
};

const INSTRUMENT_LABELS: Record<string, string> = {
  epoc: "European Production Orders (EPOC)",
  epoc_pr: "European Preservation Orders (EPOC-PR)",
  annex_v_confirmation: "confirmations of a production request after preservation (Annex V)",
  annex_vi_extension: "extensions of preservation (Annex VI)",
  overseas_production_order: "Overseas Production Orders",
  mlat: "mutual legal assistance requests",
};

function regionName(region: string): string {
  return region === "EU" ? "European Union" : countryName(region);
}

function AddresseeCard({ addressee }: { addressee: Addressee }) {
  const id = `region-${addressee.region.toLowerCase()}`;
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{regionName(addressee.region)}</h2>
      <dl class="facts">
        <dt>Send orders to</dt>
        <dd>
          {addressee.name}
          <br />
          <span class="muted">
            {KIND_LABELS[addressee.kind]}, established in {countryName(addressee.establishedIn)}
          </span>
        </dd>
        <dt>Postal address</dt>
        <dd class="pre-line">{addressee.address.trim()}</dd>
        {addressee.email && (
          <>
            <dt>E-mail</dt>
            <dd>
              <a href={`mailto:${addressee.email}`}>{addressee.email}</a>
            </dd>
          </>
        )}
        {addressee.phone && (
          <>
            <dt>Telephone</dt>
            <dd>
              <a href={`tel:${addressee.phone.replace(/ /g, "")}`}>{addressee.phone}</a>
            </dd>
          </>
        )}
        {addressee.emergencyPhone && (
          <>
            <dt>Emergencies, at any hour</dt>
            <dd>
              <a href={`tel:${addressee.emergencyPhone.replace(/ /g, "")}`}>{addressee.emergencyPhone}</a>
            </dd>
          </>
        )}
        <dt>Languages accepted</dt>
        <dd>
          {addressee.languages.map(languageName).join(", ")}
          {addressee.region === "EU" && (
            <span class="hint">An order in another language will be sent back for a translation.</span>
          )}
        </dd>
        {addressee.receives && (
          <>
            <dt>Receives</dt>
            <dd>{addressee.receives.map((i) => INSTRUMENT_LABELS[i] ?? i).join("; ")}</dd>
          </>
        )}
        {addressee.note && (
          <>
            <dt>Note</dt>
            <dd>{addressee.note}</dd>
          </>
        )}
      </dl>
    </section>
  );
}

export async function addresseePages(app: App, { config }: AppContext): Promise<void> {
  app.get(
    "/portal/addressees",
    { config: { access: "public", page: true }, schema: { hide: true } },
    async (request, reply) => {
      const principal = request.principal ? principalOf(request) : undefined;
      return sendPage(
        reply,
        <Layout
          title="Where to send orders"
          principal={principal}
          csrf={principal ? pageCsrf(request) : undefined}
          current="/portal/addressees"
        >
          <h1>Where to send orders</h1>
          {config.addressees.length === 0 ? (
            <p>
              This service has published no addressee for any region. Send your request through this portal, signed in
              with an address on your agency's verified domain.
            </p>
          ) : (
            <>
              <p>
                Legal process for this service's users goes to the entity named for your region. Authorities in the
                European Union send orders under Regulation (EU) 2023/1543 to its designated establishment or legal
                representative, in one of the languages it accepts. Officers with an account may also submit through
                this portal.
              </p>
              {config.addressees.map((addressee) => (
                <AddresseeCard key={addressee.region} addressee={addressee} />
              ))}
            </>
          )}
          <p>
            The same list, for your systems: <a href="/api/v1/addressees">/api/v1/addressees</a> (JSON).
          </p>
        </Layout>,
      );
    },
  );
}
