// FieldCommand from the bus -> the link holding that command point -> the RTU. The reply carries
// the steps of the exchange; every failure is a FieldErrorReply whose code says what to do next:
// NotFound (no such command point), InvalidArgument (the value does not fit the command type),
// Unavailable (the link is down or the RTU did not answer in time), Refused (the RTU said no).

import { ReplyError } from '../../core/actor/index.js';
import type { Logger } from '../../core/log/logger.js';
import { FieldErrorReply, type FieldCommand, type FieldCommandReply, type FieldErrorCode } from '../../schemas/generated/messages.js';
import { LinkUnavailableError, type FieldLink } from './field-link.js';
import type { CommandSetting } from './settings.js';

export function fieldError(code: FieldErrorCode, message: string): ReplyError<FieldErrorReply> {
  return new ReplyError(FieldErrorReply, { code, message }, `${code}: ${message}`);
}

/** Largest magnitude of an IEEE single, the set point's wire format. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** Why `value` cannot be sent as this command, or undefined when it can. */
export function commandValueProblem(type: CommandSetting['type'], value: number): string | undefined {
  if (type === 'C_SC_NA_1') return value === 0 || value === 1 ? undefined : `a single command (C_SC_NA_1) takes 0 (off) or 1 (on), not ${value}`;
  if (type === 'C_DC_NA_1') return value === 1 || value === 2 ? undefined : `a double command (C_DC_NA_1) takes 1 (off) or 2 (on), not ${value}`;
  return Number.isFinite(value) && Math.abs(value) <= FLOAT32_MAX ? undefined : `a set point (C_SE_NC_1) takes a finite single-precision float, not ${value}`;
}

export class CommandRouter {
  constructor(
    private readonly links: readonly FieldLink[],
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {}

  async route(request: FieldCommand): Promise<FieldCommandReply> {
    const dataPoint = request.dataPoint;
    const link = this.links.find((l) => l.setting.commands.some((c) => c.dataPoint === dataPoint));
    const command = link?.setting.commands.find((c) => c.dataPoint === dataPoint);
    if (!link || !command) {
      const measured = this.links.find((l) => l.setting.points.some((p) => p.dataPoint === dataPoint));
      const known = this.links.flatMap((l) => l.setting.commands.map((c) => c.dataPoint));
      const message = measured
        ? `${dataPoint} is a measured point of link ${measured.name}, not a command point`
        : `no command point named ${JSON.stringify(dataPoint)}${known.length > 0 ? ` (command points: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', ...' : ''})` : ' (this gateway has no command points)'}`;
      throw fieldError('NotFound', message);
    }
    const problem = commandValueProblem(command.type, request.value);
    if (problem !== undefined) throw fieldError('InvalidArgument', `${dataPoint}: ${problem}`);
    const selectBeforeOperate = command.selectBeforeOperate || request.selectBeforeOperate;
    const what = `${command.type} IOA ${command.ioa} (common address ${command.commonAddress}) on link ${link.name}`;
    const origin = request.origin ?? '';
    let result;
    try {
      result = await link.command(command, request.value, selectBeforeOperate, this.timeoutMs);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.warn('command not delivered', { dataPoint, value: request.value, origin, command: what, error: message });
      throw fieldError('Unavailable', error instanceof LinkUnavailableError ? `${dataPoint}: ${message}` : `${dataPoint}: ${what}: ${message}`);
    }
    const steps = result.steps.join(', ');
    if (!result.confirmed) {
      this.log.warn('command refused by the RTU', { dataPoint, value: request.value, origin, command: what, steps });
      throw fieldError('Refused', `${dataPoint}: the RTU refused ${what}${selectBeforeOperate ? ' (select before operate)' : ''}: ${steps}`);
    }
    this.log.info('command confirmed', { dataPoint, value: request.value, origin, command: what, selectBeforeOperate, steps });
    return { dataPoint, confirmed: true, message: steps };
  }
}
