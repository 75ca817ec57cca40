import { expect, it } from "vitest";
import { freshDoc, token } from "../../../test/e2e/http.js";
import { readLog, textOf } from "../../../test/e2e/docs.js";
import { closedAfterEach, shareAs, until } from "./stack-client.js";

const makeClient = closedAfterEach();
const client = (user: string) => makeClient({ user });

/*
 * A pending op that a concurrent delete emptied is dropped unsent. When it was the last unsent
 * op, the document is synced: whenSynced resolves although no change went out (it waited
 * forever when the cut that dropped it sent nothing).
 */
it("whenSynced resolves when the last unsent ops were emptied by a concurrent delete (local stack)", async () => {
  const docId = freshDoc("emptied");
  await shareAs("alice", docId, { userId: "bob" }, "editor");
  const a = client("alice").doc(docId);
  const b = client("bob").doc(docId);
  await Promise.all([a.ready, b.ready]);
  a.insert(0, "keep-xyz");
  await a.whenSynced();
  await until("bob seeing the text", () => b.text === "keep-xyz");

  a.hooks.holdSending(true);
  a.delete(5, 3); // "xyz", not sent yet
  b.delete(4, 4); // "-xyz": committed first, so alice's delete has nothing left to delete
  await b.whenSynced();
  await until("alice receiving bob's delete", () => a.version === b.version);
  expect(a.text).toBe("keep");
  expect(a.pending).toBe(1);

  const synced = a.whenSynced();
  a.hooks.holdSending(false);
  await synced;
  expect(a.pending).toBe(0);
  expect(a.hooks.emptied.length).toBe(1);
  const log = await readLog(await token(), docId);
  expect(textOf(log)).toBe("keep");
  expect(log.filter((e) => e.userId === "alice" && e.type === "delete")).toEqual([]);
});
