import { createInterface } from 'node:readline';

/**
 * Where a process's CPU time goes, kernel included, from `perf script` output: each sample is
 * put in one category by the first frame (from the leaf up) that names one, per thread.
 * V8's `--cpu-prof` sees only JavaScript and calls the whole of a socket write "writeUtf8String";
 * this splits it into the TCP send, the loopback delivery and waking the reader.
 *
 *   perf record -F 999 -e cpu-clock -g -p <server pid> -o srv.data -- sleep 5
 *   perf script -i srv.data -F tid,ip,sym,dso | node dist/bench/bench/perf-categories.js [votes] [main tid]
 *
 * With the number of votes acknowledged while perf recorded, it also prints µs per vote
 * (perf samples every 1/999 s of CPU).
 */

/** [category, frames that put a sample in it]; checked from the leaf frame upwards. */
const RULES: [string, RegExp][] = [
  ['fsync', /__x64_sys_(fsync|fdatasync)\b/],
  ['WAL / database file write', /__x64_sys_(pwrite64|write)\b.*ext4|ext4_file_write_iter|ext4_buffered_write_iter/],
  ['database file read', /ext4_file_read_iter|filemap_read/],
  ['socket write (TCP send + loopback delivery + waking the reader)', /tcp_sendmsg|sock_write_iter|__x64_sys_writev/],
  ['socket read', /tcp_recvmsg|sock_read_iter/],
  ['epoll', /do_epoll_wait|__x64_sys_epoll/],
  ['futex, thread hand-off', /__x64_sys_futex|futex_wake|futex_wait/],
  ['page faults', /asm_exc_page_fault|handle_mm_fault/],
  ['scheduler, interrupts', /finish_task_switch|__schedule|schedule_tail|irq_exit|sysvec_/],
  ['other syscalls', /entry_SYSCALL_64|do_syscall_64/],
  ['postMessage (structured clone)', /ValueSerializer|ValueDeserializer|MessagePort::PostMessage|Message::Serialize|Message::Deserialize/],
  ['garbage collection', /v8::internal::(Heap|Scavenger|MarkCompact|ScavengerCollector|MinorMarkCompact|ConcurrentMarking)|Sweeper/],
  ['SQLite (user space)', /better_sqlite3\.node/],
];

function categorize(stack: readonly string[]): string {
  // Kernel frames first (a syscall made from SQLite is the syscall's cost), then user space.
  for (const [name, re] of RULES) if (stack.some((f) => re.test(f))) return name;
  return 'JavaScript, V8 and Node runtime';
}

async function main(): Promise<void> {
  const votes = Number(process.argv[2] ?? 0);
  const mainTid = process.argv[3];
  const byThread = new Map<string, Map<string, number>>();
  let tid = '';
  let stack: string[] = [];
  const flush = (): void => {
    if (tid === '') return;
    const cat = categorize(stack);
    const m = byThread.get(tid) ?? new Map<string, number>();
    m.set(cat, (m.get(cat) ?? 0) + 1);
    byThread.set(tid, m);
    stack = [];
    tid = '';
  };
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    // A sample starts with its (right-aligned) thread id; its frames follow, indented by a tab.
    if (!line.startsWith('\t')) {
      flush();
      tid = line.trim().split(/\s+/)[0] ?? '';
      continue;
    }
    stack.push(line.trim());
  }
  flush();
  const hz = 999;
  let total = 0;
  for (const m of byThread.values()) for (const n of m.values()) total += n;
  const out: string[] = [];
  const threads = [...byThread].sort((a, b) => sum(b[1]) - sum(a[1]));
  for (const [t, m] of threads) {
    const n = sum(m);
    if (n < total * 0.01) continue;
    const label = t === mainTid ? 'main thread' : `thread ${t}`;
    out.push(`${label}: ${n} samples (${((n / total) * 100).toFixed(1)} % of the process)${votes > 0 ? `, ${((n / hz / votes) * 1e6).toFixed(1)} µs per vote` : ''}`);
    for (const [cat, k] of [...m].sort((a, b) => b[1] - a[1])) {
      out.push(`  ${((k / n) * 100).toFixed(1).padStart(5)} %${votes > 0 ? `  ${((k / hz / votes) * 1e6).toFixed(2).padStart(6)} µs/vote` : ''}  ${cat}`);
    }
  }
  if (votes > 0) out.push(`all threads: ${((total / hz / votes) * 1e6).toFixed(1)} µs per vote`);
  process.stdout.write(out.join('\n') + '\n');
}

function sum(m: Map<string, number>): number {
  let s = 0;
  for (const n of m.values()) s += n;
  return s;
}

void main();
