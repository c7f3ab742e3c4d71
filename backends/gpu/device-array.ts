// Device storage of the GPU backend: one float32 array that lives on the device as a GPU.js
// pipeline result (a WebGL texture or a WebGPU storage buffer). On WebGL every kernel call
// returns its texture synchronously; on WebGPU a result exists only once its promise settles,
// so a DeviceArray can be pending: kernels chain behind their inputs' `ready`, and only a read
// (or `free`) waits for it.

/** What GPU.js hands back from a pipeline kernel: a GLTexture* or a WebGPUBufferResult. */
export interface DeviceValue {
  toArray(): unknown;
  delete(): void;
}

/**
 * The GPU backend's storage: one float32 array on the device (a WebGL texture or a WebGPU buffer),
 * pending until the kernel that writes it settles.
 */
export class DeviceArray {
  /** The device value; null while pending, for an empty array, or after `release`. */
  value: DeviceValue | null = null;
  /** Settles when `value` is set; null when it was set synchronously. */
  ready: Promise<void> | null = null;
  /** Promises of kernels issued with this array as an input (WebGPU): free waits for them. */
  readonly uses: Promise<unknown>[] = [];
  freed = false;

  constructor(readonly size: number) {}

  /** An array whose value is already on the device. */
  static settled(size: number, value: DeviceValue | null): DeviceArray {
    const out = new DeviceArray(size);
    out.value = value;
    return out;
  }

  /** An array whose value arrives later; a failure is kept for whoever reads it. */
  static pending(size: number, produce: Promise<DeviceValue | null>): DeviceArray {
    const out = new DeviceArray(size);
    out.ready = produce.then((value) => {
      out.value = value; // deleted by release() once readers are done, even if freed meanwhile
    });
    // a failure surfaces at the read that needs it, never as an unhandled rejection
    out.ready.catch(() => undefined);
    return out;
  }

  /** The value, checked: for synchronous (WebGL) code paths. */
  now(op: string): DeviceValue | null {
    if (this.freed) throw new Error(`gpu backend: ${op}: the device array (${this.size} elements) was freed`);
    if (this.ready !== null && this.value === null && this.size > 0) {
      throw new Error(`gpu backend: ${op}: the device array is still pending (asynchronous device)`);
    }
    return this.value;
  }

  /** Waits for the value (WebGPU), rethrowing the failure of the kernel that made it. */
  async settle(op: string): Promise<DeviceValue | null> {
    if (this.ready !== null) await this.ready;
    return this.now(op);
  }

  /**
   * The value for a kernel issued before a possible free: `release` waits for that kernel (it is
   * in `uses`), so no freed check here.
   */
  async forIssuedUse(): Promise<DeviceValue | null> {
    if (this.ready !== null) await this.ready;
    return this.value;
  }

  /** Deletes the device value once it exists and every kernel reading it has been submitted. */
  release(): void {
    if (this.freed) return;
    this.freed = true;
    if (this.ready === null && this.uses.length === 0) {
      this.value?.delete();
      this.value = null;
      return;
    }
    const pending: Promise<unknown>[] = [...this.uses];
    if (this.ready !== null) pending.push(this.ready);
    void Promise.allSettled(pending).then(() => {
      this.value?.delete();
      this.value = null;
    });
  }
}
