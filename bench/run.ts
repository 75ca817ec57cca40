export {};
/**
 * `npm run bench -- <name> [--flag value ...]`: runs one benchmark and prints its figures as
 * one JSON line on stdout (progress goes to stderr).
 */
const benches: Record<string, () => Promise<{ main(args: Record<string, string>): Promise<void> }>> = {
  ingest: () => import("./ingest.js"),
  live: () => import("./live.js"),
  replay: () => import("./replay.js"),
  materialize: () => import("./materialize.js"),
  fanout: () => import("./fanout.js"),
  consumers: () => import("./consumers.js"),
  notify: () => import("./notify.js"),
  cost: () => import("./cost.js"),
};

const [name, ...rest] = process.argv.slice(2);
if (!name || !benches[name]) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join("|")}> [--flag value ...]`);
  process.exit(2);
}
const args: Record<string, string> = {};
for (let i = 0; i < rest.length; i += 2) args[rest[i].replace(/^--/, "")] = rest[i + 1];
await (await benches[name]()).main(args);
process.exit(0);
