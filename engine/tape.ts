// The flat tape: nodes {op, inputs, output, backward} pushed while recording and walked in
// reverse by autodiff.ts. Several tapes can be active at once (grad of grad): an op is recorded
// on every active tape that tracks one of its inputs, so a backward pass run under an outer tape
// is itself recorded there, which is what makes higher-order derivatives work.

import type { Tensor } from './tensor.js';

/**
 * A backward rule. `g` is the cotangent of the output with one extra leading axis of size K
 * (K = 1 for `grad`, K = number of outputs for `jacobian`): shape [K, ...output.shape]. It returns,
 * for each input i with needs[i], a cotangent of shape [K, ...inputs[i].shape], or null for zero.
 */
export type BackwardFn = (g: Tensor, needs: readonly boolean[]) => (Tensor | null)[];

export interface TapeNode {
  op: string;
  inputs: readonly Tensor[];
  output: Tensor;
  backward: BackwardFn;
}

export class Tape {
  readonly nodes: TapeNode[] = [];
  /** Ids of tensors whose gradient this tape can compute: its leaves and recorded outputs. */
  readonly tracked = new Set<number>();
  /** Every tensor a node of this tape keeps, so scopes do not dispose them while it is active. */
  readonly held = new Set<Tensor>();

  watch(t: Tensor): void {
    this.tracked.add(t.id);
    this.held.add(t);
  }
}

const active: Tape[] = [];

export function pushTape(tape: Tape): void {
  active.push(tape);
}

export function popTape(tape: Tape): void {
  const top = active.pop();
  if (top !== tape) throw new Error('autodiff: tapes were closed out of order (a grad call escaped its scope?)');
}

/** True when some active tape tracks one of `inputs`, i.e. the op must be recorded. */
export function isRecording(inputs: readonly Tensor[]): boolean {
  for (const tape of active) for (const t of inputs) if (tape.tracked.has(t.id)) return true;
  return false;
}

export function record(op: string, inputs: readonly Tensor[], output: Tensor, backward: BackwardFn): void {
  const node: TapeNode = { op, inputs, output, backward };
  for (const tape of active) {
    if (!inputs.some((t) => tape.tracked.has(t.id))) continue;
    tape.nodes.push(node);
    tape.watch(output);
    for (const t of inputs) tape.held.add(t);
  }
}

export function isHeldByActiveTape(t: Tensor): boolean {
  for (const tape of active) if (tape.held.has(t)) return true;
  return false;
}

/** Runs fn with recording switched off on every tape (used by customGrad's forward). */
export function untracked<T>(fn: () => T): T {
  const saved = active.splice(0, active.length);
  try {
    return fn();
  } finally {
    active.push(...saved);
  }
}
