// What the numbers were measured on: machine, runtime and package versions.

import { cpus, totalmem, platform, release } from 'node:os';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function versionOf(pkg: string): string {
  try {
    const path = require.resolve(`${pkg}/package.json`);
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  node: string;
  versions: Record<string, string>;
  date: string;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpu: list[0]?.model ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${platform()} ${release()}`,
    node: process.version,
    versions: Object.fromEntries(
      ['ml-matrix', 'gpu.js', 'webgpu', 'gl', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', 'typescript'].map((p) => [p, versionOf(p)]),
    ),
    date: new Date().toISOString(),
  };
}
