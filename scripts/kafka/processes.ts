import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Process-group bookkeeping for the test broker: the JVM runs in its own process group (spawned
 * detached), so stopping means signalling the whole group. Every running broker is recorded in
 * `<cache>/run/<pgid>.json` with the pid of the Node process that owns it; a later start kills the
 * groups whose owner is gone (an interrupted run that could not clean up).
 */

export interface BrokerRecord {
  readonly pgid: number;
  readonly ownerPid: number;
  readonly dataDir: string;
  readonly startedAt: string;
}

/** True when a process with this pid exists (signal 0 checks without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: unknown) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pids of the processes whose process group is `pgid` (Linux /proc). */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return members;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command name: state ppid pgrp ...
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[2]) === pgid) members.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return members;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** True when some member of the group is one of ours (the watchdog or the Kafka JVM). */
export function isBrokerGroup(pgid: number): boolean {
  return groupMembers(pgid).some((pid) => {
    const cmd = commandLine(pid);
    return cmd.includes('kafka.Kafka') || cmd.includes('kafka/watchdog.sh');
  });
}

/** Sends `signal` to every process of the group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True while any process of the group is alive (zombies count as gone). */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  return groupMembers(pgid).some((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
    } catch {
      return false;
    }
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM to the group, SIGKILL after `graceMs` if anything is left; resolves when all are gone. */
export async function terminateGroup(pgid: number, graceMs: number): Promise<'exited' | 'killed'> {
  if (!signalGroup(pgid, 'SIGTERM')) return 'exited';
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return 'exited';
    await sleep(100);
  }
  signalGroup(pgid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (groupAlive(pgid) && Date.now() < killDeadline) await sleep(50);
  return 'killed';
}

export function runRegistryDir(cacheRoot: string): string {
  return path.join(cacheRoot, 'run');
}

export function recordBroker(cacheRoot: string, record: BrokerRecord): string {
  const dir = runRegistryDir(cacheRoot);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${record.pgid}.json`);
  writeFileSync(file, `${JSON.stringify(record)}\n`);
  return file;
}

/**
 * Kills brokers left behind by runs whose Node process is gone, and removes their data folders.
 * Brokers owned by a live process (another test run on the same machine) are left alone.
 * Returns the process groups it killed.
 */
export function reapStaleBrokers(cacheRoot: string): number[] {
  const dir = runRegistryDir(cacheRoot);
  if (!existsSync(dir)) return [];
  const killed: number[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    const file = path.join(dir, name);
    let record: BrokerRecord;
    try {
      record = JSON.parse(readFileSync(file, 'utf8')) as BrokerRecord;
    } catch {
      rmSync(file, { force: true });
      continue;
    }
    if (record.ownerPid !== process.pid && isAlive(record.ownerPid)) continue;
    if (isBrokerGroup(record.pgid)) {
      signalGroup(record.pgid, 'SIGKILL');
      killed.push(record.pgid);
    }
    if (typeof record.dataDir === 'string' && record.dataDir.includes('poisonlink-kafka-')) {
      rmSync(record.dataDir, { recursive: true, force: true });
    }
    rmSync(file, { force: true });
  }
  return killed;
}
