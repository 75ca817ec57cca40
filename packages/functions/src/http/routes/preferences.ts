import type { Hono } from "hono";
import { WeftError } from "@weft/core";
import { applyPreferencesUpdate, parsePreferencesUpdate, storedPreferencesOf, type UserPreferences } from "@weft/core/notify/preferences/index";
import type { ContactFacts, NotifyUser, PushDevice } from "@weft/core/notify/stores/index";
import { jsonBody, tenantPolicy, userOf, type NotifyEnv, type NotifyRouteDeps } from "./notify-common.js";

/** Read-modify-write rounds of a PUT without `revision` before it gives up (only concurrent PUTs of one user contend). */
const PUT_ROUNDS = 5;

/** What GET and PUT /v1/me/preferences answer. */
export interface PreferencesView {
  preferences: UserPreferences;
  contacts: ContactsSummary;
}

/** How the user can be reached outside the app (contacts are set by the app: PUT /v1/admin/users/{userId}/contacts). */
export interface ContactsSummary {
  name?: string;
  email?: ContactFacts["email"];
  phone?: ContactFacts["phone"];
  devices: Array<{ id: string; kind: PushDevice["kind"]; platform?: "fcm" | "apns"; createdAt: number; lastSeenAt: number }>;
}

/**
 * The caller's notification preferences (docs/api.md "Notifications"):
 * - `GET /v1/me/preferences` -> `{preferences, contacts}`: the stored preferences, or the
 *   defaults (revision 0) when the user never saved any; `contacts` summarises the email,
 *   phone and push devices the engine can use.
 * - `PUT /v1/me/preferences` with a preferences object (a GET's `preferences` may be edited and
 *   sent back) -> `{preferences, contacts}` as stored. PUT replaces every setting except
 *   consent records, which are kept unless given (parsePreferencesUpdate). A consent record
 *   that changes is stamped with the server time and the request's User-Agent. With
 *   `revision`, the update applies only over that revision (else 400 at path `revision`: the
 *   error vocabulary has no conflict code); without it, concurrent PUTs are retried over the
 *   latest revision (last writer wins). 400 with one detail per problem: unknown keys, time
 *   zones, topics or channels, bad times, out-of-range numbers.
 */
export function registerPreferencesRoutes(app: Hono<NotifyEnv>, deps: NotifyRouteDeps): void {
  app.get("/v1/me/preferences", async (c) => {
    const user = userOf(c);
    const profile = await deps.notify.profiles.load(user);
    return c.json(await view(deps, user, storedPreferencesOf(profile.preferences, profile.preferencesRevision), profile.contacts));
  });

  app.put("/v1/me/preferences", async (c) => {
    const user = userOf(c);
    const body = await jsonBody(c);
    const update = parsePreferencesUpdate(body, await tenantPolicy(deps, user.tenant));
    const userAgent = c.req.header("user-agent");
    for (let round = 0; round < PUT_ROUNDS; round++) {
      const profile = await deps.notify.profiles.load(user);
      const stored = profile.preferencesRevision;
      if (update.expectedRevision !== undefined && update.expectedRevision !== stored) throw stale(update.expectedRevision, stored);
      const previous = storedPreferencesOf(profile.preferences, stored);
      const next = applyPreferencesUpdate(previous, update, { now: deps.clock.now(), ...(userAgent ? { userAgent } : {}) });
      const put = await deps.notify.profiles.putPreferences(user, stored, next);
      if (put.ok) return c.json(await view(deps, user, next, profile.contacts));
      if (update.expectedRevision !== undefined) throw stale(update.expectedRevision, put.revision);
    }
    throw new Error(`preferences of ${user.tenant}/${user.userId} kept changing under ${PUT_ROUNDS} attempts`);
  });
}

function stale(expected: number, stored: number): WeftError {
  return new WeftError("invalid_request", `preferences changed since revision ${expected}: the stored revision is ${stored}; GET them, reapply the change and PUT again`, [
    { path: "revision", issue: `expected ${expected}, stored ${stored}` },
  ]);
}

async function view(deps: NotifyRouteDeps, user: NotifyUser, preferences: UserPreferences, contacts: ContactFacts): Promise<PreferencesView> {
  const devices = await deps.notify.devices.list(user);
  return {
    preferences,
    contacts: {
      ...(contacts.name !== undefined ? { name: contacts.name } : {}),
      ...(contacts.email ? { email: contacts.email } : {}),
      ...(contacts.phone ? { phone: contacts.phone } : {}),
      devices: devices.map((d) => ({
        id: d.id,
        kind: d.kind,
        ...(d.kind === "mobile_push" ? { platform: d.platform } : {}),
        createdAt: d.createdAt,
        lastSeenAt: d.lastSeenAt,
      })),
    },
  };
}
