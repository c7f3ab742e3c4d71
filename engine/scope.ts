// Memory scopes. `tidy(fn)` disposes every tensor created inside fn except what fn returns,
// what was `keep()`-ed, and what an active tape still needs (those move to the enclosing scope).

import type { Tensor } from './tensor.js';
import { isHeldByActiveTape } from './tape.js';

const scopes: Set<Tensor>[] = [];
const kept = new WeakSet<Tensor>();

export function onTensorCreated(t: Tensor): void {
  if (scopes.length > 0) scopes[scopes.length - 1].add(t);
}

/** Exempts a tensor from every enclosing and future scope: the caller disposes it. */
export function keep<T extends Tensor>(t: T): T {
  kept.add(t);
  return t;
}

/** Tensors found in a value: a tensor, or arrays/plain objects of them (one level deep or more). */
export function collectTensors(value: unknown, into = new Set<Tensor>(), depth = 0): Set<Tensor> {
  if (value === null || value === undefined || depth > 8) return into;
  if (typeof value === 'object' && 'id' in value && 'shape' in value && 'dispose' in value && 'dtype' in value) {
    into.add(value as Tensor);
    return into;
  }
  if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, into, depth + 1);
  } else if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value as Record<string, unknown>)) collectTensors(v, into, depth + 1);
  }
  return into;
}

/** Runs fn in a scope; tensors it created are disposed on return unless returned or kept. */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    scopes.pop();
    release(scope, new Set());
    throw err;
  }
  scopes.pop();
  release(scope, collectTensors(result));
  return result;
}

function release(scope: Set<Tensor>, survivors: Set<Tensor>): void {
  const parent = scopes.length > 0 ? scopes[scopes.length - 1] : undefined;
  for (const t of scope) {
    if (t.isDisposed || kept.has(t)) continue;
    if (survivors.has(t) || isHeldByActiveTape(t)) parent?.add(t);
    else t.dispose();
  }
}

/** Disposes every tensor in a value (a tensor, or arrays/objects of them). */
export function dispose(value: unknown): void {
  for (const t of collectTensors(value)) t.dispose();
}
