import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "./log.js";
import { commandLine, dynamoLocalsOn, processInfo, runsDynamoLocalOn, stopProcess, type ProcessInfo } from "./process-table.js";

/**
 * DynamoDB Locals left running on a data directory by a stack that was killed, and the
 * ownership record that names them.
 *
 * `<dir>/dynamodb-local.pid` (JSON) is written right after DynamoDB Local starts on `dir` and
 * removed when it is stopped, also on a crash; only a kill the process cannot observe
 * (SIGKILL) leaves it. It names the Java process by pid AND start time, with its command line
 * and the pid of the Node process that owned it.
 *
 * `stopLeftovers` runs while holding the directory's lock (data-dir-lock.ts), so no live stack
 * owns a DynamoDB Local on `dir` then: any that runs is a leftover, and a second one on the
 * same files must never start beside it. It stops the recorded process when it is still that
 * very process (same start time: a reused pid is left alone) and still DynamoDB Local on
 * `dir`, and, since a record can be missing (deleted, or a kill between start and write), every
 * other process whose command line is DynamoDB Local with `-dbPath` exactly `dir`. Processes
 * running anything else are never signalled. Needs /proc (Linux) or `ps` (macOS); on Windows
 * it finds nothing.
 */
export const RECORD_FILE = "dynamodb-local.pid";

export interface OwnershipRecord {
  pid: number;
  /** As process-table.ts reports it (absent when unknown, e.g. on Windows). */
  startTime?: string;
  command: string;
  ownerPid: number;
  startedAt: string;
}

/** Records that `pid` is this process's DynamoDB Local on `dir`. */
export function writeRecord(dir: string, pid: number, command: string): void {
  const record: OwnershipRecord = {
    pid,
    startTime: processInfo(pid)?.startTime,
    command,
    ownerPid: process.pid,
    startedAt: new Date().toISOString(),
  };
  writeFileSync(join(dir, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/** Removes the record if it still names `pid` (synchronous: also used on process exit). */
export function removeRecord(dir: string, pid: number): void {
  if (readRecord(dir)?.pid === pid) rmSync(join(dir, RECORD_FILE), { force: true });
}

export function readRecord(dir: string): OwnershipRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(join(dir, RECORD_FILE), "utf8")) as OwnershipRecord;
    return Number.isInteger(r.pid) && r.pid > 0 ? r : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stops every DynamoDB Local left on `dir` (call it holding `dir`'s lock), logging each as a
 * warning, and removes the record. Rejects when one survives SIGKILL.
 */
export async function stopLeftovers(dir: string, log: Logger): Promise<void> {
  const found = new Map<number, { proc: ProcessInfo; via: string }>();
  const record = readRecord(dir);
  const recorded = record ? processInfo(record.pid) : undefined;
  if (recorded && record?.startTime === recorded.startTime && runsDynamoLocalOn(recorded, dir)) {
    found.set(recorded.pid, { proc: recorded, via: `ownership record (stack pid ${record.ownerPid})` });
  }
  for (const proc of dynamoLocalsOn(dir)) if (!found.has(proc.pid)) found.set(proc.pid, { proc, via: "process table" });
  for (const { proc, via } of found.values()) {
    if (!(await stopProcess(proc))) throw new Error(`could not stop DynamoDB Local (pid ${proc.pid}) left running on ${dir}`);
    log.warn("stopped a DynamoDB Local left running on this data directory by a stack that did not stop it", {
      pid: proc.pid,
      dir,
      foundBy: via,
      command: commandLine(proc),
    });
  }
  if (record) rmSync(join(dir, RECORD_FILE), { force: true });
}
