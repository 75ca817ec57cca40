/** Per-document access control: roles, the one rule (mayApply), the sequencer's gate, policies, cached reads. */
export * from "./doc-acl.js";
export * from "./may-apply.js";
export * from "./access-policy.js";
export * from "./access-gate.js";
export * from "./acl-at.js";
export * from "./acl-reader.js";
export * from "./authorize.js";
export * from "./readable-docs.js";
