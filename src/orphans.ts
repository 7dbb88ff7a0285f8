// orphans.ts — reaping as PID 1. In a container whose init is tusk's master, the kernel makes the
// master the parent of every orphaned process (an app's detached grandchildren, a shell's
// background jobs), and each one that exits stays a zombie until its parent collects it. The master
// never calls waitpid(-1), which would also take the exit statuses of its workers and of libuv's
// children: it looks at an exited child without collecting it (peekExited), leaves its own workers
// and new master to the arbiter, gives any other child one turn of the loop (a child_process
// child, which libuv collects in that turn), and collects what is still there on the next look.
import { addon } from './native.js';
import { log } from './log.js';

export class OrphanReaper {
  /** An exited child that was not the master's own at the last look. */
  private waiting = 0;

  constructor(private readonly isOwn: (pid: number) => boolean) {}

  /** Whether this process is an init that orphans are handed to. */
  static needed(): boolean {
    return process.pid === 1;
  }

  /** Collects the orphans that have exited; called on each turn of the master's loop, after its own reaping. */
  reap(): void {
    for (;;) {
      const pid = addon.peekExited();
      if (pid === 0 || this.isOwn(pid)) break; // the arbiter collects its own
      if (pid !== this.waiting) {
        this.waiting = pid; // perhaps libuv's: look again on the next turn
        break;
      }
      this.waiting = 0;
      try {
        addon.reap(pid);
        log.debug(`Reaped orphan (pid: ${pid})`);
      } catch {
        break; // collected meanwhile
      }
    }
  }
}
