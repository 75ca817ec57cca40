import { describe, expect, test } from "vitest";
import { WeftError } from "../../../src/errors.js";
import { checkContacts, type ContactFacts } from "../../../src/notify/stores/index.js";

describe("checkContacts", () => {
  test("valid facts come back normalized", () => {
    const facts = { name: "Ann Lee", email: { address: "ann@example.com", verified: true }, phone: { number: "+14155550100", verified: false } };
    expect(checkContacts(facts)).toEqual(facts);
  });

  test("every bad fact is reported at once, one detail each", () => {
    const bad = { name: " Ann", email: { address: "nope", verified: "yes" }, phone: { number: "555", verified: 1 } } as unknown as ContactFacts;
    try {
      checkContacts(bad);
      throw new Error("accepted");
    } catch (err) {
      expect(err).toBeInstanceOf(WeftError);
      expect((err as WeftError).code).toBe("invalid_request");
      expect((err as WeftError).details.map((d) => d.path)).toEqual(["name", "email.address", "email.verified", "phone.number", "phone.verified"]);
      expect((err as WeftError).message).toMatch(/^invalid contact facts: name: .*\(and 4 more; see details\)$/);
    }
  });
});
