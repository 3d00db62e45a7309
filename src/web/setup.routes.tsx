import { z } from "zod";
import { MIN_PASSWORD_LENGTH } from "../auth/credentials.js";
import { completeSetup, type OpenedSetup, openSetup, SETUP_HOURS } from "../auth/staff.service.js";
import type { App, AppContext } from "../http/context.js";
import { pageCsrf } from "../http/session.js";
import { DomainError } from "../shared/errors.js";
import { ValidationError } from "../shared/validation.js";
import { attemptForm, type FormFailure } from "./forms.js";
import { CsrfField, FieldError, FormErrors, fieldId, Layout, problemsAt } from "./layout.js";
import { sendPage } from "./render.js";

/**
 * The page a new member of staff reaches from the one-time link mailed to them: it shows their second-factor
 * secret (to them alone: the link went only to their address) and takes the password they choose and a code
 * proving their authenticator holds the secret. The link is in the path so the page works without script;
 * the answer is never cached and sends no Referer (helmet), and the link works once.
 */

// Links are tried a few times a minute per client address, like the officers' confirmation links.
const GUARDED = { max: 10, timeWindow: "1 minute", hook: "preHandler" as const };

const params = z.strictObject({
  token: z
    .string()
    .min(20)
    .max(100)
    .regex(/^[A-Za-z0-9_-]+$/),
});

function SetupPage({
  setup,
  token,
  csrf,
  failure,
}: {
  setup: OpenedSetup;
  token: string;
  csrf: string | undefined;
  failure?: FormFailure | undefined;
}) {
  return (
    <Layout title="Set up your account">
      <h1>Set up your account</h1>
      <p>
        {setup.displayName}, an account with the <strong>{setup.role}</strong> role was made for{" "}
        <strong>{setup.email}</strong>. Choose your password and add this account to your authenticator app. Nobody else
        is shown either; this link works once, for {SETUP_HOURS} hours from when it was sent.
      </p>
      <dl class="facts">
        <dt>Second-factor secret (type it into your authenticator app)</dt>
        <dd class="mono" id="totp-secret">
          {setup.totpSecret}
        </dd>
        <dt>Or the authenticator's address for it</dt>
        <dd class="mono">{setup.totpUri}</dd>
      </dl>
      <form method="post" action={`/setup/${token}`} class="narrow">
        <CsrfField token={csrf} />
        <FormErrors form="setup" failure={failure} fields={["password", "passwordAgain", "code"]} />
        <SecretField
          name="password"
          label={`Your new password (at least ${MIN_PASSWORD_LENGTH} characters)`}
          failure={failure}
          autocomplete="new-password"
          minLength={MIN_PASSWORD_LENGTH}
        />
        <SecretField
          name="passwordAgain"
          label="The same password again"
          failure={failure}
          autocomplete="new-password"
        />
        <SecretField
          name="code"
          label="Code from your authenticator app"
          failure={failure}
          autocomplete="one-time-code"
        />
        <button type="submit">Set up my account</button>
      </form>
    </Layout>
  );
}

/** A field of the setup form, its problem beside it; a password is never written back into the page. */
function SecretField(props: {
  name: "password" | "passwordAgain" | "code";
  label: string;
  failure: FormFailure | undefined;
  autocomplete: string;
  minLength?: number;
}) {
  const path = `setup.${props.name}`;
  const problems = props.failure?.form === "setup" ? props.failure.problems : [];
  const id = fieldId(path);
  const invalid = problemsAt(problems, path).length > 0;
  const code = props.name === "code";
  const described = invalid ? { "aria-invalid": "true" as const, "aria-describedby": `${id}-error` } : {};
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {code ? (
        <input
          id={id}
          name={props.name}
          inputMode="numeric"
          pattern="[0-9]{6}"
          maxLength={6}
          autocomplete={props.autocomplete}
          required
          {...described}
        />
      ) : (
        <input
          id={id}
          name={props.name}
          type="password"
          minLength={props.minLength}
          autocomplete={props.autocomplete}
          required
          {...described}
        />
      )}
      <FieldError problems={problems} name={path} />
    </div>
  );
}

function DonePage({ email }: { email: string }) {
  return (
    <Layout title="Account set up">
      <h1>Your account is set up</h1>
      <p>
        {email} can now sign in with the password you chose and a code from your authenticator app. The link you used no
        longer works.
      </p>
      <p>
        <a href="/signin">Sign in</a>
      </p>
    </Layout>
  );
}

export async function setupPages(app: App, { db, now }: AppContext): Promise<void> {
  app.get(
    "/setup/:token",
    { config: { access: "public", page: true, rateLimit: GUARDED }, schema: { hide: true, params } },
    async (request, reply) => {
      const setup = await openSetup(db, request.params.token, now());
      return sendPage(reply, <SetupPage setup={setup} token={request.params.token} csrf={pageCsrf(request)} />);
    },
  );

  app.post(
    "/setup/:token",
    {
      attachValidation: true,
      config: { access: "public", page: true, rateLimit: GUARDED },
      schema: {
        hide: true,
        params,
        body: z.strictObject({
          _csrf: z.string().max(200).optional(),
          password: z.string().max(1000),
          passwordAgain: z.string().max(1000),
          code: z.string().trim().max(20),
        }),
      },
    },
    async (request, reply) => {
      const { token } = request.params;
      const outcome = await attemptForm("setup", request, async () => {
        const { password, passwordAgain, code } = request.body;
        if (password !== passwordAgain) {
          throw new ValidationError([{ path: "passwordAgain", message: "is not the same password" }]);
        }
        return completeSetup(db, token, { password, code }, now());
      });
      if (outcome.ok) return sendPage(reply, <DonePage email={outcome.value.email} />);
      const { failure } = outcome;
      // An unusable link has no form to show again: the error page says so.
      if (failure.status === 404) throw new DomainError("not_found", failure.problems[0]?.message ?? "unknown link");
      const setup = await openSetup(db, token, now());
      return sendPage(
        reply,
        <SetupPage setup={setup} token={token} csrf={pageCsrf(request)} failure={failure} />,
        failure.status,
      );
    },
  );
}
