import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

// CPU time and peak memory of processes, read from /proc: what the fleet benchmark reports per part.

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

export interface ProcessSample {
  cpuSeconds: number;
  /** Peak resident set (VmHWM), in MB. */
  peakRssMb: number;
}

export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpuSeconds, peakRssMb: hwm ? Number(hwm[1]) / 1024 : 0 };
  } catch {
    return undefined; // the process has exited
  }
}

export function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** Pids of every process whose command name is `name` (for PostgreSQL's backends). */
export function pidsNamed(name: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Busy and total jiffies of the whole machine, from /proc/stat. */
export function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return { busy: total - idle, total };
}

/**
 * Follows a group of processes (one part of the system: the workers, the Temporal server, ...)
 * over a run. Each pid's last sample is kept, so a process killed mid-run still counts the CPU it
 * used up to the last sample before its death.
 */
export class PartMeter {
  private readonly last = new Map<number, ProcessSample>();
  private readonly baseline = new Map<number, number>();

  constructor(private readonly pids: () => number[]) {}

  /** CPU already spent before the run (for processes that were running before it started) is not counted. */
  startBaseline(): void {
    for (const pid of this.pids()) {
      const sample = sampleProcess(pid);
      if (sample) this.baseline.set(pid, sample.cpuSeconds);
    }
  }

  sample(): void {
    for (const pid of this.pids()) {
      const sample = sampleProcess(pid);
      if (sample) this.last.set(pid, sample);
    }
  }

  cpuSeconds(): number {
    let total = 0;
    for (const [pid, sample] of this.last) total += sample.cpuSeconds - (this.baseline.get(pid) ?? 0);
    return total;
  }

  peakRssMb(): number {
    return Math.max(0, ...[...this.last.values()].map((s) => s.peakRssMb));
  }
}
