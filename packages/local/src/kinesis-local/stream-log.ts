import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { base64Bytes } from "./requests.js";
import { LocalStream, MAX_RETENTION_HOURS, type Journal, type StoredRecord, type StreamMeta } from "./streams.js";

/**
 * Persistence of the local Kinesis in a data directory: one append-only JSON lines file per
 * stream, `stream-<name>.jsonl` (stream names are [a-zA-Z0-9_.-], safe in file names):
 *
 *   {"t":"stream",...StreamMeta,"last":<counter>}   first line: the stream
 *   [shard, counter, arrivalMs, partitionKey, base64Data]   one line per record
 *   {"t":"retention","hours":48}                      a retention change
 *
 * Writes are cheap: each put appends its lines with one synchronous write to a file descriptor
 * kept open (no fsync), so a record is in the file before its put is answered and survives the
 * process being killed (not a machine crash). stop() fsyncs and closes the files. Deleting a
 * stream deletes its file.
 *
 * On start, every file is read back; records older than the retention (by the clock at that
 * time) are dropped, and a file that had such records or damaged lines (say, a last line cut
 * short by a kill) is rewritten compacted (temp file + rename). The first line then carries
 * `last`, the latest counter ever handed out, so sequence numbers keep growing even when every
 * record was trimmed. A file whose first line is unreadable is left alone and not served.
 */
export class StreamLog implements Journal {
  private readonly files = new Map<string, number>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private path(stream: string): string {
    return join(this.dir, `stream-${stream}.jsonl`);
  }

  /** Every stream in the directory, trimmed at `now`; their files are then open for appending. */
  load(now: number): LocalStream[] {
    const out: LocalStream[] = [];
    for (const file of readdirSync(this.dir)) {
      const m = /^stream-([a-zA-Z0-9_.-]{1,128})\.jsonl$/.exec(file);
      if (!m) continue;
      const read = readStream(readFileSync(join(this.dir, file)));
      if (!read || read.stream.name !== m[1]) continue;
      const { stream, damaged } = read;
      let trimmed = false;
      for (const shard of stream.shards) {
        stream.trim(shard, now);
        trimmed ||= shard.head > 0;
      }
      if (trimmed || damaged) this.rewrite(stream);
      this.files.set(stream.name, openSync(this.path(stream.name), "a"));
      out.push(stream);
    }
    return out;
  }

  private rewrite(stream: LocalStream): void {
    const path = this.path(stream.name);
    const fd = openSync(`${path}.tmp`, "w");
    try {
      writeSync(fd, headerLine(stream.meta, stream.last));
      for (const shard of stream.shards) {
        const kept = stream.kept(shard);
        for (let i = 0; i < kept.length; i += 1000) writeSync(fd, kept.slice(i, i + 1000).map(recordLine).join(""));
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(`${path}.tmp`, path);
  }

  created(meta: StreamMeta): void {
    const fd = openSync(this.path(meta.name), "w");
    this.files.set(meta.name, fd);
    writeSync(fd, headerLine(meta, meta.base));
  }

  appended(stream: string, records: readonly StoredRecord[]): void {
    writeSync(this.fd(stream), records.map(recordLine).join(""));
  }

  retentionChanged(stream: string, hours: number): void {
    writeSync(this.fd(stream), `${JSON.stringify({ t: "retention", hours })}\n`);
  }

  deleted(stream: string): void {
    closeSync(this.fd(stream));
    this.files.delete(stream);
    unlinkSync(this.path(stream));
  }

  /** Flushes and closes every file; the log is unusable afterwards. */
  close(): void {
    for (const fd of this.files.values()) {
      fsyncSync(fd);
      closeSync(fd);
    }
    this.files.clear();
  }

  private fd(stream: string): number {
    const fd = this.files.get(stream);
    if (fd === undefined) throw new Error(`no log file open for stream ${stream}`);
    return fd;
  }
}

function headerLine(meta: StreamMeta, last: number): string {
  return `${JSON.stringify({ t: "stream", ...meta, last })}\n`;
}

function recordLine(r: StoredRecord): string {
  return `${JSON.stringify([r.shard, r.counter, r.at, r.key, r.data])}\n`;
}

/** The stream a file holds, with `damaged` when lines had to be skipped; undefined when its first line is unreadable. */
function readStream(buf: Buffer): { stream: LocalStream; damaged: boolean } | undefined {
  let stream: LocalStream | undefined;
  let damaged = false;
  /** Counter of the previous record line: counters must grow through the file. */
  let previous = 0;
  let start = 0;
  while (start < buf.length) {
    let end = buf.indexOf(10, start);
    if (end < 0) end = buf.length;
    const text = buf.toString("utf8", start, end);
    start = end + 1;
    if (text === "") continue;
    let line: unknown;
    try {
      line = JSON.parse(text);
    } catch {
      line = undefined;
    }
    if (!stream) {
      const meta = metaOf(line);
      if (!meta) return undefined;
      stream = new LocalStream(meta.meta, meta.last);
      previous = meta.meta.base;
    } else {
      const applied = apply(stream, line, previous);
      if (applied === false) damaged = true;
      else previous = applied;
    }
  }
  return stream && { stream, damaged };
}

function metaOf(line: unknown): { meta: StreamMeta; last: number } | undefined {
  const v = line as Record<string, unknown> | undefined;
  if (typeof v !== "object" || v === null || v.t !== "stream") return undefined;
  const { name, id, createdAt, mode, shardCount, retentionHours, base, last } = v;
  const ints = [createdAt, shardCount, retentionHours, base, last].every((n) => typeof n === "number" && Number.isSafeInteger(n));
  if (!ints || typeof name !== "string" || typeof id !== "string" || (mode !== "PROVISIONED" && mode !== "ON_DEMAND") || (shardCount as number) < 1) return undefined;
  const meta = { name, id, createdAt, mode, shardCount, retentionHours, base } as StreamMeta;
  return { meta, last: Math.max(last as number, meta.base) };
}

/**
 * Applies one line after the first: the counter of the previous record afterwards, or false
 * when the line is not a valid record (counter above `previous`) or retention line.
 */
function apply(stream: LocalStream, line: unknown, previous: number): number | false {
  if (Array.isArray(line)) {
    const [shard, counter, at, key, data] = line;
    const valid =
      line.length === 5 &&
      Number.isSafeInteger(shard) &&
      shard >= 0 &&
      shard < stream.shards.length &&
      Number.isSafeInteger(counter) &&
      counter > previous &&
      typeof at === "number" &&
      typeof key === "string" &&
      typeof data === "string";
    if (!valid) return false;
    stream.add({ shard, counter, at, key, data, bytes: base64Bytes(data) });
    return counter;
  }
  const v = line as Record<string, unknown> | undefined;
  if (typeof v === "object" && v !== null && v.t === "retention" && Number.isInteger(v.hours) && (v.hours as number) <= MAX_RETENTION_HOURS) {
    stream.meta.retentionHours = v.hours as number;
    return previous;
  }
  return false;
}
