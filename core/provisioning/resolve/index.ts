/**
 * Dependency resolution of apps: from the manifest of the app asked for, the
 * roles it requires are mapped to apps that provide them (already installed
 * ones first, then the App Store's catalogue), recursively, with semver ranges
 * on the roles' interface versions. The result is a plan in dependency order
 * (providers before the apps that need them) and the problems that make it
 * impossible: missing roles, version conflicts, cycles — each named with the
 * chain of requirements that led to it, so a person can see why.
 *
 * Pure: no I/O, no bus; the AppManager feeds it the catalogue and its record
 * of installed apps.
 */
import { createRequire } from 'node:module';
import type * as SemverTypes from 'semver';

// semver is CommonJS: required, not imported (see core/bus/zeromq.ts).
const semver = createRequire(import.meta.url)('semver') as typeof SemverTypes;

/** What resolution needs of a manifest. */
export interface Candidate {
  readonly name: string;
  readonly version: string;
  readonly provides: readonly { readonly role: string; readonly version: string }[];
  readonly requires: readonly { readonly role: string; readonly range: string }[];
}

/** An installed app: its current version, and whether it runs. */
export interface InstalledCandidate extends Candidate {
  readonly running: boolean;
}

export type PlanAction = 'install' | 'upgrade' | 'start' | 'keep';

export interface PlannedStep {
  readonly action: PlanAction;
  readonly name: string;
  readonly version: string;
  /** Why this step is there, e.g. "provides role storage 1.2.0 (^1.0.0) required by grm". */
  readonly reason: string;
}

export interface Resolution {
  /** Providers first; the app asked for last. */
  readonly steps: readonly PlannedStep[];
  /** Not empty: the plan cannot be carried out. */
  readonly problems: readonly string[];
}

export interface ResolveRequest {
  readonly name: string;
  /** Semver range of the app's version; empty or undefined: the newest. */
  readonly range?: string;
  /** The apps would be started after installation (stopped installed providers get a "start" step). */
  readonly start?: boolean;
}

/** Throws nothing: every problem ends up in `problems`. */
export function resolve(request: ResolveRequest, catalogue: readonly Candidate[], installed: readonly InstalledCandidate[]): Resolution {
  return new Resolver(catalogue, installed, request.start ?? true).run(request);
}

/** Whether `version` satisfies `range` (an empty range: any). */
export function satisfies(version: string, range: string | undefined): boolean {
  if (!range) return semver.valid(version) !== null;
  return semver.satisfies(version, range, { includePrerelease: false });
}

/** Checks a range as a request may carry it; returns the problem, or undefined. */
export function rangeProblem(range: string | undefined): string | undefined {
  if (!range) return undefined;
  return semver.validRange(range) === null ? `"${range}" is not a semver range` : undefined;
}

/** Newest first. */
export function byNewest(a: { version: string }, b: { version: string }): number {
  return semver.rcompare(a.version, b.version);
}

interface Choice {
  readonly candidate: Candidate;
  readonly action: PlanAction;
  /** The requirement chain that chose it, for messages: ["grm", "storage"]. */
  readonly chain: readonly string[];
  reason: string;
}

class Resolver {
  private readonly chosen = new Map<string, Choice>();
  private readonly order: Choice[] = [];
  private readonly problems: string[] = [];
  /** Apps on the current path of the depth-first walk (cycle detection). */
  private readonly stack: Choice[] = [];
  private readonly installedByName: Map<string, InstalledCandidate>;

  constructor(
    private readonly catalogue: readonly Candidate[],
    private readonly installed: readonly InstalledCandidate[],
    private readonly start: boolean,
  ) {
    this.installedByName = new Map(installed.map((app) => [app.name, app]));
  }

  run(request: ResolveRequest): Resolution {
    const problem = rangeProblem(request.range);
    if (problem) return { steps: [], problems: [`${request.name}: ${problem}`] };
    const current = this.installedByName.get(request.name);
    if (current && satisfies(current.version, request.range)) {
      this.visit(this.choiceForInstalled(current, [request.name], `asked for (installed ${current.version})`));
    } else {
      const offered = this.catalogue.filter((c) => c.name === request.name && satisfies(c.version, request.range)).sort(byNewest);
      const newest = offered[0];
      if (!newest) {
        const known = this.catalogue.filter((c) => c.name === request.name).map((c) => c.version);
        this.problems.push(
          known.length === 0
            ? `app "${request.name}" is not in the catalogue`
            : `app "${request.name}": no version satisfies "${request.range}" (the catalogue has ${known.sort().join(', ')})`,
        );
      } else {
        this.visit({ candidate: newest, action: current ? 'upgrade' : 'install', chain: [request.name], reason: current ? `asked for (installed ${current.version})` : 'asked for' });
      }
    }
    return { steps: this.order.map((c) => ({ action: c.action, name: c.candidate.name, version: c.candidate.version, reason: c.reason })), problems: this.problems };
  }

  private choiceForInstalled(app: InstalledCandidate, chain: readonly string[], reason: string): Choice {
    return { candidate: app, action: app.running || !this.start ? 'keep' : 'start', chain, reason };
  }

  /** Depth first: the providers of each required role are visited (and ordered) before the app itself. */
  private visit(choice: Choice): void {
    const name = choice.candidate.name;
    const earlier = this.chosen.get(name) ?? this.stack.find((c) => c.candidate.name === name);
    if (earlier) {
      if (earlier.candidate.version !== choice.candidate.version) {
        this.problems.push(
          `conflict: ${name} ${earlier.candidate.version} (via ${earlier.chain.join(' → ')}) and ${name} ${choice.candidate.version} (via ${choice.chain.join(' → ')})`,
        );
      }
      return;
    }
    this.stack.push(choice);
    for (const required of choice.candidate.requires) {
      const problem = rangeProblem(required.range);
      if (problem) {
        this.problems.push(`${name} ${choice.candidate.version} requires role ${required.role} with ${problem}`);
        continue;
      }
      const provider = this.provider(required.role, required.range, choice);
      if (provider) this.visit(provider);
    }
    this.stack.pop();
    this.chosen.set(name, choice);
    this.order.push(choice);
  }

  /**
   * Who provides `role` within `range` for `by`: an app on the current path
   * (a cycle: reported), one chosen already (nothing to add), an installed
   * one, else the newest fitting one in the catalogue.
   */
  private provider(role: string, range: string, by: Choice): Choice | undefined {
    const requiredBy = by.candidate.name;
    const offers = (c: Candidate): string | undefined => c.provides.find((p) => p.role === role && satisfies(p.version, range))?.version;
    const why = (c: Candidate): string => `provides role ${role} ${offers(c) ?? '?'} (${range}) required by ${requiredBy}`;
    if (offers(by.candidate) !== undefined) return undefined; // provides it to itself
    const onStack = this.stack.findIndex((c) => offers(c.candidate) !== undefined);
    if (onStack >= 0) {
      const cycle = this.stack.slice(onStack).map((c) => c.candidate.name);
      this.problems.push(`dependency cycle: ${[...cycle, cycle[0]].join(' → ')} (role ${role} ${range})`);
      return undefined;
    }
    for (const choice of this.chosen.values()) if (offers(choice.candidate) !== undefined) return undefined;
    const installed = this.installed.find((app) => offers(app) !== undefined);
    if (installed) return this.choiceForInstalled(installed, [...by.chain, installed.name], why(installed));
    const best = this.catalogue.filter((c) => offers(c) !== undefined).sort(byNewest)[0];
    if (best) {
      const current = this.installedByName.get(best.name);
      return {
        candidate: best,
        action: current ? 'upgrade' : 'install',
        chain: [...by.chain, best.name],
        reason: current ? `${why(best)}; installed ${current.version} does not` : why(best),
      };
    }
    const near = [...this.installed, ...this.catalogue].filter((c) => c.provides.some((p) => p.role === role));
    const versions = near.map((c) => `${c.name} ${c.version} provides ${c.provides.find((p) => p.role === role)?.version}`);
    this.problems.push(
      `missing role ${role} ${range} required by ${by.chain.join(' → ')}` + (versions.length > 0 ? ` (none fits: ${versions.join('; ')})` : ' (nothing provides it)'),
    );
    return undefined;
  }
}
