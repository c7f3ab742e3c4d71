// Telling a process from a later one that reuses its pid: on Linux a process's start time
// (/proc/<pid>/stat field 22, clock ticks since boot) and the boot id (/proc/sys/kernel/random/boot_id)
// identify it; a lock records both, and a lock whose pid now belongs to a process started at
// another time (or in another boot) is stale. Elsewhere both read as null and only the pid is compared.

import { readFileSync } from 'node:fs';

/** Start time of process `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat), or null. */
export function processStartTime(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // field 2, the command name, is in parentheses and may hold spaces or ')': fields 3.. follow the last ')'
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = rest[22 - 3];
  return start !== undefined && /^\d+$/.test(start) ? start : null;
}

/**
 * When process `pid` started, in ms since the epoch (Linux: boot time from /proc/stat plus its start
 * in clock ticks at USER_HZ = 100, the kernel's fixed user-visible rate), or null elsewhere.
 */
export function processStartedAtMs(pid: number): number | null {
  const ticks = processStartTime(pid);
  if (ticks === null) return null;
  let btime: number;
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (m === null) return null;
    btime = Number(m[1]);
  } catch {
    return null;
  }
  return btime * 1000 + Number(ticks) * 10;
}

/** This boot's id (Linux), or null. */
export function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** What a lock file records about its holder. */
export interface Holder {
  pid: number;
  /** null: not recorded (an older lock, or no /proc) */
  start: string | null;
  boot: string | null;
}

/** The lock text for this process: its pid on the first line (older readers parse only that), then `start=… boot=…`. */
export function holderText(): string {
  return `${process.pid}\nstart=${processStartTime(process.pid) ?? '-'} boot=${bootId() ?? '-'}\n`;
}

/** Reads a lock's text (NaN pid when unreadable). */
export function parseHolder(text: string): Holder {
  const field = (name: string): string | null => {
    const m = new RegExp(`\\b${name}=(\\S+)`).exec(text);
    return m === null || m[1] === '-' ? null : m[1];
  };
  return { pid: Number.parseInt(text, 10), start: field('start'), boot: field('boot') };
}

/**
 * Why the holder no longer runs (a reason for the notice), or null when it may still run:
 * its pid is gone, was recorded in another boot, now belongs to a process started at another
 * time, or is this very process (a lock without a start time that we did not take: a container's
 * PID 1 of an earlier life).
 */
export function holderGone(h: Holder, alive: (pid: number) => boolean): string | null {
  if (!alive(h.pid)) return 'no longer runs';
  const boot = bootId();
  if (h.boot !== null && boot !== null && h.boot !== boot) return 'ran before the last reboot';
  const start = processStartTime(h.pid);
  if (h.start !== null && start !== null && h.start !== start) return `is now another process (started at tick ${start}, the lock says ${h.start})`;
  if (h.start === null && h.pid === process.pid) return 'is this process\'s pid, reused';
  return null;
}
