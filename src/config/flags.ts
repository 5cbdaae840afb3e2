/** How a setting's name becomes its command-line flag (no other dependency: src/common starts services with it). */

/** `maxBatchSteps` → `--max-batch-steps`. */
export function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
