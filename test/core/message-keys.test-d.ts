/**
 * Type test, checked by `tsc --noEmit` (tsconfig includes test/; vitest does not run it): message
 * keys carry their placeholders. Each `@ts-expect-error` marks a call that must not compile; if it
 * compiled, tsc would report the directive as unused and fail.
 */
import { AppError } from '../../src/core/errors.js';
import { storedKey, translate, translator, type KeysUnder, type ParamsOf, type PlaceholdersIn } from '../../src/core/i18n.js';

const t = translator('en');

// Placeholders are read out of the English template.
const placeholders: PlaceholdersIn<'{id} filed: {title}'>[] = ['id', 'title'];
// @ts-expect-error `name` is not a placeholder of the template
const notAPlaceholder: PlaceholdersIn<'{id} filed: {title}'> = 'name';

// Every placeholder given: compiles.
t('issue.filed', { id: 'SUP-1', title: 'Login fails' });
translate('zh-CN', 'issue.acked', { id: 'SUP-3' });
// A message without placeholders takes no params.
t('issue.list_empty');

// @ts-expect-error a missing placeholder
t('issue.filed', { id: 'SUP-1' });
// @ts-expect-error a misspelled placeholder
t('issue.filed', { id: 'SUP-1', titel: 'Login fails' });
// @ts-expect-error no params at all for a message that has placeholders
t('issue.filed');
// @ts-expect-error params for a message that has none
t('issue.list_empty', { id: 'SUP-1' });
// @ts-expect-error a key the catalogue does not have
t('issue.fild', { id: 'SUP-1', title: 'Login fails' });

// A key built from a typed union is checked member by member.
declare const status: 'open' | 'acknowledged' | 'resolved';
t(`ticket.status.${status}`);
declare const wrongStatus: 'open' | 'closed';
// @ts-expect-error `ticket.status.closed` is not a key
t(`ticket.status.${wrongStatus}`);

// One of several keys needs the placeholders of all of them.
declare const unsubscribed: boolean;
t(unsubscribed ? 'admin.unsubscribed' : 'admin.not_subscribed', { topic: 'alerts' });

// A key family, and a key named by data (no placeholders, under its prefix).
const reporterKey: KeysUnder<'ticket.reporter'> = 'ticket.reporter.comment';
const reporterParams: ParamsOf<typeof reporterKey> = { who: 'Ann', id: 'SUP-1', text: 'Thanks' };
const metric = storedKey('digest.metric.opened', 'digest.metric');
if (metric) t(metric);
// @ts-expect-error a key from data may not be used with params
if (metric) t(metric, { n: 1 });

// Coded errors name a catalogue key.
export function refusals() {
  // @ts-expect-error not a key
  return [new AppError('not_found', 'error.ticket_not_fuond'), new AppError('not_found', 'error.ticket_not_found', { id: 'SUP-1' })];
}

export { placeholders, notAPlaceholder, reporterKey, reporterParams };
