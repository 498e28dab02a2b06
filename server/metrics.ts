/** Prometheus counters and gauges, kept in memory and printed in the text exposition format. */
export function createMetrics() {
  const values = new Map<string, { name: string; labels: Record<string, string>; value: number }>();
  const gauges = new Map<string, () => Promise<number> | number>();
  const id = (name: string, labels: Record<string, string>) => `${name}{${Object.entries(labels).sort().map(([k, v]) => `${k}="${v}"`).join(',')}}`;
  return {
    inc(name: string, labels: Record<string, string> = {}, by = 1) {
      const key = id(name, labels);
      const entry = values.get(key) ?? { name, labels, value: 0 };
      entry.value += by;
      values.set(key, entry);
    },
    gauge(name: string, read: () => Promise<number> | number) {
      gauges.set(name, read);
    },
    async render(): Promise<string> {
      const lines: string[] = [];
      const seen = new Set<string>();
      for (const [key, e] of [...values].sort()) {
        if (!seen.has(e.name)) {
          lines.push(`# TYPE ${e.name} counter`);
          seen.add(e.name);
        }
        lines.push(`${key.replace('{}', '')} ${e.value}`);
      }
      for (const [name, read] of gauges) {
        lines.push(`# TYPE ${name} gauge`, `${name} ${await read()}`);
      }
      lines.push('# TYPE process_resident_memory_bytes gauge', `process_resident_memory_bytes ${process.memoryUsage().rss}`);
      return lines.join('\n') + '\n';
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
