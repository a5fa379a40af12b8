// Types of the vendored uPlot module (only what the console uses), so that
// tsc checks our code against it without checking the vendored code.

/** A chart drawn by uPlot. */
export interface Chart {
  destroy(): void;
}

declare const uPlot: {
  new (opts: Record<string, any>, data: unknown[], target: HTMLElement): Chart;
  paths: { bars(opts: Record<string, unknown>): unknown };
};
export default uPlot;
