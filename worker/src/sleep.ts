/**
 * The worker's real wait. The worker's image is built from worker/ alone, so it keeps this
 * one-liner instead of importing the repository's kit/process.ts; classes that wait take it as an
 * injectable default, so tests replace it.
 */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
