// Installation plans handed to callers (PlanInstall) and carried out later by id (InstallApp with
// plan_id), exactly as shown: the versions and the packages' digests are pinned in the plan.

import { randomUUID } from 'node:crypto';
import type { PlannedStep } from '../../core/provisioning/resolve/index.js';

export interface StoredPlan {
  readonly id: string;
  /** The app asked for. */
  readonly name: string;
  readonly steps: readonly PlannedStep[];
  /** SHA-256 of each package to install, by "name@version", as the catalogue listed it when planning. */
  readonly digests: ReadonlyMap<string, string>;
  readonly createdMs: number;
}

/** Plans expire: a confirmation an hour later should look at the catalogue again. */
const PLAN_TTL_MS = 60 * 60 * 1000;
const MAX_PLANS = 200;

export class PlanBook {
  private readonly plans = new Map<string, StoredPlan>();

  add(name: string, steps: readonly PlannedStep[], digests: ReadonlyMap<string, string>): StoredPlan {
    this.expire();
    while (this.plans.size >= MAX_PLANS) this.plans.delete(this.plans.keys().next().value!);
    const plan: StoredPlan = { id: randomUUID(), name, steps, digests, createdMs: Date.now() };
    this.plans.set(plan.id, plan);
    return plan;
  }

  get(id: string): StoredPlan | undefined {
    this.expire();
    return this.plans.get(id);
  }

  /** A plan is carried out once. */
  take(id: string): StoredPlan | undefined {
    const plan = this.get(id);
    this.plans.delete(id);
    return plan;
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, plan] of this.plans) if (now - plan.createdMs > PLAN_TTL_MS) this.plans.delete(id);
  }
}

export const stepKey = (name: string, version: string): string => `${name}@${version}`;
