import { effectKey } from '../../core/effects.js';
import { keys } from '../../core/keys.js';
import type { Write } from '../../core/store.js';
import type { AuditLog } from '../audit/service.js';
import { withLock, type ServiceDeps } from '../deps.js';

export interface FaqEntry {
  id: string;
  question: string;
  answer: string;
  by: string;
  at: number;
}

const STOP = new Set(['the', 'and', 'for', 'with', 'not', 'does', 'how', 'what', 'why', 'can', 'you', 'are', 'was', 'when', 'this', 'that', 'from', 'have', 'has', 'but']);

/** Search terms: latin words of 3+ letters (a crude stem drops a plural s) and CJK character pairs. */
export function terms(text: string): string[] {
  const out = new Set<string>();
  const lower = text.toLowerCase();
  for (const w of lower.match(/[a-z0-9]{3,}/g) ?? []) {
    if (STOP.has(w)) continue;
    out.add(w.length > 4 && w.endsWith('s') ? w.slice(0, -1) : w);
  }
  for (const run of lower.match(/[\u4e00-\u9fff]+/g) ?? []) {
    if (run.length === 1) out.add(run);
    for (let i = 0; i + 1 < run.length; i++) out.add(run.slice(i, i + 2));
  }
  return [...out];
}

/** Entries kept per term: the newest, enough for a knowledge base of this size. */
const MAX_POSTINGS = 500;

/** The knowledge base: entries indexed by term on write, searched by reading only matching postings. */
export function createFaq(deps: ServiceDeps, audit: AuditLog) {
  const { store, now } = deps;
  return {
    async add(by: string, question: string, answer: string): Promise<FaqEntry> {
      const effect = effectKey('faq');
      const id = `FAQ-${await store.nextId(keys.seq('FAQ'), effect)}`;
      const entry: FaqEntry = { id, question, answer, by, at: now() };
      const words = terms(`${question} ${answer}`);
      // Posting lists are read, extended and written back: one writer at a time.
      await withLock(store, 'faq', async () => {
        const lists = await store.getMany<string[]>(words.map((w) => keys.faqPostings(w)));
        const postings: Write[] = words.map((w, i) => ({ op: 'set', key: keys.faqPostings(w), value: [...(lists[i] ?? []).filter((x) => x !== id), id].slice(-MAX_POSTINGS) }));
        await store.batch([{ op: 'set', key: keys.faq(id), value: entry }, ...postings, ...audit.entry(by, 'faq.added', id, undefined, { question })], { once: effect && keys.effectStep(effect, 'add') });
      });
      return entry;
    },
    /** Best matches first: entries sharing the most terms with the question. */
    async search(question: string, limit = 3): Promise<FaqEntry[]> {
      const wanted = terms(question);
      if (wanted.length === 0) return [];
      const scores = new Map<string, number>();
      const lists = await store.getMany<string[]>(wanted.slice(0, 20).map((w) => keys.faqPostings(w)));
      for (const ids of lists) for (const id of ids ?? []) scores.set(id, (scores.get(id) ?? 0) + 1);
      const needed = wanted.length >= 3 ? 2 : 1;
      const best = [...scores].filter(([, s]) => s >= needed).sort((a, b) => b[1] - a[1]).slice(0, limit);
      if (best.length === 0) return [];
      return (await store.getMany<FaqEntry>(best.map(([id]) => keys.faq(id)))).filter((e): e is FaqEntry => e !== undefined);
    },
  };
}
export type Faq = ReturnType<typeof createFaq>;
