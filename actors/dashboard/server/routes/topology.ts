// The feeder for the topology page: GRM's topology (GetGridTopology), SSD's last verdict on its
// switches, and BEMS-AA's last building assignment (GetAssignment). A module that is absent or
// fails leaves its part empty and is named in `problems`; the page still shows the rest.
//
// The verdict: GRM publishes GridVerified on `grm/events` after every verification (BEMS-AA's
// runs ask for one), but the event names only the inconsistent switches. So the dashboard keeps
// the last one it saw and, when asked for the topology, asks GRM once for the same span
// (GetVerifiedGrid, same data, same verdict) to get every switch's verdict with its confidence,
// and caches that reply until a verification of another span or topology version is announced.
// Its own request is announced too, with the same span and version, so it is not asked again.
// `?verifyFrom=&verifyTo=` asks for a verification of that span now.

import { BusError, RecipientFailureError } from '../../../../core/bus/index.js';
import {
  GetAssignment,
  GetGridTopology,
  GetVerifiedGrid,
  GridErrorReply,
  GridVerified,
  type AssignmentReply,
  type GridTopologyReply,
  type VerifiedGridReply,
} from '../../../../schemas/generated/messages.js';
import type { TopologyView } from '../../api.js';
import { ApiFailure } from '../api-failure.js';
import type { RouteContext } from '../context.js';
import type { ApiRequest, Router } from '../router.js';

export const GRM_ROLE = 'grm';
export const SSD_ROLE = 'ssd';
export const BEMS_AA_ROLE = 'bems-aa';
export const GRM_EVENTS_TOPIC = 'grm/events';
/** A verification reads a span of profiles and waits for SSD (GRM's ssdTimeoutMs is 10 s by default). */
const VERIFY_TIMEOUT_MS = 20_000;

interface Announced {
  event: GridVerified;
  atMs: number;
}

interface Verified {
  key: string;
  reply: VerifiedGridReply;
  atMs: number;
}

const spanKey = (version: number, fromMs: number, toMs: number): string => `${version}:${fromMs}:${toMs}`;

export function registerTopologyRoutes(router: Router, ctx: RouteContext): void {
  let announced: Announced | undefined;
  let verified: Verified | undefined;
  ctx.bus.subscribe(GRM_EVENTS_TOPIC, GridVerified, (event) => {
    announced = { event, atMs: Date.now() };
  });

  const verify = async (fromMs: number, toMs: number): Promise<void> => {
    const reply = await ctx.bus.request(GRM_ROLE, GetVerifiedGrid, { fromMs, toMs, stepMs: 0, maxInterpolateMs: -1 }, GetVerifiedGrid.reply, Math.max(VERIFY_TIMEOUT_MS, ctx.settings.timeouts.queryMs));
    verified = { key: spanKey(reply.version, fromMs, toMs), reply, atMs: Date.now() };
  };

  router.add('GET', '/api/topology', {
    permission: 'view',
    handler: async (request) => {
      const problems: string[] = [];
      const explicit = verifySpan(request);
      const [topology, assignment] = await Promise.all([
        ctx.bus.request(GRM_ROLE, GetGridTopology, { summaryOnly: false }, GetGridTopology.reply, ctx.settings.timeouts.queryMs).catch((error: unknown) => {
          problems.push(`topology: ${describe(error, 'GRM (role grm)')}`);
          return undefined;
        }),
        ctx.bus.request(BEMS_AA_ROLE, GetAssignment, {}, GetAssignment.reply, ctx.settings.timeouts.queryMs).catch((error: unknown) => {
          problems.push(`building assignment: ${describe(error, 'BEMS-AA (role bems-aa)')}`);
          return undefined;
        }),
      ]);

      // The verdict: asked for now, or the announced verification's when it is not cached yet.
      const last = announced;
      const wanted = explicit ?? (last && { fromMs: last.event.fromMs, toMs: last.event.toMs, key: spanKey(last.event.version, last.event.fromMs, last.event.toMs) });
      const ssdRuns = ctx.bus.holders(SSD_ROLE).length > 0;
      // Without SSD, GRM would wait its ssdTimeoutMs for nothing: the announcement is all there is.
      if (wanted && (explicit !== undefined || (ssdRuns && verified?.key !== wanted.key))) {
        await verify(wanted.fromMs, wanted.toMs).catch((error: unknown) => problems.push(`switch verification: ${describe(error, 'GRM (role grm)')}`));
      }
      if (!ssdRuns) problems.push('switch verification: SSD (role ssd) is not running');
      const view = topologyView(topology, problems);
      if (verified) {
        addVerdict(view, verified.reply, problems);
        view.verifiedMs = verified.atMs;
      } else if (last) {
        // GRM could not be asked again: what the announcement says (the contradicted switches only).
        addAnnouncement(view, last.event);
        view.verifiedMs = last.atMs;
      } else if (topology) {
        problems.push('switch verification: none yet (GRM announces one with each SCDA run; ?verifyFrom=&verifyTo= asks for one now)');
      }
      if (assignment) addAssignment(view, assignment, problems);
      return { status: 200, json: view };
    },
  });
}

function verifySpan(request: ApiRequest): { fromMs: number; toMs: number; key: string } | undefined {
  const from = request.query.get('verifyFrom');
  const to = request.query.get('verifyTo');
  if (from === null && to === null) return undefined;
  const fromMs = Number(from);
  const toMs = Number(to);
  if (from === null || to === null || !Number.isFinite(fromMs) || !Number.isFinite(toMs) || fromMs >= toMs) {
    throw new ApiFailure(422, 'InvalidArgument', '"verifyFrom" and "verifyTo" must both be ms since the epoch, verifyFrom before verifyTo');
  }
  return { fromMs, toMs, key: `explicit:${fromMs}:${toMs}` };
}

function topologyView(reply: GridTopologyReply | undefined, problems: string[]): TopologyView {
  const view: TopologyView = { source: reply?.source ?? '', version: reply?.version ?? 0, elements: [], monitoringPoints: [], switches: [], assignment: [], problems };
  if (!reply) return view;
  for (const element of reply.elements ?? []) {
    const item: TopologyView['elements'][number] = { id: element.id, name: element.name ?? '', kind: element.kind, depth: element.depth };
    if (element.parent) item.parent = element.parent;
    if (element.kind === 'Switch') item.open = element.open;
    view.elements.push(item);
  }
  for (const point of reply.monitoringPoints ?? []) {
    const item: TopologyView['monitoringPoints'][number] = { id: point.id, element: point.element };
    if (point.dataPoint) item.dataPoint = point.dataPoint;
    view.monitoringPoints.push(item);
  }
  for (const problem of reply.problems ?? []) problems.push(`topology import: ${problem}`);
  return view;
}

function addVerdict(view: TopologyView, reply: VerifiedGridReply, problems: string[]): void {
  if (!reply.valid) problems.push(`switch verification: not valid: ${reply.reason ?? 'no reason given'}`);
  if (view.version !== 0 && reply.version !== view.version) problems.push(`switch verification: made on topology version ${reply.version}; the topology is at version ${view.version} now`);
  for (const verdict of reply.verdict?.switches ?? []) {
    const item: TopologyView['switches'][number] = { id: verdict.switchId, recordedOpen: verdict.recordedOpen, consistent: verdict.consistent, confidence: verdict.confidence };
    if (verdict.observable) item.supportedOpen = verdict.supportedOpen;
    if (verdict.equivalent && verdict.equivalent.length > 0) item.equivalent = verdict.equivalent.join(', ');
    view.switches.push(item);
  }
}

function addAnnouncement(view: TopologyView, event: GridVerified): void {
  const openById = new Map(view.elements.map((e) => [e.id, e.open === true]));
  for (const id of event.inconsistentSwitches ?? []) {
    view.switches.push({ id, recordedOpen: openById.get(id) ?? false, consistent: false, confidence: 0 });
  }
  if (!event.valid) view.problems.push(`switch verification: not valid: ${event.reason ?? 'no reason given'}`);
}

function addAssignment(view: TopologyView, reply: AssignmentReply, problems: string[]): void {
  // The reason is also the run's explanation on success: a problem only when the topology was
  // not verified or the run is stale (BEMS-AA says "stale: ..." after a topology change).
  if (reply.reason && (!reply.validTopology || reply.reason.startsWith('stale'))) problems.push(`building assignment: ${reply.reason}`);
  for (const a of reply.assignments ?? []) {
    if (!a.assigned || !a.monitoringPoint) continue;
    const item: TopologyView['assignment'][number] = { building: a.building, point: a.monitoringPoint, score: a.score };
    if (a.runnerUp) item.runnerUp = a.runnerUp;
    view.assignment.push(item);
  }
  if (reply.finishedMs) view.assignedMs = reply.finishedMs;
}

/** One line for `problems`: the module's own error reply, or what the bus said about it. */
function describe(error: unknown, who: string): string {
  if (error instanceof RecipientFailureError && error.replyType === GridErrorReply.name) {
    try {
      const reply = GridErrorReply.decode(error.replyBody);
      return `${who}: ${reply.code}: ${reply.message}`;
    } catch {
      return `${who} failed: ${error.message}`;
    }
  }
  if (error instanceof BusError) {
    switch (error.code) {
      case 'NoHandlers':
      case 'PeerGone':
      case 'Closed':
        return `${who} is not running`;
      case 'Timeout':
        return `${who} did not answer in time`;
      default:
        return `${who} failed: ${error.message}`;
    }
  }
  return `${who} failed: ${error instanceof Error ? error.message : String(error)}`;
}
