import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import AdmZip from 'adm-zip';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTeamsManifest, buildTeamsPackage, MANIFEST_VERSION } from '../../adapters/teams/app-package.js';
import { catalogue } from '../../src/core/catalogue.js';

const APP_ID = '6f2c1a9e-8d3b-4c5e-9f70-1a2b3c4d5e6f';
const tmp = mkdtempSync(join(tmpdir(), 'teams-package-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Manifest = {
  manifestVersion: string;
  $schema: string;
  id: string;
  name: { short: string };
  description: { short: string };
  icons: { color: string; outline: string };
  validDomains: string[];
  bots: Array<{ botId: string; scopes: string[]; commandLists: Array<{ scopes: string[]; commands: Array<{ title: string; description: string }> }> }>;
  localizationInfo: { additionalLanguages: Array<{ file: string }> };
};

function open(zip: Buffer) {
  const archive = new AdmZip(zip);
  const file = (name: string) => archive.getEntry(name)?.getData();
  return { names: archive.getEntries().map((e) => e.entryName).sort(), file, manifest: JSON.parse(file('manifest.json')!.toString('utf8')) as Manifest };
}

describe('Teams app package', () => {
  it('holds manifest.json, both icons and the zh-CN localization at the root of the zip', () => {
    const { names, manifest } = open(buildTeamsPackage({ appId: APP_ID, publicUrl: 'https://desk.example.com', version: '1.2.3' }));
    expect(names).toEqual(['color.png', 'manifest.json', 'outline.png', 'zh-cn.json']);
    expect(manifest.manifestVersion).toBe(MANIFEST_VERSION);
    expect(manifest.$schema).toContain(`/v${MANIFEST_VERSION}/MicrosoftTeams.schema.json`);
    expect(manifest).toMatchObject({ id: APP_ID, version: '1.2.3', icons: { color: 'color.png', outline: 'outline.png' }, validDomains: ['desk.example.com'] });
    expect(manifest.name.short.length).toBeLessThanOrEqual(30);
    expect(manifest.description.short.length).toBeLessThanOrEqual(80);
  });

  it('declares the bot in personal, team and group chat scopes with the catalogue as command list', () => {
    const manifest = buildTeamsManifest({ appId: APP_ID, publicUrl: 'http://localhost:3000', version: '0.1.0' }) as unknown as Manifest;
    const bot = manifest.bots[0]!;
    expect(bot.botId).toBe(APP_ID);
    expect(bot.scopes).toEqual(['personal', 'team', 'groupChat']);
    expect(bot.commandLists[0]!.scopes).toEqual(['personal', 'team', 'groupChat']);
    // Teams takes at most ten commands per list: the first ten of the catalogue (the rest are typed).
    expect(bot.commandLists[0]!.commands.map((c) => c.title)).toEqual(catalogue.slice(0, 10).map((c) => c.name));
    for (const c of bot.commandLists[0]!.commands) {
      expect(c.title.length).toBeLessThanOrEqual(32);
      expect(c.description.length).toBeLessThanOrEqual(128);
    }
    expect(manifest.validDomains).toEqual([]);
  });

  it('localizes the name and every command description in Simplified Chinese', () => {
    const { file, manifest } = open(buildTeamsPackage({ appId: APP_ID, publicUrl: 'https://x.example', version: '1.0.0' }));
    expect(manifest.localizationInfo.additionalLanguages[0]!.file).toBe('zh-cn.json');
    const zh = JSON.parse(file('zh-cn.json')!.toString('utf8')) as Record<string, string>;
    expect(zh['name.short']).toMatch(/售后/);
    catalogue.slice(0, 10).forEach((entry, i) => expect(zh[`bots[0].commandLists[0].commands[${i}].description`]).toContain(entry.description['zh-CN']));
  });

  it('draws a 192x192 colour icon and a 32x32 outline icon that is only white or transparent', () => {
    const { file } = open(buildTeamsPackage({ appId: APP_ID, publicUrl: 'https://x.example', version: '1.0.0' }));
    const color = PNG.sync.read(file('color.png')!);
    const outline = PNG.sync.read(file('outline.png')!);
    expect([color.width, color.height, outline.width, outline.height]).toEqual([192, 192, 32, 32]);
    let opaque = 0;
    for (let i = 0; i < outline.data.length; i += 4) {
      const [r, g, b, a] = [outline.data[i]!, outline.data[i + 1]!, outline.data[i + 2]!, outline.data[i + 3]!];
      if (a > 0) {
        opaque++;
        expect([r, g, b]).toEqual([255, 255, 255]);
      }
    }
    expect(opaque).toBeGreaterThan(100);
    expect(color.data[(96 * 192 + 10) * 4 + 3]).toBe(255); // the background square is opaque
  });

  it('refuses an app id that is not a GUID', () => {
    expect(() => buildTeamsManifest({ appId: 'not-a-guid', publicUrl: 'https://x', version: '1.0.0' })).toThrow(/GUID/);
  });

  it('is written by npm run teams:package with MICROSOFT_APP_ID from the environment', async () => {
    const out = join(tmp, 'pkg.zip');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/teams-package.ts', '--out', out], {
      env: { ...process.env, MICROSOFT_APP_ID: APP_ID, AFTERCARE_PUBLIC_URL: 'https://desk.example.com' },
    });
    expect(stdout).toContain(out);
    const { manifest } = open(readFileSync(out));
    expect(manifest.id).toBe(APP_ID);
    expect(manifest.validDomains).toEqual(['desk.example.com']);
  }, 30_000);
});
