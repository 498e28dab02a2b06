import { spawn, type ChildProcess } from 'node:child_process';

/** The p-th percentile (0–100) of an ascending list; NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Starts `script --serve <target> --api <apiUrl>` in its own process (so the server under test and
 * the load generator don't share an event loop) and resolves with the URL it prints as `{"url": …}`.
 */
export function startServeChild(script: string, target: string, apiUrl = ''): Promise<{ url: string; child: ChildProcess }> {
  // BENCH_NODE_ARGS adds node flags to the aftercare child, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extra = target === 'aftercare' ? (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean) : [];
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', script, '--serve', target, '--api', apiUrl], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => l.startsWith('{"url"'));
      if (line) resolve({ url: (JSON.parse(line) as { url: string }).url, child });
    });
    child.on('exit', (code) => reject(new Error(`${target} exited with ${code}`)));
  });
}
