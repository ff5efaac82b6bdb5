// Undo/redo as a stack of operations over the HTTP API.
// An operation is {label, apply(), revert()}; both are async requests. All operations run one at a
// time through a queue, so fast clicking (or Ctrl+Z held down) cannot reorder a POST and its DELETE.
// An operation only moves between the stacks after its request succeeded, so the stacks always
// describe what the server holds.

export class UndoStack {
  constructor(onChange = () => {}) {
    this.done = [];
    this.undone = [];
    this.onChange = onChange;
    this.tail = Promise.resolve();
  }

  get canUndo() { return this.done.length > 0; }
  get canRedo() { return this.undone.length > 0; }

  // Builds an operation with `makeOp` (async; it runs in the queue, so it sees the state left by
  // every earlier operation: two fast clicks on one patch are an add and a remove, not two adds),
  // applies and records it. A new operation clears the redo stack, as everywhere else.
  run(makeOp) {
    return this.#enqueue(async () => {
      const op = await makeOp();
      if (!op) return;
      await op.apply();
      this.done.push(op);
      this.undone = [];
    });
  }

  undo() {
    return this.#enqueue(() => this.#move(this.done, this.undone, "revert"));
  }

  redo() {
    return this.#enqueue(() => this.#move(this.undone, this.done, "apply"));
  }

  async #move(from, to, method) {
    const op = from.pop();
    if (!op) return null;
    try {
      await op[method]();
    } catch (e) {
      from.push(op); // still not applied: keep it where it was so the user can retry
      throw e;
    }
    to.push(op);
    return op;
  }

  #enqueue(step) {
    const result = this.tail.then(step);
    this.tail = result.catch(() => {}).finally(() => this.onChange(this));
    return result;
  }
}
