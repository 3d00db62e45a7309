import { z } from "zod";
import { signIn, signOut } from "../auth/sessions.service.js";
import { type App, type AppContext, principalOf } from "../http/context.js";
import { identityGuard } from "../http/identity-guard.js";
import { CSRF_FIELD, clearPageSessionCookies, isSession, pageCsrf, setPageSessionCookies } from "../http/session.js";
import { DomainError } from "../shared/errors.js";
import { Layout } from "./layout.js";
import { homeOf, seeOther, sendPage } from "./render.js";

/** Page sign-in (e-mail, password, second-factor code) and sign-out; after sign-in, each role goes home. */

/** Only a path on this site: `//evil.example` or `https://…` would make sign-in an open redirect. */
function safeNext(next: string | undefined): string | undefined {
  return next && /^\/(?![/\\])[\w\-./?=&%]*$/.test(next) && !next.startsWith("/signin") ? next : undefined;
}

function SignInPage({ error, email, next }: { error?: string | undefined; email?: string; next?: string | undefined }) {
  return (
    <Layout title="Sign in">
      <h1>Sign in to Custodian</h1>
      {error && (
        <div class="error-summary" role="alert" id="error-summary">
          <p>{error}</p>
        </div>
      )}
      <form method="post" action="/signin" class="narrow">
        {next && <input type="hidden" name="next" value={next} />}
        <div class="field">
          <label for="f-email">E-mail</label>
          <input id="f-email" name="email" type="email" autocomplete="username" required value={email ?? ""} />
        </div>
        <div class="field">
          <label for="f-password">Password</label>
          <input id="f-password" name="password" type="password" autocomplete="current-password" required />
        </div>
        <div class="field">
          <label for="f-code">Code from your authenticator app</label>
          <input
            id="f-code"
            name="code"
            inputMode="numeric"
            pattern="[0-9]{6}"
            maxLength={6}
            autocomplete="one-time-code"
            aria-describedby="f-code-hint"
            required
          />
          <span class="hint" id="f-code-hint">
            Six digits; each code works once.
          </span>
        </div>
        <button type="submit">Sign in</button>
      </form>
      <p class="muted">
        Agency officers register through the API with an address on their agency's verified domain; provider staff
        accounts are created by an administrator. Authorities without an account:{" "}
        <a href="/portal/addressees">where to send orders</a>.
      </p>
    </Layout>
  );
}

export async function signInPages(app: App, context: AppContext): Promise<void> {
  const { db, now } = context;
  // One counter with POST /api/v1/session: the page is not a second door with tries of its own.
  const guard = identityGuard(app, context);
  app.get("/", { config: { access: "public", page: true }, schema: { hide: true } }, async (request, reply) =>
    seeOther(reply, request.principal ? homeOf(request.principal) : "/signin"),
  );

  app.get(
    "/signin",
    {
      config: { access: "public", page: true },
      schema: { hide: true, querystring: z.strictObject({ next: z.string().max(500).optional() }) },
    },
    async (request, reply) => {
      if (request.principal && pageCsrf(request)) return seeOther(reply, homeOf(request.principal));
      return sendPage(reply, <SignInPage next={safeNext(request.query.next)} />);
    },
  );

  app.post(
    "/signin",
    {
      config: { access: "public", page: true },
      preHandler: guard,
      schema: {
        hide: true,
        body: z.strictObject({
          email: z.string().max(254),
          password: z.string().max(1000),
          code: z.string().max(20),
          next: z.string().max(500).optional(),
        }),
      },
    },
    async (request, reply) => {
      const { email, password, code } = request.body;
      try {
        const opened = await signIn(
          db,
          { email, password, code: code.trim(), userAgent: request.headers["user-agent"] },
          now(),
        );
        setPageSessionCookies(reply, opened);
        return seeOther(reply, safeNext(request.body.next) ?? homeOf(opened.principal));
      } catch (error) {
        if (error instanceof DomainError && error.code === "unauthenticated") {
          return sendPage(
            reply,
            <SignInPage error={error.message} email={email} next={safeNext(request.body.next)} />,
            401,
          );
        }
        throw error;
      }
    },
  );

  app.post(
    "/signout",
    {
      config: { access: "signed-in", page: true },
      schema: { hide: true, body: z.strictObject({ [CSRF_FIELD]: z.string().max(200).optional() }).optional() },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (isSession(principal)) await signOut(db, principal, now());
      clearPageSessionCookies(reply);
      return seeOther(reply, "/signin");
    },
  );
}
