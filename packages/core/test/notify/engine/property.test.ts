import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { isIdle, quietUntil } from "../../../src/notify/engine/index.js";
import { defaultUserPreferences, type UserPreferences } from "../../../src/notify/preferences/index.js";
import { NOTIFICATION_CLASSES } from "../../../src/notify/vocabulary.js";
import { Driver, intent, TENANT } from "./driver.js";

const USERS = ["u1", "u2", "u3"] as const;
const T0 = Date.parse("2025-03-08T20:00:00Z"); // the night of the US DST change

const userSetup = fc.record({
  quiet: fc.option(
    fc.constantFrom(
      { start: "22:00", end: "07:00", timeZone: "America/New_York" },
      { start: "21:30", end: "06:00", timeZone: "Asia/Kolkata" },
      { start: "23:00", end: "01:00", timeZone: "Europe/Paris" },
    ),
    { nil: undefined },
  ),
  capOverride: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
  digestWindowMs: fc.option(fc.constantFrom(60_000, 300_000, 1_800_000), { nil: undefined }),
  emailVerified: fc.boolean(),
  hasPhone: fc.boolean(),
  webPush: fc.constantFrom(0, 1, 1),
  mobilePush: fc.constantFrom(0, 0, 1),
  smsConsent: fc.boolean(),
  smsOptIn: fc.boolean(),
});

const op = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("event" as const),
      user: fc.constantFrom(...USERS),
      cls: fc.constantFrom(...NOTIFICATION_CLASSES, "social", "social"),
      topic: fc.constantFrom("mentions", "comments", "reactions", "tasks", "security", "product", "edits"),
      doc: fc.constantFrom("d1", "d2"),
      actor: fc.constantFrom("a1", "a2", "u1"),
      repeat: fc.boolean(), // re-deliver the previous event id
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("presence" as const), user: fc.constantFrom(...USERS), connected: fc.boolean(), doc: fc.option(fc.constantFrom("d1", "d2"), { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), back: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("revoke" as const), user: fc.constantFrom(...USERS), doc: fc.constantFrom("d1", "d2") }) },
);

const mixedGaps = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 * 60_000 }), fc.integer({ min: 0, max: 40 * 60_000 }));
const burstyGaps = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5 * 60_000 }));
const streamOf = (gap: fc.Arbitrary<number>) => fc.array(fc.tuple(gap, op), { minLength: 1, maxLength: 90 });

const TERMINAL = (reason: string, channel?: string) =>
  (reason === "sent" && channel !== "in_app") || reason === "expired" || reason.startsWith("suppressed:");

describe("engine properties", () => {
  test.each([
    ["mixed", mixedGaps],
    ["bursty", burstyGaps],
  ])("%s streams: caps hold in every rolling hour, quiet hours and presence are respected, every event ends with a reason", async (_, gaps) => {
    const STATS: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(fc.tuple(userSetup, userSetup, userSetup), streamOf(gaps), async (setups, ops) => {
        const d = new Driver();
        const caps = new Map<string, number>();
        setups.forEach((s, k) => {
          const prefs: UserPreferences = {
            ...defaultUserPreferences(),
            ...(s.quiet ? { quietHours: s.quiet } : {}),
            ...(s.capOverride !== undefined ? { capOverride: s.capOverride } : {}),
            ...(s.digestWindowMs !== undefined ? { digestWindowMs: s.digestWindowMs } : {}),
            consent: s.smsConsent ? { sms: { granted: true, source: "test", at: 0 } } : {},
            smsOptIn: s.smsOptIn,
          };
          d.user(USERS[k], { prefs, contacts: { emailVerified: s.emailVerified, hasPhone: s.hasPhone, devices: { web_push: s.webPush, mobile_push: s.mobilePush } } });
          caps.set(USERS[k], s.capOverride ?? d.policy.caps.social);
        });
        let now = T0;
        const subjects: string[] = [];
        const eventIds = new Set<string>();
        let previous: ReturnType<typeof intent> | undefined;
        for (const [dt, o] of ops) {
          now += dt;
          if (o.kind === "event") {
            if (o.repeat && previous && previous.userId === o.user) {
              await d.event({ ...previous, at: Math.max(now, previous.at) });
              continue;
            }
            const subject = `s${subjects.length}`;
            subjects.push(subject);
            const i = intent(o.user, now, { class: o.cls, topic: o.topic, docId: o.doc, actorId: o.actor, subject: { kind: "comment", id: subject } });
            eventIds.add(i.eventId);
            previous = i;
            await d.event(i);
          } else if (o.kind === "presence") {
            await d.advance(now, false);
            const p = o.connected ? { connected: true, subscribedDocIds: o.doc ? [o.doc] : [] } : { connected: false, subscribedDocIds: [], lastDisconnectAt: now };
            d.user(o.user, { presence: p });
          } else if (o.kind === "delete") {
            const s = subjects[subjects.length - o.back];
            if (s) d.resolver.deleteSubject(TENANT, "comment", s);
          } else {
            d.resolver.revokeAccess(TENANT, o.user, o.doc);
          }
        }
        await d.drain();

        // Nothing is left pending, and every wake moved time forward.
        for (const u of d.users.values()) expect(isIdle(u.state)).toBe(true);
        for (const w of d.wakes) if (w.next !== undefined) expect(w.next).toBeGreaterThan(w.now);

        // Caps: sends per budget in any rolling hour.
        for (const user of USERS) {
          const ext = d.external(user);
          const sends = new Map<string, { at: number; budget: string }>();
          for (const x of ext) if (x.sendId && x.budget !== "none") sends.set(x.sendId, { at: x.callAt, budget: x.budget! });
          const limits: Record<string, number> = { regular: caps.get(user)!, extra: d.policy.caps.transactionalExtra, critical: d.policy.caps.critical };
          for (const budget of ["regular", "extra", "critical"]) {
            const times = [...sends.values()].filter((s) => s.budget === budget).map((s) => s.at).sort((a, b) => a - b);
            for (let i = 0; i < times.length; i++) {
              const inWindow = times.filter((t) => t >= times[i] && t < times[i] + d.policy.caps.windowMs).length;
              expect(inWindow, `${user} ${budget} sends from ${new Date(times[i]).toISOString()}`).toBeLessThanOrEqual(limits[budget]);
            }
          }
          // Quiet hours and presence hold for everything but critical.
          const prefs = d.user(user).prefs;
          for (const x of ext) {
            if (x.class === "critical") continue;
            expect(quietUntil(prefs.quietHours, x.callAt), `${x.channel} to ${user} during quiet hours`).toBeUndefined();
            expect(x.connected, `${x.channel} to a connected user`).toBe(false);
          }
          // No external message is delivered twice.
          const ids = ext.map((x) => x.notificationId);
          expect(new Set(ids).size).toBe(ids.length);
        }

        for (const r of d.decisions) STATS[r.reason] = (STATS[r.reason] ?? 0) + 1;
        STATS.externalDeliveries = (STATS.externalDeliveries ?? 0) + d.external().length;
        // Every event: at least one record; anything merged or deferred ends sent, expired or suppressed.
        for (const id of eventIds) {
          const recs = d.decisionsFor(id);
          expect(recs.length, `no record for ${id}`).toBeGreaterThan(0);
          let open = false;
          for (const r of recs) {
            if (r.reason === "merged" || r.reason.startsWith("deferred:")) open = true;
            else if (TERMINAL(r.reason, r.channel)) open = false;
          }
          expect(open, `${id} was left pending: ${recs.map((r) => r.reason).join(", ")}`).toBe(false);
          expect(recs.some((r) => r.reason === "sent" || TERMINAL(r.reason, r.channel)), `${id} has no outcome`).toBe(true);
        }
      }),
      { numRuns: 120 },
    );
    // Not vacuous: the streams did exercise every path the properties are about.
    for (const reason of ["sent", "merged", "deferred:cap", "deferred:quiet_hours", "expired", "bypass:critical", "duplicate", "suppressed:presence", "suppressed:permission"]) {
      expect(STATS[reason] ?? 0, reason).toBeGreaterThan(0);
    }
  });
});
