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
// `--flag value`, or a lone `--flag` (followed by another flag or nothing) meaning "true".
for (let i = 0; i < rest.length; i++) {
  const value = rest[i + 1];
  if (value === undefined || value.startsWith("--")) args[rest[i].replace(/^--/, "")] = "true";
  else args[rest[i++].replace(/^--/, "")] = value;
}
await (await benches[name]()).main(args);
// Exit only once stdout has taken everything: through a pipe the JSON line (100 KB and more for
// `cost --json`) is written asynchronously, and exiting at once cut it at 64 KB.
await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
process.exit(0);
