import { expect, it } from "vitest";
import { Presence } from "../src/sync/presence.js";

/*
 * Presence messages of one connection can overtake each other on the way (a state relayed by
 * one server call, the connection's leave by another, as when a typing user is revoked): the
 * server stamps each with `at`, and the SDK keeps the newest per connection.
 */
function peers() {
  const p = new Presence(() => true, () => undefined);
  const ids = () => [...p.peers.keys()];
  return { p, ids };
}

it("a state stamped before the connection's leave is dropped when it arrives after it", () => {
  const { p, ids } = peers();
  p.receive({ connectionId: "ben-1", userId: "ben", state: { cursor: 1 }, at: 100 });
  p.receive({ connectionId: "ben-1", userId: "ben", state: null, at: 120 }); // revoked: leave
  p.receive({ connectionId: "ben-1", userId: "ben", state: { cursor: 2 }, at: 110 }); // taken before, relayed late
  expect(ids()).toEqual([]);
  // A leave wins a tie; a later state (the same connection subscribed again after a new grant) applies.
  p.receive({ connectionId: "ben-1", userId: "ben", state: { cursor: 3 }, at: 120 });
  expect(ids()).toEqual([]);
  p.receive({ connectionId: "ben-1", userId: "ben", state: { cursor: 4 }, at: 130 });
  expect(p.peers.get("ben-1")?.state).toEqual({ cursor: 4 });
});

it("an older state never replaces a newer one; connections are independent; stamps outlive a resubscribe", () => {
  const { p, ids } = peers();
  p.receive({ connectionId: "ann-1", userId: "ann", state: { cursor: 5 }, at: 200 });
  p.receive({ connectionId: "ann-1", userId: "ann", state: { cursor: 4 }, at: 190 });
  p.receive({ connectionId: "ann-2", userId: "ann", state: { cursor: 9 }, at: 150 });
  expect(p.peers.get("ann-1")?.state).toEqual({ cursor: 5 });
  expect(ids().sort()).toEqual(["ann-1", "ann-2"]);
  p.receive({ connectionId: "ann-2", userId: "ann", state: null, at: 210 });
  p.resubscribed(); // the server re-announces its current states after this
  p.receive({ connectionId: "ann-2", userId: "ann", state: { cursor: 9 }, at: 205 }); // a greeting read before the leave
  p.receive({ connectionId: "ann-1", userId: "ann", state: { cursor: 5 }, at: 220 });
  expect(ids()).toEqual(["ann-1"]);
});

it("unstamped messages (an older server) apply in arrival order", () => {
  const { p, ids } = peers();
  p.receive({ connectionId: "c", userId: "u", state: { cursor: 1 } });
  p.receive({ connectionId: "c", userId: "u", state: null });
  p.receive({ connectionId: "c", userId: "u", state: { cursor: 2 } });
  expect(p.peers.get("c")?.state).toEqual({ cursor: 2 });
  expect(ids()).toEqual(["c"]);
});
