// The file BEMS-AA stores with PutTopology after each valid run: JSON, one object, described in
// ./README.md ("The stored file"). Scores that are NaN (no score) are written as null.

import type { AssignmentReply, TopologyVerdict } from '../../schemas/generated/messages.js';

export interface StoredAssignment {
  readonly format: 'gridlink.bems-aa.assignment/1';
  readonly runId: string;
  readonly method: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
  readonly grmVersion: number;
  readonly verdict: { readonly consistent: boolean; readonly explanation: string; readonly slots: number; readonly switches: number } | null;
  readonly finishedMs: number;
  readonly buildings: readonly {
    readonly building: string;
    readonly dataPoint: string | null;
    readonly monitoringPoint: string | null;
    readonly score: number | null;
    readonly runnerUp: string | null;
    readonly runnerUpScore: number | null;
    readonly assigned: boolean;
  }[];
}

const finite = (value: number): number | null => (Number.isFinite(value) ? value : null);

export function storedAssignment(reply: AssignmentReply, grmVersion: number, verdict: TopologyVerdict | undefined): StoredAssignment {
  return {
    format: 'gridlink.bems-aa.assignment/1',
    runId: reply.runId ?? '',
    method: reply.method ?? '',
    fromMs: reply.fromMs,
    toMs: reply.toMs,
    stepMs: reply.stepMs,
    grmVersion,
    verdict:
      verdict === undefined
        ? null
        : { consistent: verdict.consistent, explanation: verdict.explanation ?? '', slots: verdict.slots, switches: (verdict.switches ?? []).length },
    finishedMs: reply.finishedMs,
    buildings: (reply.assignments ?? []).map((a) => ({
      building: a.building,
      dataPoint: a.dataPoint ?? null,
      monitoringPoint: a.monitoringPoint ?? null,
      score: finite(a.score),
      runnerUp: a.runnerUp ?? null,
      runnerUpScore: finite(a.runnerUpScore),
      assigned: a.assigned,
    })),
  };
}
