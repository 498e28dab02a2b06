import type { CoreApi, Reply } from '../../src/core/ports.js';
import { conversationKey } from '../../src/core/ports.js';
import type { Actor, ConversationRef, InboundEvent, Locale } from '../../src/core/types.js';

/**
 * An in-memory CoreApi for adapter tests before/without the real core: dedupes by delivery id,
 * records what it accepted, processed and remembered, and answers with `respond(event)`.
 */
export class StubCore implements CoreApi {
  readonly claimed = new Set<string>();
  readonly processed: InboundEvent[] = [];
  readonly remembered = new Map<string, ConversationRef>();
  respond: (event: InboundEvent) => Reply | Promise<Reply> = (event) => ({
    messages: [{ text: `ran ${event.kind === 'command' ? `${event.command} ${event.text}` : event.kind}` }],
    locale: 'en',
  });

  async accept(event: InboundEvent): Promise<boolean> {
    if (this.claimed.has(event.id)) return false;
    this.claimed.add(event.id);
    return true;
  }
  async process(event: InboundEvent): Promise<Reply> {
    this.processed.push(event);
    return this.respond(event);
  }
  async localeFor(actor: Actor): Promise<Locale> {
    return actor.locale?.startsWith('zh') ? 'zh-CN' : 'en';
  }
  async rememberConversation(ref: ConversationRef): Promise<void> {
    this.remembered.set(conversationKey(ref), ref);
  }
  async conversation(key: string): Promise<ConversationRef | undefined> {
    return this.remembered.get(key);
  }
  readonly aliases = new Map<string, string>();
  async rememberAlias(alias: string, user: string): Promise<void> {
    this.aliases.set(alias, user);
  }
  async aliasOf(alias: string): Promise<string | undefined> {
    return this.aliases.get(alias);
  }
}
