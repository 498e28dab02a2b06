import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What each metric counts, for its HELP line. A metric missing here is described by its name. */
const HELP: Record<string, string> = {
  aftercare_inbound_total: 'Platform deliveries stored in the inbox, by platform and kind',
  aftercare_inbound_duplicates_total: 'Platform deliveries seen before and ignored, by platform',
  aftercare_inbound_rejected_total: 'Platform deliveries refused (signature, token, body), by platform and status',
  aftercare_slack_requests_total: 'Slack requests handed to the inbound pipeline, by kind',
  aftercare_command_errors_total: 'Commands answered with an error, by code (unexpected: with a correlation id)',
  aftercare_command_duration_seconds: 'Time to run a command, from the queue to its reply, by kind',
  aftercare_outbox_enqueued_total: 'Pushes queued, by platform',
  aftercare_outbox_sent_total: 'Pushes sent, by platform',
  aftercare_outbox_retries_total: 'Push attempts that will be retried (429, 5xx, timeouts), by platform',
  aftercare_outbox_dead_total: 'Pushes given up on (dead letters), by platform',
  aftercare_outbox_pending: 'Pushes waiting in the outbox',
  aftercare_outbox_backlog: 'Pushes waiting in the outbox, by platform',
  aftercare_outbox_dead_letters: 'Pushes given up on (dead letters) since the store was created, by platform',
  aftercare_alerts_open: 'Open alerts, by state (firing, acknowledged)',
  aftercare_hook_requests_total: 'Hook calls, by hook and HTTP status (401s included)',
  aftercare_alerts_total: 'Alert changes, by change (fired, acknowledged, resolved, escalated…)',
  aftercare_sla_breaches_total: 'Response targets missed, by subject (ticket or alert) and stage (renotified, escalated)',
};

/**
 * The process's Prometheus metrics, on prom-client: counters created on first use (label names
 * sorted, so a series reads the same whatever order the labels were given in), histograms for
 * durations, gauges read at scrape time, and Node's default process metrics.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client names three gauges `_total`, which `promtool check metrics` refuses (only counters
  // end in _total); each is the sum of its per-type gauge (`nodejs_active_handles{type}` …), kept.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  const counters = new Map<string, Counter>();
  const histograms = new Map<string, Histogram>();
  const help = (name: string) => HELP[name] ?? name.replaceAll('_', ' ');

  return {
    /** Adds `by` (default 1) to the counter `name` with `labels`. */
    inc(name: string, labels: Record<string, string> = {}, by = 1) {
      let counter = counters.get(name);
      if (!counter) {
        counter = new Counter({ name, help: help(name), labelNames: Object.keys(labels).sort(), registers: [registry] });
        counters.set(name, counter);
      }
      counter.inc(sorted(labels), by);
    },
    /** Records one observation (seconds) of the histogram `name`. */
    observe(name: string, labels: Record<string, string>, seconds: number) {
      let histogram = histograms.get(name);
      if (!histogram) {
        histogram = new Histogram({ name, help: help(name), labelNames: Object.keys(labels).sort(), registers: [registry], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        histograms.set(name, histogram);
      }
      histogram.observe(sorted(labels), seconds);
    },
    /** A gauge whose value is read when Prometheus scrapes. */
    gauge(name: string, read: () => Promise<number> | number) {
      new Gauge({
        name,
        help: help(name),
        registers: [registry],
        async collect() {
          this.set(await read());
        },
      });
    },
    /** A gauge with one label, one series per key of what `read` returns, read when Prometheus scrapes. */
    gaugeBy(name: string, label: string, read: () => Promise<Record<string, number>>) {
      new Gauge({
        name,
        help: help(name),
        labelNames: [label],
        registers: [registry],
        async collect() {
          const values = await read();
          this.reset();
          for (const [value, n] of Object.entries(values)) this.set({ [label]: value }, n);
        },
      });
    },
    /** The exposition text and its content type. */
    async render(): Promise<{ text: string; contentType: string }> {
      return { text: await registry.metrics(), contentType: registry.contentType };
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

/** Labels in name order: prom-client prints them in the order given. */
function sorted(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}
