import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WeftError, type LogEntry } from "@weft/core";
import { MemoryStorage, type RejectedEvent, type RevokedEvent, type RoleEvent, type WeftClient, type WeftDoc } from "../src/index.js";
import { RolesServer, tokenFor, until } from "./roles-server.js";
import { RoomServer } from "./room-server.js";

/**
 * The SDK's side of access control (docs/sdk.md, "Roles and sharing") over real HTTP and
 * WebSocket against core's ingest and sequencer (roles-server.ts): `doc.role` and `role`
 * events, edits refused locally, `share`, server rejections, revocation, offline edits of a
 * revoked user, token expiry.
 */
let server: RolesServer;
const clients: WeftClient[] = [];

function client(user: string, opts: Parameters<RolesServer["client"]>[1] = {}): WeftClient {
  const c = server.client(user, opts);
  clients.push(c);
  return c;
}

async function open(user: string, opts: Parameters<RolesServer["client"]>[1] = {}): Promise<WeftDoc> {
  const doc = client(user, opts).doc("d");
  await doc.ready;
  return doc;
}

/** Ann creates the document with "Hello" (she owns it) and gives each of `grants` its role. */
async function created(grants: Record<string, Parameters<WeftDoc["share"]>[1]> = {}): Promise<WeftDoc> {
  const ann = await open("ann");
  ann.insert(0, "Hello");
  for (const [user, role] of Object.entries(grants)) ann.share(user, role);
  await ann.whenSynced();
  return ann;
}

function record<T>(doc: WeftDoc, event: "role" | "rejected" | "revoked"): T[] {
  const out: T[] = [];
  doc.on(event, (v) => out.push(v as T));
  return out;
}

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof WeftError ? `${err.code}: ${err.message}` : String(err);
  }
  return "no error";
};

const byUser = async (user: string) => (await server.entries()).filter((e) => e.userId === user);

// Every case runs with changes POSTed and with changes submitted over the socket (RoomServer: opsTransport "socket").
describe.each([
  ["http", () => new RolesServer()],
  ["socket", () => new RoomServer()],
] as const)("roles in the SDK (changes over %s)", (_transport, makeServer) => {
  beforeEach(async () => {
    server = await makeServer().start();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server.stop();
  });

  it("doc.role is owner for the creator, the granted role for others, and a role event tells each change", async () => {
    const fresh = await open("ann");
    expect(fresh.role).toBe("owner"); // no document yet: its first change makes her owner
    fresh.insert(0, "Hello");
    fresh.share("ben", "editor");
    await fresh.whenSynced();
    expect(fresh.role).toBe("owner");
    expect(fresh.state.acl).toEqual({ users: { ann: "owner", ben: "editor" }, groups: {}, everyone: "none" });

    const ben = await open("ben");
    expect(ben.role).toBe("editor");
    const roles = record<RoleEvent>(ben, "role");
    const [id] = fresh.share("ben", "commenter");
    await fresh.whenSynced();
    await until("ben's role to change", () => ben.role === "commenter");
    const entry = (await server.entries()).find((e) => e.id === id)!;
    expect(roles).toEqual([{ role: "commenter", seq: entry.seq }]);
  });

  it("an edit the role does not allow throws forbidden at once and queues nothing", async () => {
    const ann = await created({ ben: "viewer" });
    const ben = await open("ben");
    expect(ben.role).toBe("viewer");
    expect(code(() => ben.insert(0, "x"))).toBe("forbidden: insert needs the editor role; you have the viewer role on document d");
    expect(code(() => ben.comment("t1", "hi"))).toMatch(/^forbidden: comment needs the commenter role/);
    expect(code(() => ben.share("cat", "viewer"))).toMatch(/^forbidden: /);
    expect([ben.pending, ben.text]).toEqual([0, "Hello"]);

    ann.share("ben", "commenter");
    await until("ben a commenter", () => ben.role === "commenter");
    expect(code(() => ben.delete(0, 1))).toMatch(/^forbidden: delete needs the editor role/);
    const [commentId] = ben.comment("t1", "hi");
    await ben.whenSynced();
    expect((await byUser("ben")).map((e) => e.id)).toEqual([commentId]);
    expect(server.posts.filter((p) => p.user === "ben")).toHaveLength(1);
  });

  it("share gives roles to a user, a group and everyone, and refuses a malformed target or role", async () => {
    const ann = await created();
    ann.share("ben", "editor");
    ann.share({ groupId: "eng" }, "viewer");
    ann.share({ everyone: true }, "commenter");
    await ann.whenSynced();
    expect(ann.state.acl).toEqual({ users: { ann: "owner", ben: "editor" }, groups: { eng: "viewer" }, everyone: "commenter" });
    const acl = (await server.entries()).filter((e): e is LogEntry & { type: "acl" } => e.type === "acl" && e.seq > 2);
    expect(acl.map(({ type, role, targetUserId, targetGroupId, everyone }) => ({ type, role, targetUserId, targetGroupId, everyone }))).toEqual([
      { type: "acl", role: "editor", targetUserId: "ben", targetGroupId: undefined, everyone: undefined },
      { type: "acl", role: "viewer", targetUserId: undefined, targetGroupId: "eng", everyone: undefined },
      { type: "acl", role: "commenter", targetUserId: undefined, targetGroupId: undefined, everyone: true },
    ]);
    expect(code(() => ann.share("not a user id", "editor"))).toMatch(/^invalid_request: share.userId/);
    expect(code(() => ann.share("ben", "admin" as "owner"))).toMatch(/^invalid_request: share.role/);
    expect(code(() => ann.share({ userId: "ben", everyone: true } as never, "viewer"))).toMatch(/^invalid_request: share.target/);
    expect(ann.pending).toBe(0);
  });

  it("a change the sequencer rejects forbidden is dropped, rolled back, reported, and never sent again", async () => {
    const ann = await created({ ben: "editor" });
    const ben = await open("ben");
    const rejected = record<RejectedEvent>(ben, "rejected");
    server.autoSequence = false;
    const [share] = ann.share("ben", "viewer"); // accepted first, so sequenced first
    await until("the downgrade accepted", () => server.posts.some((p) => p.ids.includes(share) && p.status === 202));
    const [late] = ben.insert(5, " world"); // ingest still sees an editor: accepted
    await until("ben's change accepted", () => server.posts.some((p) => p.ids.includes(late) && p.status === 202));
    expect(ben.text).toBe("Hello world");
    await server.sequence();
    await until("the rejection", () => rejected.length > 0);
    expect(rejected).toEqual([{ id: late, reason: "forbidden" }]);
    expect([ben.text, ben.pending, ben.role]).toEqual(["Hello", 0, "viewer"]);
    await new Promise((r) => setTimeout(r, 600)); // three ack timeouts: nothing is retried
    expect(server.posts.filter((p) => p.user === "ben")).toHaveLength(1);
    expect(await byUser("ben")).toEqual([]);
    expect(rejected).toHaveLength(1);
  });

  it("a downgrade drops the unsent edits the new role does not allow and keeps the rest", async () => {
    const ann = await created({ ben: "editor" });
    const ben = await open("ben");
    const rejected = record<RejectedEvent>(ben, "rejected");
    ben.hooks.holdSending(true);
    const [a] = ben.insert(5, "!");
    const [c] = ben.comment("t1", "nice", { anchor: { pos: 0, len: 5 } });
    const [b] = ben.insert(0, ">");
    expect(ben.text).toBe(">Hello!");
    ann.share("ben", "commenter");
    await until("the downgrade", () => ben.role === "commenter");
    expect(rejected.map((r) => [r.id, r.reason])).toEqual([[a, "forbidden"], [b, "forbidden"]]);
    expect([ben.text, ben.hooks.pendingIds]).toEqual(["Hello", [c]]);
    ben.hooks.holdSending(false);
    await ben.whenSynced();
    const mine = await byUser("ben");
    expect(mine.map((e) => [e.id, e.type])).toEqual([[c, "comment"]]);
    expect(mine[0]).toMatchObject({ anchor: { pos: 0, len: 5 } });
  });

  it("revocation stops the document: revoked, role none, unsent edits dropped and reported, none committed", async () => {
    const ann = await created({ ben: "editor" });
    const storage = new MemoryStorage();
    const ben = await open("ben", { storage, clientId: "benc" });
    const [rejected, revoked, roles] = [record<RejectedEvent>(ben, "rejected"), record<RevokedEvent>(ben, "revoked"), record<RoleEvent>(ben, "role")];
    server.autoSequence = false;
    const [share] = ann.share("ben", "none");
    await until("the revocation accepted", () => server.posts.some((p) => p.ids.includes(share) && p.status === 202));
    const [inflight] = ben.insert(0, "A");
    await until("ben's change accepted", () => server.posts.some((p) => p.ids.includes(inflight)));
    ben.hooks.holdSending(true);
    const [unsent] = ben.insert(1, "B");
    const synced = ben.whenSynced().then(() => "synced", (err: unknown) => err);
    await server.sequence();
    await until("revoked", () => revoked.length > 0);
    const seq = (await server.entries()).find((e) => e.id === share)!.seq;
    expect(revoked).toEqual([{ reason: "forbidden", seq, dropped: [inflight, unsent] }]);
    expect(roles).toEqual([{ role: "none", seq }]);
    expect(rejected.map((r) => [r.id, r.reason])).toEqual([[inflight, "forbidden"], [unsent, "forbidden"]]);
    expect([ben.role, ben.text, ben.pending]).toEqual(["none", "Hello", 0]);
    expect(code(() => ben.insert(0, "x"))).toBe("forbidden: access to document d was revoked");
    expect(await synced).toMatchObject({ code: "forbidden" });

    server.autoSequence = true;
    await server.sequence();
    const stored = JSON.parse((await storage.get("outbox:benc:d"))!);
    expect([stored.inflight, stored.pending, stored.nextSeq]).toEqual([null, [], 2]); // its counters stay
    expect(await byUser("ben")).toEqual([]);
    expect((await server.mem.receipt(inflight))?.status).toBe("rejected");
    // The client forgot the stopped document: opening it again is refused like any non-member.
    const again = clients[1].doc("d");
    expect(again).not.toBe(ben);
    await expect(again.ready).rejects.toMatchObject({ code: "forbidden" });
    expect(again.role).toBe("none");
    expect(ann.state.acl.users).toEqual({ ann: "owner" });
  });

  it("edits queued offline while the role was revoked are dropped, never committed (same session and after a reload)", async () => {
    const ann = await created({ ben: "editor", cat: "editor" });
    const ben = await open("ben");
    const storage = new MemoryStorage();
    const catClient = client("cat", { storage, clientId: "catc" });
    await catClient.doc("d").ready;
    const [rejected, revoked] = [record<RejectedEvent>(ben, "rejected"), record<RevokedEvent>(ben, "revoked")];
    server.setOffline("ben", true);
    server.setOffline("cat", true);
    await until("both offline", () => clients.every((c) => c === clients[0] || c.status === "offline"));
    const queued = [...ben.insert(5, " from ben"), ...ben.delete(0, 1)];
    const catQueued = catClient.doc("d").insert(0, "cat: ");
    await catClient.close(); // a reload: the outbox stays in storage
    ann.share("ben", "none");
    ann.share("cat", "none");
    await ann.whenSynced();

    server.setOffline("ben", false);
    await until("ben revoked", () => revoked.length > 0);
    expect(revoked[0].dropped).toEqual(queued);
    expect(rejected.every((r) => r.reason === "forbidden")).toBe(true);
    expect(ben.text).toBe("Hello");

    server.setOffline("cat", false);
    const cat = client("cat", { storage, clientId: "catc" }).doc("d");
    const [catRejected, catRevoked] = [record<RejectedEvent>(cat, "rejected"), record<RevokedEvent>(cat, "revoked")];
    await expect(cat.ready).rejects.toMatchObject({ code: "forbidden" });
    expect(catRevoked).toEqual([{ reason: "forbidden", dropped: catQueued }]);
    expect(catRejected.map((r) => r.id)).toEqual(catQueued);
    expect(JSON.parse((await storage.get("outbox:catc:d"))!).pending).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    expect([...(await byUser("ben")), ...(await byUser("cat"))]).toEqual([]);
    expect(server.posts.filter((p) => p.user !== "ann" && p.status === 202)).toEqual([]);
  });

  it("a document someone else creates first revokes the waiting subscriber", async () => {
    const ben = await open("ben");
    expect(ben.role).toBe("owner"); // nothing exists yet: he would own what he creates
    const revoked = record<RevokedEvent>(ben, "revoked");
    await created();
    await until("ben revoked", () => revoked.length > 0);
    expect(revoked).toEqual([{ reason: "forbidden", seq: 1, dropped: [] }]);
  });

  it("token_expired: the client reconnects at once with a fresh token and resumes", async () => {
    let calls = 0;
    const ann = await created({ ben: "editor" });
    const ben = await open("ben", { getToken: () => (calls++, tokenFor("ben")) });
    const statuses: string[] = [];
    clients[1].on("status", (s) => statuses.push(s));
    await new Promise((r) => setTimeout(r, 2100)); // past the quick-expiry window
    const before = calls;
    server.expire("ben");
    const ids = ben.insert(5, " again");
    ann.insert(0, ">");
    await until("reconnected", () => calls > before && clients[1].status === "open" && ben.text === ">Hello again");
    await ben.whenSynced();
    expect(statuses).toEqual(["connecting", "open"]);
    expect((await byUser("ben")).map((e) => e.id)).toEqual(ids);
  });
});
