// The scenario document, format version 1, as TypeScript types (scenario.schema.json is the
// authority for what a file may contain; these types mirror it).

export type Duration = number | string;
export type ConfigMap = Record<string, string | number | boolean | null>;
export type Matcher = string | number | { min?: number; max?: number; not?: string | number; changedSince?: number };

export interface NodeEntry {
  replicaof?: string;
  config?: ConfigMap;
  startAfterMs?: number;
}

interface Base {
  comment?: string;
}

export type Step = Base &
  (
    | { op: 'write'; node: string; count?: number; prefix?: string; valueSize?: number; intervalMs?: number; db?: number }
    | { op: 'command'; node: string; args: (string | number)[]; expectError?: string; mayFail?: boolean }
    | { op: 'sleep'; ms: number }
    | { op: 'wait-sync'; timeoutMs?: number }
    | ({ op: 'run-until'; node: string; timeoutMs?: number } & Record<string, unknown>)
    | { op: 'replicaof'; node: string; primary: string | null; expectError?: string; mayFail?: boolean }
    | { op: 'failover'; node: string; to?: string; timeoutMs?: number; force?: boolean; expectError?: string; mayFail?: boolean }
    | { op: 'orchestrated-failover' }
    | { op: 'kill-link'; node: string }
    | { op: 'kill-replicas'; node: string }
    | { op: 'partition'; groups: string[][] }
    | { op: 'partition-oneway'; from: string; to: string }
    | { op: 'isolate'; node: string }
    | { op: 'heal' }
    | { op: 'network'; latency?: Duration; jitter?: Duration; loss?: number; bandwidth?: number | string; between?: [string, string]; oneway?: boolean }
    | { op: 'pause'; node: string; ms: number }
    | { op: 'crash'; node: string }
    | { op: 'shutdown'; node: string; save?: boolean }
    | { op: 'restart'; node: string; replicaof?: string | null; wipe?: boolean }
    | ({ op: 'expect'; node: string } & Record<string, unknown>)
    | { op: 'expect-equal'; nodes: string[]; fields: string[] }
    | { op: 'faults' }
    | { op: 'settle'; timeoutMs?: number }
  );

export interface FaultFamily {
  everyMs: number;
  durationMs?: number;
  downMs?: number;
  loss?: number;
  save?: boolean;
}

export type FaultFamilyName = 'link-kill' | 'replica-kill' | 'partition' | 'loss-burst' | 'crash' | 'restart' | 'promotion' | 'orchestrated-failover';

export interface Workload {
  writesPerSec?: number;
  /** Write in bursts of burstMs separated by idleMs of silence (default: continuously). */
  burstMs?: number;
  idleMs?: number;
  keys?: number;
  /** Spread writes over databases 0..dbs-1 (default 1). */
  dbs?: number;
  valueSize?: number;
  commands?: ('SET' | 'INCR' | 'APPEND' | 'RPUSH' | 'DEL' | 'EXPIRE' | 'MULTI')[];
}

export interface Scenario {
  $schema?: string;
  version?: 1;
  name: string;
  description?: string;
  seed?: number | string;
  config?: ConfigMap;
  network?: { latency?: Duration; jitter?: Duration; loss?: number; bandwidth?: number | string };
  nodes: Record<string, NodeEntry>;
  steps?: Step[];
  workload?: Workload;
  faults?: { phaseMs: number; settleMs?: number; families: Partial<Record<FaultFamilyName, FaultFamily>> };
  monitor?: { 'down-after-ms': number };
  properties?: Record<string, boolean>;
}
