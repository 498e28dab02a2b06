import { goldenFor } from '../helpers/golden.js';

/** Golden teams renderer output (see test/helpers/golden.ts). */
export const golden = goldenFor('teams');
