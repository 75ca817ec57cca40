import { S3Error } from "./s3-errors.js";

/**
 * The little XML the local S3 endpoint reads and writes. Text is escaped the way the SDK's own
 * serializer escapes it (`& " ' < >` plus CR, LF, NEL and LS as character references), so keys
 * with any of those round-trip through its parser; characters XML 1.0 cannot carry at all
 * (other C0 controls) are not representable, as on S3 without `encoding-type=url`.
 */

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
export const S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  '"': "&quot;",
  "'": "&apos;",
  "<": "&lt;",
  ">": "&gt;",
  "\r": "&#x0D;",
  "\n": "&#x0A;",
  "\u0085": "&#x85;",
  "\u2028": "&#x2028;",
};

export function escapeXml(text: string): string {
  return text.replace(/[&"'<>\r\n\u0085\u2028]/g, (ch) => ESCAPES[ch]);
}

/** `<name>escaped value</name>`, or nothing when the value is undefined. */
export function el(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? "" : `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** A whole document: declaration, then `<root xmlns=S3>children</root>`. */
export function document(root: string, children: string): string {
  return `${XML_DECLARATION}<${root} xmlns="${S3_NAMESPACE}">${children}</${root}>`;
}

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Replaces the five named entities and numeric character references; anything else is MalformedXML. */
export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);|&/g, (whole, ref: string | undefined) => {
    if (ref === undefined) throw malformed();
    if (ref.startsWith("#")) {
      const code = ref[1] === "x" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!(code >= 0 && code <= 0x10ffff)) throw malformed();
      return String.fromCodePoint(code);
    }
    if (!Object.hasOwn(NAMED, ref)) throw malformed();
    return NAMED[ref];
  });
}

export const malformed = () =>
  new S3Error("MalformedXML", 400, "The XML you provided was not well-formed or did not validate against our published schema");

export interface DeleteRequest {
  objects: { key: string; versionId?: string }[];
  quiet: boolean;
}

/**
 * The body of DeleteObjects: `<Delete><Object><Key/>[<VersionId/>]…</Object>…[<Quiet/>]</Delete>`.
 * Other members of `<Object>` (ETag, LastModifiedTime, Size) are ignored. 1..1000 objects.
 */
export function parseDeleteRequest(body: string): DeleteRequest {
  const text = body.replace(/^\uFEFF/, "").replace(/<\?xml[^>]*\?>/, "").trim();
  const root = /^<Delete(?:\s[^>]*)?>([\s\S]*)<\/Delete>$/.exec(text);
  if (!root) throw malformed();
  const objects: DeleteRequest["objects"] = [];
  const inner = root[1].replace(/<Object>([\s\S]*?)<\/Object>/g, (_, object: string) => {
    const key = /<Key>([\s\S]*?)<\/Key>/.exec(object) ?? /^\s*<Key\s*\/>/.exec(object);
    if (!key) throw malformed();
    const version = /<VersionId>([\s\S]*?)<\/VersionId>/.exec(object);
    objects.push({ key: unescapeXml(key[1] ?? ""), versionId: version ? unescapeXml(version[1]) : undefined });
    return "";
  });
  const quiet = /<Quiet>\s*(true|false)\s*<\/Quiet>/.exec(inner);
  if (inner.replace(/<Quiet>\s*(true|false)\s*<\/Quiet>/, "").trim() !== "") throw malformed();
  if (objects.length === 0 || objects.length > 1000) throw malformed();
  return { objects, quiet: quiet?.[1] === "true" };
}
