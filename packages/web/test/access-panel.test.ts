import { describe, expect, it } from "vitest";
import type { DocAcl } from "@weft/core";
import { roleIn } from "../demo/access-panel.js";

/** The demo's Access panel shows roles as core's memberRole reads the ACL (own entries only). */
describe("roleIn", () => {
  it("is the user's own entry or everyone's, whichever is higher", () => {
    const acl: DocAcl = { users: { ann: "owner", bob: "viewer" }, groups: { eng: "editor" }, everyone: "commenter" };
    expect(roleIn(acl, "ann")).toBe("owner");
    expect(roleIn(acl, "bob")).toBe("commenter");
    expect(roleIn(acl, "cy")).toBe("commenter");
    expect(roleIn({ ...acl, everyone: "none" }, "cy")).toBe("none");
  });

  it("treats ids named like Object.prototype members as ordinary ids", () => {
    const acl: DocAcl = { users: { ann: "owner" }, groups: {}, everyone: "none" };
    for (const id of ["constructor", "toString", "__proto__", "hasOwnProperty"]) expect(roleIn(acl, id)).toBe("none");
    const odd = JSON.parse('{"users":{"__proto__":"editor","constructor":"viewer"},"groups":{},"everyone":"none"}') as DocAcl;
    expect(roleIn(odd, "__proto__")).toBe("editor");
    expect(roleIn(odd, "constructor")).toBe("viewer");
  });
});
