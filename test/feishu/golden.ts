import { goldenFor } from '../helpers/golden.js';

/** Golden feishu renderer output (see test/helpers/golden.ts). */
export const golden = goldenFor('feishu');
