/**
 * `npm run teams:package [-- --out <file>]`: writes the Teams app package zip (default
 * build/teams/aftercare-teams.zip) and refreshes the icons in teams/. The app id comes from
 * MICROSOFT_APP_ID and the valid domain from AFTERCARE_PUBLIC_URL (environment or .env).
 * See docs/teams.md for registering the bot and uploading the package.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTeamsPackage, PLACEHOLDER_APP_ID } from '../adapters/teams/app-package.js';
import { colorIcon, outlineIcon } from '../adapters/teams/icons.js';
import { readEnvironment } from '../src/config.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = resolve(outIndex >= 0 && args[outIndex + 1] ? args[outIndex + 1]! : join(root, 'build', 'teams', 'aftercare-teams.zip'));

const env = readEnvironment();
const appId = env.MICROSOFT_APP_ID?.trim() || PLACEHOLDER_APP_ID;
const publicUrl = env.AFTERCARE_PUBLIC_URL?.trim() || `http://localhost:${env.PORT ?? '3000'}`;
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

try {
  const zip = buildTeamsPackage({ appId, publicUrl, version });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, zip);
  mkdirSync(join(root, 'teams'), { recursive: true });
  writeFileSync(join(root, 'teams', 'color.png'), colorIcon());
  writeFileSync(join(root, 'teams', 'outline.png'), outlineIcon());
  console.log(`Teams app package written to ${out} (app id ${appId}, ${zip.length} bytes)`);
  if (appId === PLACEHOLDER_APP_ID) {
    console.warn('MICROSOFT_APP_ID is not set: the package uses a placeholder id. Set it and run npm run teams:package again before uploading.');
  }
  if (!publicUrl.startsWith('https://')) {
    console.warn('AFTERCARE_PUBLIC_URL is not an https URL: validDomains is empty. Teams reaches the bot through the Azure Bot messaging endpoint anyway.');
  }
} catch (err) {
  console.error(`teams:package failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
