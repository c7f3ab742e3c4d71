// Ends `npm run demo` cleanly: npm starts `sh -c '… && node dist/demo/serve.js'`, and when npm is
// killed (SIGTERM by its pid, or SIGKILL) the shell and this server would live on as orphans. The
// server watches its parent and, when npm started it (npm_lifecycle_event is set), npm too (the
// parent's parent, read from /proc on Linux), and stops when either is gone (a zombie counts as gone).
import { readFileSync } from 'node:fs';

/** State letter and parent pid of a process from /proc/PID/stat; undefined without /proc. */
function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  const stat = procStat(pid);
  if (stat !== undefined) return stat.state !== 'Z' && stat.state !== 'X';
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The processes whose end should end this one: the parent, and npm above the shell when npm ran us. */
export function watchedAncestors(): number[] {
  const parent = process.ppid;
  const grandparent = process.env.npm_lifecycle_event ? procStat(parent)?.ppid : undefined;
  return grandparent !== undefined && grandparent > 1 ? [parent, grandparent] : [parent];
}

/** Calls `stop` once when this process is re-parented or a watched ancestor ends; checked every `everyMs`. */
export function onAncestorExit(stop: () => void, everyMs = 500): void {
  const parent = process.ppid;
  const watched = watchedAncestors();
  const timer = setInterval(() => {
    if (process.ppid === parent && watched.every(alive)) return;
    clearInterval(timer);
    stop();
  }, everyMs);
  timer.unref();
}
