// Entry for test/install-footprint.test.ts: bundled with the optional peer packages left external
// and run from a folder with no node_modules, so each import really fails as it would in a
// consumer's project without them. Returns each feature's error message.

import { setBackend } from '../../index.js';
import { mnistDataDir } from '../../flow/data/mnist.js';
import { readBsds300 } from '../../flow/data/bsds300.js';
import { installNodeWebGpu } from '../../backends/gpu/node-webgpu.js';

async function messageOf(f: () => unknown): Promise<string> {
  try {
    await f();
    return 'no error';
  } catch (err) {
    return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
}

export async function main(): Promise<Record<string, string>> {
  return {
    gpu: await messageOf(() => setBackend('gpu')),
    mnist: await messageOf(() => mnistDataDir()),
    bsds300: await messageOf(() => readBsds300('/nonexistent/BSDS300.hdf5')),
    webgpu: await messageOf(() => installNodeWebGpu()),
  };
}
