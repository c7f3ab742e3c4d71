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

const isTensor = (v: object): v is Tensor => 'id' in v && 'shape' in v && 'dispose' in v && 'dtype' in v;

/** What a tidy result may not hide tensors in: found at `path`, described as `what`. */
class Untrackable extends Error {}

/**
 * Tensors found in a value: a tensor, or any nesting (no depth limit, cycles followed once) of
 * arrays, plain objects, Maps, Sets and class instances (their own enumerable properties).
 * `strict` (tidy's result): a function, a Promise, a WeakMap or WeakSet reached through arrays,
 * plain objects, Maps or Sets throws, since tensors inside them cannot be seen; inside class
 * instances such members are skipped. Typed arrays and buffers hold no tensors and are not read.
 */
function collectTensors(value: unknown, into = new Set<Tensor>(), strict = false): Set<Tensor> {
  const seen = new Set<object>();
  const stack: { v: unknown; path: string; strict: boolean }[] = [{ v: value, path: 'result', strict }];
  while (stack.length > 0) {
    const { v, path, strict: s } = stack.pop() as (typeof stack)[number];
    if (v === null || (typeof v !== 'object' && typeof v !== 'function')) continue;
    if (typeof v === 'function') {
      if (s) throw new Untrackable(`${path} is a function: tensors a closure captures cannot be tracked`);
      continue;
    }
    if (seen.has(v)) continue;
    seen.add(v);
    if (isTensor(v)) {
      into.add(v);
      continue;
    }
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && v instanceof SharedArrayBuffer)) continue;
    if (typeof (v as { then?: unknown }).then === 'function') {
      if (s) throw new Untrackable(`${path} is a Promise: tidy is synchronous and cannot follow tensors across await`);
      continue;
    }
    if (v instanceof WeakMap || v instanceof WeakSet || v instanceof WeakRef) {
      if (s) throw new Untrackable(`${path} is a ${v.constructor.name}, whose contents cannot be listed`);
      continue;
    }
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ v: item, path: `${path}[${i}]`, strict: s }));
    } else if (v instanceof Map) {
      let i = 0;
      for (const [k, item] of v) {
        stack.push({ v: k, path: `${path} (Map key ${i})`, strict: s });
        stack.push({ v: item, path: `${path}.get(${typeof k === 'string' ? `'${k}'` : `key ${i}`})`, strict: s });
        i++;
      }
    } else if (v instanceof Set) {
      let i = 0;
      for (const item of v) stack.push({ v: item, path: `${path} (Set item ${i++})`, strict: s });
    } else {
      const plain = Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null;
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) stack.push({ v: item, path: `${path}.${k}`, strict: s && plain });
    }
  }
  return into;
}

/** Runs fn in a scope; tensors it created are disposed on return unless returned or kept. */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new Error(`tidy: expected a function, got ${typeof fn}`);
  if (fn.constructor?.name === 'AsyncFunction' || fn.constructor?.name === 'AsyncGeneratorFunction') {
    throw new Error('tidy: fn is an async function: tidy is synchronous and cannot follow tensors across await; call tidy inside it around synchronous work');
  }
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  let survivors: Set<Tensor>;
  try {
    result = fn();
    survivors = collectTensors(result, new Set(), true);
  } catch (err) {
    scopes.pop();
    release(scope, new Set());
    if (err instanceof Untrackable) {
      throw new Error(`tidy: ${err.message}; the tensors created inside would be disposed: return the tensors themselves (in arrays, objects, Maps, Sets or class instances) or keep() them`);
    }
    throw err;
  }
  scopes.pop();
  release(scope, survivors);
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
