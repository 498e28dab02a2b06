import type { AdapterCapabilities } from './ports.js';

/**
 * What each platform's adapter declared it can do, for the few platform differences the domain
 * must honour (which languages a message carries, how a person is shown). The outbox records an
 * adapter's capabilities when the adapter is registered; the domain asks by platform name, never
 * naming one itself. A platform nobody registered can do none of the optional things.
 */
const declared = new Map<string, AdapterCapabilities>();

/** Records what `platform`'s adapter can do (called when the adapter is registered). */
export function declareCapabilities(platform: string, capabilities: AdapterCapabilities): void {
  declared.set(platform, capabilities);
}

/** Whether `platform` declared the optional capability `name`. */
export function can(platform: string, name: 'perReaderLanguage' | 'mentionsShowNames'): boolean {
  return declared.get(platform)?.[name] === true;
}
