// The alarm engine without the bus: rules, the alarm book, flood protection, the raw event log.
export * from './api.js';
export { RuleEngine, RuleError, parseRules, defaultGroup, ruleKey, QUALITY_INVALID } from './rules.js';
export { AlarmBook, AlarmRequestError, groupOf, worseSeverity, severityRank, type AlarmBookOptions, type AlarmBookSnapshot } from './alarm-book.js';
export { FloodGuard, floodDefaults, floodSettings } from './flood-guard.js';
export { EventLog, encodeRecord, eventLogFileName, type EventLogOptions, type EventLogProblem } from './event-log.js';
export { notificationTexts, ruleMessages, formatValue, formatDuration, fillTemplate } from './notification-text.js';
