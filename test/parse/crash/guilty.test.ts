import { describe, expect, it } from 'vitest';
import { fileInLine, guiltyFile } from '../../../src/parse/crash/guilty.js';

describe('guilty source file', () => {
  it('reads the first path:line of a symbolized frame', () => {
    expect(fileInLine(' ip6_send_skb+0x2f5/0x330 net/ipv6/ip6_output.c:1748')).toBe('net/ipv6/ip6_output.c');
    expect(fileInLine(' __dump_stack lib/dump_stack.c:16 [inline]')).toBe('lib/dump_stack.c');
    expect(fileInLine('RIP: 0010:foo+0x1/0x2')).toBeNull();
    expect(fileInLine('file.py:12')).toBeNull();
  });

  it('skips generic files, irq history and held-lock lines, then prefers a deeper file of the same directory', () => {
    const lines = [
      'BUG: KASAN: use-after-free in foo+0x1/0x2 net/core/skbuff.c:10',
      ' #0:  (sk_lock-AF_INET){+.+.}, at: lock_sock_nested+0x1/0x2 net/ipv4/af_inet.c:1',
      'hardirqs last  enabled at (331): [<00000000eed64b41>] __kmalloc+0x23a/0x760 mm/slab.c:3720',
      'Call Trace:',
      ' dump_stack+0x292/0x395 lib/dump_stack.c:52',
      ' kasan_report+0x230/0x340 mm/kasan/report.c:408',
      ' tipc_recv+0x1/0x2 net/tipc/socket.c:12',
      ' tipc_link_rcv+0x1/0x2 net/tipc/link/rcv.c:12',
    ];
    expect(guiltyFile('KASAN: use-after-free Read in foo', lines)).toBe('net/tipc/link/rcv.c');
  });

  it('scans a 1 MB line of path characters without running away', () => {
    const line = `${'a/b.'.repeat(1 << 18)}c`;
    const t0 = performance.now();
    expect(fileInLine(line)).toBeNull();
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
