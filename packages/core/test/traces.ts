import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

/**
 * The recorded editing traces (josephg/editing-traces, CC BY 4.0; see the traces README).
 * They live next to the repository, in `../shared/traces` from the repo root, and tests that
 * use them are skipped when they are absent.
 */
export interface Trace {
  startContent?: string;
  endContent: string;
  txns: Array<{ patches: Array<[number, number, string]>; agent?: number; parents?: number[] }>;
}

const repoRoot = new URL("../../../", import.meta.url);

export interface TraceFile {
  name: string;
  present: boolean;
  load(): Trace;
}

export function traceFile(name: string): TraceFile {
  const url = new URL(`../shared/traces/${name}.json.gz`, repoRoot);
  return {
    name,
    present: existsSync(fileURLToPath(url)),
    load: () => JSON.parse(gunzipSync(readFileSync(url)).toString("utf8")) as Trace,
  };
}

/** The test title: what it checks when the trace is there, why it is skipped when not. */
export function traceTitle(file: TraceFile, title: string): string {
  return file.present ? title : `${file.name} replay SKIPPED: ../shared/traces/${file.name}.json.gz not found next to the repo`;
}
