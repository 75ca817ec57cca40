import { afterEach, expect, test, vi } from "vitest";
import { jsonLineSink } from "../../src/metrics/recorder.js";

/*
 * Structured lines and Lambda's application log level (AWS_LAMBDA_LOG_LEVEL): a line below it
 * is never written (Lambda would drop it); a line without a level counts as INFO.
 */
const saved = { level: process.env.AWS_LAMBDA_LOG_LEVEL, to: process.env.WEFT_STRUCTURED_LOGS };
afterEach(() => {
  for (const [k, v] of [["AWS_LAMBDA_LOG_LEVEL", saved.level], ["WEFT_STRUCTURED_LOGS", saved.to]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  vi.restoreAllMocks();
});

function written(level: string | undefined, lines: Array<Record<string, unknown>>): unknown[] {
  if (level === undefined) delete process.env.AWS_LAMBDA_LOG_LEVEL;
  else process.env.AWS_LAMBDA_LOG_LEVEL = level;
  process.env.WEFT_STRUCTURED_LOGS = "stderr";
  const out: unknown[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: unknown) => {
    out.push(JSON.parse(String(chunk)));
    return true;
  });
  for (const line of lines) jsonLineSink(line);
  return out;
}

const routine = { level: "DEBUG", kind: "notify_batch" };
const plain = { kind: "ws_gone" };
const warning = { level: "warn", kind: "search_index_truncated" };

test("at INFO (the manifest's level) routine DEBUG lines are not written; plain and warning lines are", () => {
  expect(written("INFO", [routine, plain, warning])).toEqual([plain, warning]);
});

test("at WARN a line without a level (INFO) is dropped too; at DEBUG or unset everything is written", () => {
  expect(written("WARN", [routine, plain, warning])).toEqual([warning]);
  expect(written("DEBUG", [routine, plain, warning])).toEqual([routine, plain, warning]);
  expect(written(undefined, [routine, plain, warning])).toEqual([routine, plain, warning]);
});

test("WEFT_STRUCTURED_LOGS=off writes nothing whatever the level", () => {
  written("DEBUG", []);
  process.env.WEFT_STRUCTURED_LOGS = "off";
  const spy = vi.spyOn(process.stdout, "write");
  jsonLineSink(plain);
  expect(spy).not.toHaveBeenCalled();
});
