/** Topic frames of the raw zeromq.js publish run; the subscriber subscribes to the common prefix. */
export const TOPIC_PREFIX = Buffer.from('bench.pub');
/** Counted messages. */
export const DATA_TOPIC = Buffer.from('bench.pub');
/** Probes sent before the run so that the subscription is known to be in place. */
export const SYNC_TOPIC = Buffer.from('bench.pub.sync');
/** Markers sent after the run. */
export const END_TOPIC = Buffer.from('bench.pub.end');
