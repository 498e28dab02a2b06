import { goldenFor } from '../helpers/golden.js';

/** Golden slack renderer output (see test/helpers/golden.ts). */
export const golden = goldenFor('slack');
