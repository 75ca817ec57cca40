import { decodePayload } from "./payload.js";
import type { Operation } from "./requests.js";
import { invalidArgument, noSuchBucket, S3Error } from "./s3-errors.js";
import { document, el, parseDeleteRequest } from "./xml.js";

/**
 * CreateBucket, HeadBucket, DeleteBucket, ListBuckets and DeleteObjects.
 *
 * Bucket names follow S3's rules for new buckets: 3..63 of lowercase letters, digits, dots
 * and hyphens, starting and ending with a letter or digit, no two adjacent dots, not an IPv4
 * address, none of the reserved prefixes (`xn--`, `sthree-`) and suffixes (`-s3alias`,
 * `--ol-s3`, `.mrap`, `--x-s3`); only CreateBucket checks them (no other bucket can exist).
 * The endpoint has one owner and one namespace for every region: a second CreateBucket of a
 * name answers 409 BucketAlreadyOwnedByYou, and a CreateBucketConfiguration is ignored.
 */

/** The owner every bucket and object has. */
export const OWNER = { id: "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a", displayName: "local" };

const NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function isValidBucketName(name: string): boolean {
  return (
    NAME.test(name) &&
    !name.includes("..") &&
    !/^\d{1,3}(\.\d{1,3}){3}$/.test(name) &&
    !/^(xn--|sthree-)/.test(name) &&
    !/(-s3alias|--ol-s3|\.mrap|--x-s3)$/.test(name)
  );
}

export const createBucket: Operation = (store, req) => {
  const name = req.bucket!;
  if (!isValidBucketName(name)) throw new S3Error("InvalidBucketName", 400, "The specified bucket is not valid.", { BucketName: name });
  if (!store.createBucket(name, req.now))
    throw new S3Error("BucketAlreadyOwnedByYou", 409, "Your previous request to create the named bucket succeeded and you already own it.", { BucketName: name });
  return { status: 200, headers: { location: `/${name}` } };
};

export const headBucket: Operation = (store, req) => {
  if (!store.hasBucket(req.bucket!)) throw noSuchBucket(req.bucket!);
  return { status: 200, headers: { "x-amz-bucket-region": "us-east-1" } };
};

export const deleteBucket: Operation = (store, req) => {
  store.deleteBucket(req.bucket!);
  return { status: 204 };
};

/** Sorted by name; takes `prefix`, `max-buckets` (1..10000) and `continuation-token` (the last name of the previous page). */
export const listBuckets: Operation = (store, req) => {
  const prefix = req.query.get("prefix") ?? "";
  const token = req.query.get("continuation-token");
  const maxText = req.query.get("max-buckets");
  const max = maxText === undefined ? Infinity : Number(maxText);
  if (maxText !== undefined && !(Number.isInteger(max) && max >= 1 && max <= 10000))
    throw invalidArgument("max-buckets must be an integer between 1 and 10000.", "max-buckets", maxText);
  let after: string | undefined;
  if (token !== undefined) {
    after = Buffer.from(token, "base64url").toString("utf8");
    if (token === "" || Buffer.from(after, "utf8").toString("base64url") !== token) throw invalidArgument("The continuation token provided is incorrect", "continuation-token", token);
  }
  const matching = store.listBuckets().filter((b) => b.name.startsWith(prefix) && (after === undefined || b.name > after));
  const page = matching.slice(0, Math.min(max, matching.length));
  const next = page.length < matching.length ? Buffer.from(page[page.length - 1].name, "utf8").toString("base64url") : undefined;
  const buckets = page.map((b) => `<Bucket>${el("Name", b.name)}${el("CreationDate", new Date(b.created).toISOString())}</Bucket>`).join("");
  const body = document(
    "ListAllMyBucketsResult",
    `<Owner>${el("ID", OWNER.id)}${el("DisplayName", OWNER.displayName)}</Owner><Buckets>${buckets}</Buckets>` +
      el("Prefix", req.query.get("prefix")) +
      el("ContinuationToken", next),
  );
  return xmlReply(body);
};

/**
 * DeleteObjects: up to 1000 keys, each answered `<Deleted>` (a missing key too, as S3) or
 * `<Error>` (an empty key: UserKeyMustBeSpecified; one over 1024 bytes: KeyTooLongError; a VersionId other than "null":
 * NoSuchVersion, as no object has versions). `<Quiet>true</Quiet>` leaves out the Deleted ones.
 */
export const deleteObjects: Operation = (store, req) => {
  if (!store.hasBucket(req.bucket!)) throw noSuchBucket(req.bucket!);
  const { objects, quiet } = parseDeleteRequest(decodePayload(req.body, req.headers).data.toString("utf8"));
  let out = "";
  for (const { key, versionId } of objects) {
    const error = (code: string, message: string) => `<Error>${el("Key", key)}${el("VersionId", versionId)}${el("Code", code)}${el("Message", message)}</Error>`;
    if (key === "") out += error("UserKeyMustBeSpecified", "The request was missing a required key.");
    else if (Buffer.byteLength(key, "utf8") > 1024) out += error("KeyTooLongError", "Your key is too long");
    else if (versionId !== undefined && versionId !== "null") out += error("NoSuchVersion", "The specified version does not exist.");
    else {
      store.delete(req.bucket!, key);
      if (!quiet) out += `<Deleted>${el("Key", key)}${el("VersionId", versionId)}</Deleted>`;
    }
  }
  return xmlReply(document("DeleteResult", out));
};

export function xmlReply(body: string, status = 200) {
  return { status, headers: { "content-type": "application/xml" }, body };
}
