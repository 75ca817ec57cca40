import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import { SignJWT } from "jose";
import { linkEnvironment } from "../../src/linked.js";

/** A room task process (packages/functions/src/rooms/main.ts) on the test stack's DynamoDB Local, for the room tier's process tests. */
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
export const SECRET = "room-task-test-secret";

export interface TaskProcess {
  url: string;
  privateUrl: string;
  lines: string[];
  child: ChildProcess;
}

/** Starts a task with only the environment infra/rooms.ts gives it (plus `env`); resolves on its ready line. */
export function startTask(env: Record<string, string> = {}): Promise<TaskProcess> {
  const tables = inject("stackTables");
  const child = spawn(process.execPath, ["--import", "tsx", "packages/functions/src/rooms/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      WEFT_STAGE: "local",
      AWS_REGION: "us-east-1",
      WEFT_DYNAMO_ENDPOINT: inject("stackDynamoEndpoint"),
      WEFT_JWT_SECRET: SECRET,
      PORT: "0",
      WEFT_ROOMS_PRIVATE_PORT: "0",
      WEFT_STRUCTURED_LOGS: "on",
      ...linkEnvironment({ app: { name: "weft", stage: "local" }, tables }),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line: ${lines.join("\n")}`)), 30_000);
    const onData = (data: Buffer) => {
      for (const line of data.toString().split("\n").filter(Boolean)) {
        lines.push(line);
        try {
          const parsed = JSON.parse(line) as { kind?: string; url?: string; privateUrl?: string };
          if (parsed.kind === "room_task_ready") {
            clearTimeout(timer);
            resolve({ url: parsed.url!, privateUrl: parsed.privateUrl!, lines, child });
          }
        } catch {
          // not a JSON line
        }
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${lines.join("\n")}`)));
  });
}

/** A user token the tasks accept. */
export function taskToken(sub: string, tid: string): Promise<string> {
  return new SignJWT({ sub, tid }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(new TextEncoder().encode(SECRET));
}
