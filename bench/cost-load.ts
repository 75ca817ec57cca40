import { parentPort, workerData } from "node:worker_threads";
import { runDocLoad, type DocLoadParams } from "./cost-doc-load.js";
import { runNotifyLoad, type NotifyLoadParams } from "./cost-notify-load.js";

/**
 * The load worker of `bench cost`: runs one product's traffic in its own thread, so the load
 * generator's work is not on the stack's event loop (and not billed to any function).
 */
export type CostLoadTask = { kind: "docs"; params: DocLoadParams } | { kind: "notify"; params: NotifyLoadParams };

const task = workerData as CostLoadTask;
const result = task.kind === "docs" ? await runDocLoad(task.params) : await runNotifyLoad(task.params);
parentPort?.postMessage(result);
