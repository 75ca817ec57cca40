import { runInForeground } from "../src/foreground.js";

/**
 * Test-only entry (process-hygiene.test.ts): `npm start`'s very startup (runInForeground),
 * then, on SIGUSR2, a crash: an uncaught exception, or with the argument "rejection" an
 * unhandled promise rejection. The crash lives here, not in production code.
 */
const how = process.argv[2];
process.once("SIGUSR2", () => {
  if (how === "rejection") void Promise.reject(new Error("test crash: rejected"));
  else setImmediate(() => {
    throw new Error("test crash: thrown");
  });
});
await runInForeground();
