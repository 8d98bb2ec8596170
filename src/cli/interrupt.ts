// Ctrl-C (SIGINT) and SIGTERM (what job runners send before killing a job) stop a long command cleanly: the
// batch under way finishes, its results are written, the output is closed; a second signal quits at once.

export interface Interrupt {
  signal: AbortSignal;
  dispose(): void;
}

export const INTERRUPTED_EXIT_CODE = 130;

export function onInterrupt(): Interrupt {
  const controller = new AbortController();
  const handler = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(INTERRUPTED_EXIT_CODE);
    controller.abort();
    console.error(`\n${name}: stopping after the current batch (again to quit at once)`);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
