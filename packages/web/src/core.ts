/**
 * Everything the SDK takes from @weft/core at run time, imported module by module: the core
 * index also exports the sequencer, ports and zod schemas, and bundling it would put ~500 KB
 * into a browser bundle where these modules make ~14 KB. (Types come from "@weft/core".)
 */
export { DOC_ID_PATTERN, GROUP_ID_PATTERN, ID_PATTERN } from "@weft/core/doc-ref";
export { WeftError } from "@weft/core/errors";
export {
  ATTR_KEY_PATTERN,
  MAX_ATTR_STRING_CODE_POINTS,
  MAX_ATTRS,
  MAX_COMMENT_BODY_BYTES,
  MAX_MENTIONS,
  MAX_OP_BYTES,
} from "@weft/core/limits";
export { codePointLength, hasLoneSurrogate } from "@weft/core/ops/code-points";
export { applyText, checkApplicable, textLengthAfter, transformSeq } from "@weft/core/ot/index";
export { applyEntries, emptyState } from "@weft/core/materialize/state";
export { ACL_ROLES, atLeast, emptyAcl } from "@weft/core/access/doc-acl";
export { mayApply } from "@weft/core/access/may-apply";
