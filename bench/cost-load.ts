import { parentPort, workerData } from "node:worker_threads";
import { runDocLoad, type DocLoadParams } from "./cost-doc-load.js";
import { runNotifyLoad, type NotifyLoadParams } from "./cost-notify-load.js";

/**
 * The load worker of `bench cost`: runs one product's traffic in its own thread, so the load
 * generator's work is not on the stack's event loop (and not billed to any function).
 */
export type CostLoadTask = { kind: "docs"; params: DocLoadParams } | { kind: "notify"; params: NotifyLoadParams };

const task = workerData as CostLoadTask;
/** Tells the main thread the warm-up is over: it starts measuring (resets the usage meter). */
const measuring = () => parentPort?.postMessage({ measuring: true });
/** Tells the main thread the load has sent its last event (what follows is waiting for its effects). */
const sendingDone = () => parentPort?.postMessage({ sendingDone: true });
const result = task.kind === "docs" ? await runDocLoad(task.params, measuring) : await runNotifyLoad(task.params, measuring, sendingDone);
parentPort?.postMessage({ result });
