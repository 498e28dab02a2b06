import { AppError } from '../../core/errors.js';

/** Severities whose resolution must name a root cause. */
const CAUSE_REQUIRED = new Set(['S1', 'S2']);

/**
 * Checks a resolution's root cause against the taxonomy (AFTERCARE_CAUSES): a cause outside it is
 * refused, and an S1 or S2 ticket cannot be resolved without one. Throws a localized AppError.
 */
export function checkCause(taxonomy: readonly string[], ticket: { id: string; severity: string }, cause: string | undefined): void {
  const causes = taxonomy.join(', ');
  if (cause !== undefined && !taxonomy.includes(cause)) throw new AppError('invalid_argument', 'error.unknown_cause', { cause, causes });
  if (cause === undefined && CAUSE_REQUIRED.has(ticket.severity)) {
    throw new AppError('invalid_argument', 'error.cause_required', { id: ticket.id, severity: ticket.severity, causes });
  }
}
