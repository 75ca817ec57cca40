/** Operational transformation for Weft text: rebasing ops, checking and applying them. */
export { transformSeq, type Side } from "./transform.js";
export { applyText, checkApplicable, textLengthAfter } from "./apply.js";
