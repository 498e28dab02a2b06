import { isHttpUrl } from '../../src/core/urls.js';
import type { Button } from '../../src/core/types.js';

/**
 * The renderers' second line of defence behind the boundary checks: only http(s) links become
 * clickable. A link button with any other URL is dropped; an image with one shows its alt text.
 */
export function clickable(buttons: Button[]): Button[] {
  return buttons.filter((b) => b.url === undefined || isHttpUrl(b.url));
}

/** Whether an image URL may be shown (or linked). */
export const showableImage = (url: string): boolean => isHttpUrl(url);
