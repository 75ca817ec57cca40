import { createHash, randomBytes } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { ObjectInfo } from "./object-store.js";

/**
 * Persistence of the local S3 endpoint under `dataDir` (docs/s3-local.md, "Persistence"):
 *
 *     <dataDir>/<bucket>/bucket.json                  {"name", "created"}
 *     <dataDir>/<bucket>/objects/<sha256(key)>.json   the object's metadata, key included, and its data file's name
 *     <dataDir>/<bucket>/objects/<sha256(key)>.<id>.data   the bytes
 *
 * File names never depend on the key being a safe file name. A put writes (and fsyncs) a new
 * data file under a fresh id, then the metadata through a temp file and a rename, which is the
 * commit: a killed process leaves either the old object or the new one, whole. The replaced
 * data file is deleted after the rename; leftovers in an objects directory (temp files,
 * unreferenced data files, metadata without its data) are removed by load(), and directories
 * without a valid bucket.json are ignored. All calls are synchronous,
 * so each runs without any other request in between.
 */

export interface StoredObject extends ObjectInfo {
  /** In memory: the bytes. */
  body?: Buffer;
  /** On disk: the data file's name in the bucket's objects directory. */
  file?: string;
}

export interface LoadedBucket {
  name: string;
  created: number;
  objects: StoredObject[];
}

export class DiskStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** Every bucket and object on disk, tidying up what an interrupted write left behind. */
  load(): LoadedBucket[] {
    const buckets: LoadedBucket[] = [];
    for (const entry of readdirSync(this.dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const path = join(this.dir, entry.name);
      const head = readJson(join(path, "bucket.json")) as { name?: unknown; created?: unknown } | undefined;
      if (!head || head.name !== entry.name || typeof head.created !== "number") {
        if (entry.name.startsWith(".")) rmSync(path, { recursive: true, force: true }); // a delete cut short
        continue;
      }
      buckets.push({ name: entry.name, created: head.created, objects: this.loadObjects(entry.name) });
    }
    return buckets;
  }

  private loadObjects(bucket: string): StoredObject[] {
    const dir = this.objectsDir(bucket);
    mkdirSync(dir, { recursive: true });
    const names = readdirSync(dir);
    const objects: StoredObject[] = [];
    const referenced = new Set<string>();
    for (const name of names) {
      if (!/^[0-9a-f]{64}\.json$/.test(name)) continue;
      const meta = readJson(join(dir, name)) as StoredObject | undefined;
      if (!meta || typeof meta.key !== "string" || typeof meta.file !== "string" || !names.includes(meta.file) || hashOf(meta.key) + ".json" !== name) continue;
      referenced.add(meta.file);
      objects.push(meta);
    }
    for (const object of objects) referenced.add(hashOf(object.key) + ".json");
    for (const name of names) if (!referenced.has(name)) rmSync(join(dir, name), { force: true });
    return objects;
  }

  createBucket(name: string, created: number): void {
    const path = join(this.dir, name);
    rmSync(join(path, "objects"), { recursive: true, force: true }); // what a create cut short may have left
    mkdirSync(join(path, "objects"), { recursive: true });
    writeAtomically(join(path, "bucket.json"), JSON.stringify({ name, created }));
  }

  /** Renames the directory away first, so a delete cut short never leaves half a bucket. */
  deleteBucket(name: string): void {
    const gone = join(this.dir, `.deleted-${name}-${randomBytes(6).toString("hex")}`);
    renameSync(join(this.dir, name), gone);
    rmSync(gone, { recursive: true, force: true });
  }

  /** Writes the object and returns its stored form (with `file`); `previous` is the version it replaces. */
  putObject(bucket: string, info: ObjectInfo, data: Buffer, previous: StoredObject | undefined): StoredObject {
    const dir = this.objectsDir(bucket);
    const hash = hashOf(info.key);
    const file = `${hash}.${randomBytes(8).toString("hex")}.data`;
    writeSynced(join(dir, file), data);
    const stored: StoredObject = { ...info, file };
    writeAtomically(join(dir, `${hash}.json`), JSON.stringify(stored));
    if (previous?.file) rmSync(join(dir, previous.file), { force: true });
    return stored;
  }

  deleteObject(bucket: string, object: StoredObject): void {
    const dir = this.objectsDir(bucket);
    unlinkSync(join(dir, `${hashOf(object.key)}.json`)); // the commit
    if (object.file) rmSync(join(dir, object.file), { force: true });
  }

  /** Bytes start..end-1 of the object's data file. */
  read(bucket: string, object: StoredObject, start: number, end: number): Buffer {
    const out = Buffer.alloc(end - start);
    const fd = openSync(join(this.objectsDir(bucket), object.file!), "r");
    try {
      let done = 0;
      while (done < out.length) {
        const n = readSync(fd, out, done, out.length - done, start + done);
        if (n === 0) throw new Error(`The data file of ${bucket}/${object.key} is shorter than its recorded size.`);
        done += n;
      }
    } finally {
      closeSync(fd);
    }
    return out;
  }

  private objectsDir(bucket: string): string {
    return join(this.dir, bucket, "objects");
  }
}

export function hashOf(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

function readJson(path: string): unknown {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

function writeSynced(path: string, data: Buffer | string): void {
  const fd = openSync(path, "wx");
  try {
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Temp file in the same directory, fsync, rename over `path`. */
function writeAtomically(path: string, data: string): void {
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    writeSynced(temp, data);
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
