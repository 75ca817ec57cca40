import { describe, expect, it } from "vitest";
import { ROOM_COMMIT_DELAY } from "@weft/core";
import { ENV } from "../../../../infra/manifest.js";
import { commitDelayFromEnv, ownershipFromEnv } from "../../src/rooms/room-wiring.js";

describe("the room tier's commit delay from WEFT_ROOM_COMMIT_DELAY_MS", () => {
  it("defaults to ROOM_COMMIT_DELAY; takes milliseconds; 0 turns it off", () => {
    expect(commitDelayFromEnv({})).toEqual(ROOM_COMMIT_DELAY);
    expect(commitDelayFromEnv({ [ENV.roomCommitDelayMs]: "" })).toEqual(ROOM_COMMIT_DELAY);
    expect(commitDelayFromEnv({ [ENV.roomCommitDelayMs]: "40" })).toEqual({ ...ROOM_COMMIT_DELAY, delayMs: 40 });
    expect(commitDelayFromEnv({ [ENV.roomCommitDelayMs]: "0" })).toEqual({ ...ROOM_COMMIT_DELAY, delayMs: 0 });
  });

  it("refuses a value that is not a number of milliseconds, instead of reading it as off", () => {
    for (const bad of ["abc", "-5", "Infinity", "100ms"]) {
      expect(() => commitDelayFromEnv({ [ENV.roomCommitDelayMs]: bad })).toThrow(/WEFT_ROOM_COMMIT_DELAY_MS must be a number of milliseconds/);
    }
  });
});

describe("the room tier's ownership from WEFT_ROOMS_OWNERSHIP", () => {
  it("is on by default and with `on`, off with `off`", () => {
    expect(ownershipFromEnv({})).toBe(true);
    expect(ownershipFromEnv({ [ENV.roomsOwnership]: "on" })).toBe(true);
    expect(ownershipFromEnv({ [ENV.roomsOwnership]: "off" })).toBe(false);
  });

  it("refuses anything else at start-up, instead of guessing", () => {
    for (const bad of ["", "true", "OFF", "1"]) {
      expect(() => ownershipFromEnv({ [ENV.roomsOwnership]: bad })).toThrow(/WEFT_ROOMS_OWNERSHIP must be "on" or "off"/);
    }
  });
});
