// Types of the vendored GOV.UK Frontend module (only what the app uses), so
// that tsc checks our code against it without checking the vendored code.

/** Initialises every GOV.UK Frontend component on the page. */
export function initAll(config?: Record<string, unknown>): void;
