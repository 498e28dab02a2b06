import type { Actor, OutboundMessage } from './types.js';

/** An only-you question with a danger "yes" and a neutral "no" button, both carrying `value`. */
export function confirmationMessage(
  question: string,
  buttons: { yes: { actionId: string; label: string }; no: { actionId: string; label: string } },
  value: string,
  audience?: Actor,
): OutboundMessage {
  return {
    text: question,
    visibility: 'ephemeral',
    audience,
    card: {
      tone: 'warning',
      blocks: [
        { type: 'text', text: question },
        {
          type: 'actions',
          buttons: [
            { ...buttons.yes, value, style: 'danger' },
            { ...buttons.no, value },
          ],
        },
      ],
    },
  };
}
