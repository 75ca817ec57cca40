import { stageName } from "./naming.js";

/**
 * `<app>-<stage>-<name>` for this app and stage: the physical name of a resource created outside
 * SST's components (which name their own resources this way). See naming.ts `stageName`.
 */
export function named(name: string, max?: number): string {
  return stageName($app.name, $app.stage, name, max);
}
