import { describe, expect, it } from "vitest";
import type { DocAcl, DocRef } from "@weft/core";
import type { DecisionRecord, FeedItem } from "@weft/core/notify/vocabulary";
import { isAccessNotice, itemVisible, visibilityOf, visibleDecisions } from "../../src/http/routes/notify-visibility.js";

/**
 * The feed's and explain's read-time hiding: only real access notices (topic `permissions`,
 * made of document events of their own document) are exempt; an app event of that topic about
 * a document is hidden like any other item of it.
 */

const item = (over: Partial<FeedItem>): FeedItem => ({
  tenant: "acme",
  userId: "bob",
  id: "ntf_1",
  version: 1,
  class: "transactional",
  topic: "permissions",
  title: "olga removed your access to Roadmap",
  body: "",
  docId: "roadmap",
  eventIds: ["roadmap.12"],
  createdAt: 1,
  updatedAt: 1,
  ...over,
});

const decision = (eventId: string): DecisionRecord => ({ tenant: "acme", userId: "bob", eventId, reason: "sent", policyVersion: "default+r0", at: 1, channel: "in_app" });

const acls: Record<string, DocAcl> = {
  roadmap: { users: { olga: "owner" }, groups: {}, everyone: "none" },
  plan: { users: { olga: "owner", bob: "viewer" }, groups: {}, everyone: "none" },
};
const reader = { readMany: async (docs: readonly DocRef[]) => docs.map((d) => acls[d.docId]) };
const bob = { tenant: "acme", userId: "bob" };

describe("isAccessNotice", () => {
  it("is a permissions item whose every event is a document event of its own document", () => {
    expect(isAccessNotice(item({}))).toBe(true);
    expect(isAccessNotice(item({ eventIds: ["roadmap.12", "roadmap.40"] }))).toBe(true);
    expect(isAccessNotice(item({ docId: "my.doc", eventIds: ["my.doc.3"] }))).toBe(true);
    // App events (POST /v1/notify with {docId}) may use the topic: not exempt.
    expect(isAccessNotice(item({ eventIds: ["signin-7"] }))).toBe(false);
    expect(isAccessNotice(item({ eventIds: ["roadmap.12", "app-evt"] }))).toBe(false);
    expect(isAccessNotice(item({ eventIds: ["plan.4"] }))).toBe(false);
    expect(isAccessNotice(item({ eventIds: ["roadmap.0"] }))).toBe(false);
    expect(isAccessNotice(item({ eventIds: [] }))).toBe(false);
    expect(isAccessNotice(item({ docId: undefined }))).toBe(false);
    expect(isAccessNotice(item({ topic: "comments" }))).toBe(false);
  });
});

describe("feed and explain", () => {
  it("hide an app event of topic permissions about a document the caller cannot read; keep the real notice", async () => {
    const v = await visibilityOf(reader, bob, ["roadmap", "plan", "missing"]);
    const notice = item({});
    const app = item({ id: "ntf_2", class: "social", title: "Roadmap: secret launch date", eventIds: ["launch-1"] });
    expect(itemVisible(v, notice)).toBe(true);
    expect(itemVisible(v, app)).toBe(false);
    expect(itemVisible(v, item({ topic: "comments", eventIds: ["roadmap.13"] }))).toBe(false);
    expect(itemVisible(v, item({ docId: "plan", topic: "comments", eventIds: ["plan.2"] }))).toBe(true);
    // No ACL (no such document): nothing hidden; no document: nothing hidden.
    expect(itemVisible(v, item({ docId: "missing", eventIds: ["x"] }))).toBe(true);
    expect(itemVisible(v, item({ docId: undefined, eventIds: ["x"] }))).toBe(true);

    // explain: a real notice shows its own events' decisions; an app item of the topic does not
    // make the document's decisions visible.
    const all = [decision("roadmap.12"), decision("roadmap.13"), decision("launch-1"), decision("plan.2")];
    expect(visibleDecisions(v, all, notice).map((d) => d.eventId)).toEqual(["roadmap.12", "launch-1", "plan.2"]);
    const spoof = item({ id: "ntf_3", eventIds: ["roadmap.13"], docId: "plan" });
    expect(isAccessNotice(spoof)).toBe(false);
    expect(visibleDecisions(v, all, spoof).map((d) => d.eventId)).toEqual(["launch-1", "plan.2"]);
  });
});
