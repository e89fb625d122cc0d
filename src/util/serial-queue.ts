/**
 * One task at a time, in the order asked: each starts once the one before it has settled,
 * whether that succeeded or failed, and a failure reaches only the caller whose task it was.
 * For work that reads what the previous task left (a journal's end, a branch tip, a checkout).
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every task asked for so far has settled. */
  async idle(): Promise<void> {
    await this.#tail;
  }
}
