/** Polls `condition` every `everyMs` until it holds or `timeoutMs` passes (then throws, naming `what`). */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
