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
  /** the CPU's SIMD flags that change which kernels run (OpenBLAS picks Haswell or SkylakeX by them); [] where /proc/cpuinfo is absent */
  flags: string[];
  memoryGiB: number;
  platform: string;
  node: string;
  versions: Record<string, string>;
  date: string;
}

const NOTED_FLAGS = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512_vnni', 'amx_tile', 'asimd', 'sve'];

/** The NOTED_FLAGS this CPU has, from /proc/cpuinfo (Linux); [] elsewhere. */
export function cpuFlags(): string[] {
  try {
    const line = /^(?:flags|Features)\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
    const have = new Set(line.trim().split(/\s+/));
    return NOTED_FLAGS.filter((f) => have.has(f));
  } catch {
    return [];
  }
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpu: list[0]?.model ?? 'unknown',
    cores: list.length,
    flags: cpuFlags(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${platform()} ${release()}`,
    node: process.version,
    versions: Object.fromEntries(
      ['ml-matrix', 'gpu.js', 'webgpu', 'gl', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', 'typescript'].map((p) => [p, versionOf(p)]),
    ),
    date: new Date().toISOString(),
  };
}
