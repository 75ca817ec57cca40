/**
 * A document is always addressed together with its tenant: the same docId in two
 * tenants is two documents. `docKey` is the storage partition key for a document;
 * tenant and doc ids never contain `#` (their patterns exclude it), so it is unambiguous.
 */
export interface DocRef {
  tenant: string;
  docId: string;
}

export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Group ids as acl ops name them (and as a token's `groups` claim should hold them). */
export const GROUP_ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,128}$/;
export const DOC_ID_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
export const TENANT_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export function docKey(doc: DocRef): string {
  return `${doc.tenant}#${doc.docId}`;
}

export function parseDocKey(key: string): DocRef {
  const i = key.indexOf("#");
  if (i <= 0) throw new Error(`not a doc key: ${key}`);
  return { tenant: key.slice(0, i), docId: key.slice(i + 1) };
}
