import type { Hono } from "hono";
import { WeftError, type ErrorDetail } from "@weft/core";
import { parseTenantPolicy } from "@weft/core/notify/preferences/index";
import { describe } from "@weft/core/notify/preferences/validation";
import { checkContacts, MAX_DECISION_PAGE, type ContactFacts } from "@weft/core/notify/stores/index";
import { intParam } from "./audit.js";
import { idParam, jsonBody, objectBody, throwIfAny, userIdParam, type NotifyEnv, type NotifyRouteDeps } from "./notify-common.js";

const DEFAULT_DECISION_PAGE = 100;
/** Read-modify-write rounds for a policy PUT racing another (the last writer wins). */
const POLICY_WRITE_ATTEMPTS = 5;

/**
 * Tenant-admin notification routes (the /v1/admin/* guard has checked the role; everything is
 * scoped to the caller's tenant):
 * - `GET /v1/admin/notifications/decisions?userId=&eventId=` -> `{decisions}`: every decision
 *   about that event for that user, oldest first. Without `eventId`: the user's decisions
 *   newest first, `limit` 1..500 (default 100), `{decisions, cursor?}` (pass `cursor` back).
 *   `userId` is required.
 * - `PUT /v1/admin/users/{userId}/contacts` `{name?, email?: {address, verified}, phone?: {number,
 *   verified}, reenableEmail?}` -> `{userId, contacts}`: replaces how notifications name the
 *   user and how Weft may reach them by email and SMS (the app owns identities; only verified
 *   ones are used). An email disabled
 *   by a hard bounce or a complaint stays disabled while the address is unchanged, unless
 *   `reenableEmail: true`. Phones are E.164.
 * - `GET /v1/admin/notifications/policy` -> `{policy}`: the tenant's notification policy, every
 *   field filled in (defaults where never set). `PUT` with a policy (any field may be left
 *   out: its default applies) -> `{policy}` as stored; 400 with one detail per bad field.
 *   Processes may keep using the previous policy for up to 10 s (they cache it).
 */
export function registerNotifyAdminRoutes(app: Hono<NotifyEnv>, deps: NotifyRouteDeps): void {
  app.get("/v1/admin/notifications/decisions", async (c) => {
    const tenant = c.get("who").tenant;
    const userId = userIdParam(c.req.query("userId"), "userId");
    const eventId = c.req.query("eventId");
    if (eventId !== undefined && eventId !== "") {
      return c.json({ decisions: await deps.notify.decisions.byEvent(tenant, userId, idParam(eventId, "eventId")) });
    }
    const limit = intParam(c.req.query("limit"), "limit", DEFAULT_DECISION_PAGE, 1, MAX_DECISION_PAGE);
    const cursor = c.req.query("cursor") || undefined;
    const page = await deps.notify.decisions.byUser(tenant, userId, { limit, ...(cursor ? { cursor } : {}) });
    return c.json({ decisions: page.records, ...(page.cursor ? { cursor: page.cursor } : {}) });
  });

  app.get("/v1/admin/notifications/policy", async (c) => {
    const tenant = c.get("who").tenant;
    return c.json({ policy: parseTenantPolicy((await deps.notify.profiles.loadPolicy(tenant)).policy ?? {}) });
  });

  app.put("/v1/admin/notifications/policy", async (c) => {
    const tenant = c.get("who").tenant;
    const policy = parseTenantPolicy(await jsonBody(c));
    for (let attempt = 0; attempt < POLICY_WRITE_ATTEMPTS; attempt++) {
      const { version } = await deps.notify.profiles.loadPolicy(tenant);
      if ((await deps.notify.profiles.putPolicy(tenant, version, policy)).ok) {
        deps.notify.policies.forget(tenant);
        return c.json({ policy });
      }
    }
    throw new WeftError("internal", "the tenant policy kept changing under concurrent writes; retry");
  });

  app.put("/v1/admin/users/:userId/contacts", async (c) => {
    const user = { tenant: c.get("who").tenant, userId: userIdParam(c.req.param("userId"), "userId") };
    const { contacts, reenableEmail } = contactsBody(await jsonBody(c));
    const stored = await deps.notify.profiles.putContacts(user, contacts, { reenableEmail });
    return c.json({ userId: user.userId, contacts: stored });
  });
}

function contactsBody(raw: unknown): { contacts: ContactFacts; reenableEmail: boolean } {
  const details: ErrorDetail[] = [];
  const body = objectBody(raw, "contacts", ["name", "email", "phone", "reenableEmail"], details);
  const part = (key: "email" | "phone", fields: string[]) => {
    const v = body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "object" || Array.isArray(v)) {
      details.push({ path: key, issue: `expected {${fields.join(", ")}} or null, got ${describe(v)}` });
      return undefined;
    }
    for (const k of Object.keys(v)) if (!fields.includes(k)) details.push({ path: `${key}.${k}`, issue: "unknown key" });
    // Only the known fields go on to checkContacts (an unknown key has its detail already).
    return Object.fromEntries(fields.map((f) => [f, (v as Record<string, unknown>)[f]]));
  };
  const email = part("email", ["address", "verified"]);
  const phone = part("phone", ["number", "verified"]);
  if (body.reenableEmail !== undefined && typeof body.reenableEmail !== "boolean") {
    details.push({ path: "reenableEmail", issue: `expected true or false, got ${describe(body.reenableEmail)}` });
  }
  const name = body.name === null ? undefined : body.name;
  const facts = { ...(name !== undefined ? { name } : {}), ...(email ? { email } : {}), ...(phone ? { phone } : {}) } as ContactFacts;
  let contacts: ContactFacts | undefined;
  try {
    contacts = checkContacts(facts); // every bad fact at once
  } catch (err) {
    if (!(err instanceof WeftError)) throw err;
    details.push(...err.details);
  }
  throwIfAny("contacts", details);
  return { contacts: contacts!, reenableEmail: body.reenableEmail === true };
}
