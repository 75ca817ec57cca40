import { describe, expect, test } from "vitest";
import { WeftError } from "../../../src/errors.js";
import { parseNotifyIntent } from "../../../src/notify/engine/index.js";
import { parseTenantPolicy } from "../../../src/notify/preferences/index.js";

const policy = parseTenantPolicy({ topics: ["billing"] });
const valid = {
  tenant: "acme",
  eventId: "log:doc1:42",
  userId: "auth0|u-1",
  class: "social",
  topic: "comments",
  actorId: "u-2",
  docId: "doc1",
  subject: { kind: "comment", id: "cm-9" },
  title: "Dan commented on Roadmap",
  body: "Looks good.\nShip it.",
  url: "/docs/doc1#cm-9",
  data: { threadId: "th-1" },
  at: 1_760_000_000_000,
};

function issueAt(input: unknown, path: string): string {
  try {
    parseNotifyIntent(input, policy);
  } catch (err) {
    expect(err).toBeInstanceOf(WeftError);
    const d = (err as WeftError).details.find((x) => x.path === path);
    expect(d, JSON.stringify((err as WeftError).details)).toBeDefined();
    return d!.issue;
  }
  throw new Error("accepted");
}

describe("parseNotifyIntent", () => {
  test("a valid intent (and a tenant topic) passes unchanged", () => {
    expect(parseNotifyIntent(valid, policy)).toEqual(valid);
    expect(parseNotifyIntent({ ...valid, topic: "billing" }, policy).topic).toBe("billing");
  });

  test.each([
    ["topic", { topic: "gardening" }, /unknown topic "gardening"/],
    ["class", { class: "urgent" }, /expected critical, transactional, social, marketing/],
    ["title", { title: "x".repeat(201) }, /expected a title of 1..200 UTF-8 bytes/],
    ["title", { title: "two\nlines" }, /must not contain control characters/],
    ["body", { body: "é".repeat(1001) }, /of 0..2000 UTF-8 bytes/],
    ["url", { url: "javascript:alert(1)" }, /http\(s\) URL or a path/],
    ["data", { data: { blob: "x".repeat(600) } }, /bytes of JSON; at most 512/],
    ["eventId", { eventId: "has space" }, /expected an event id/],
    ["at", { at: -1 }, /expected server ms/],
    ["extra", { extra: 1 }, /unknown key/],
  ])("refuses a bad %s", (path, over, issue) => {
    expect(issueAt({ ...valid, ...over }, path)).toMatch(issue);
  });

  test("every problem at once: the schema's and the policy's (unknown topic, data size), in the order of the fields", () => {
    try {
      parseNotifyIntent({ ...valid, eventId: "has space", topic: "gardening", title: "", body: 3, data: { blob: "x".repeat(600) }, extra: 1 }, policy);
      throw new Error("accepted");
    } catch (err) {
      expect((err as WeftError).details.map((d) => d.path)).toEqual(["eventId", "topic", "title", "body", "data", "extra"]);
    }
  });
});
