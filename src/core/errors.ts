import type { MessageKey } from './i18n.js';

/**
 * Coded errors. Expected ones carry a message key and become a friendly localized reply plus an
 * info log; anything else is unexpected and becomes a generic reply with a correlation id that is
 * also in the error log line.
 */
export type ErrorCode =
  | 'not_found'
  | 'forbidden'
  | 'invalid_argument'
  | 'conflict'
  | 'unknown_command'
  | 'no_organisation'
  | 'too_long'
  | 'rate_limited';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    /** Message key in the catalogues (src/core/messages): a mistyped key fails the type check. */
    readonly key: MessageKey,
    readonly params: Record<string, string | number> = {},
  ) {
    super(`${code}: ${key} ${JSON.stringify(params)}`);
    this.name = 'AppError';
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
