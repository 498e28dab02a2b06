import { describe, expect, it } from 'vitest';
import { parseSystemName, sameSystem, systemFromSource, systemKey } from '../../src/core/systems.js';
import { knownSeverity, severityOf } from '../../src/domain/alerts/sources.js';

describe('the one system-name rule', () => {
  it('keeps any script, shows the name as written after NFKC, and matches without case or width', () => {
    expect(parseSystemName('  财务系统 ')).toBe('财务系统');
    expect(parseSystemName('ＣＲＭ　Prod')).toBe('CRM Prod');
    expect(parseSystemName('CRM   Prod')).toBe('CRM Prod');
    expect(systemKey('CRM Prod')).toBe('crm prod');
    expect(sameSystem('ｃｒｍ prod', 'CRM  PROD')).toBe(true);
    expect(sameSystem('crm', 'crm-prod')).toBe(false);
  });

  it('refuses what cannot be a name in a command, and never refuses one from a monitoring payload', () => {
    expect(parseSystemName('')).toBeUndefined();
    expect(parseSystemName('a'.repeat(65))).toBeUndefined();
    expect(parseSystemName('bad\u0007bell')).toBeUndefined();
    expect(parseSystemName('"quoted"')).toBeUndefined();
    expect(systemFromSource('')).toBe('unknown');
    expect(systemFromSource('财务系统数据库')).toBe('财务系统数据库');
    expect([...systemFromSource('系'.repeat(80))]).toHaveLength(64);
  });
});

describe('severity words', () => {
  it('maps Zabbix\'s Chinese severity names like their English ones', () => {
    expect(['灾难', '严重', 'Disaster', 'High'].map(severityOf)).toEqual(['critical', 'critical', 'critical', 'critical']);
    expect(['一般严重', '警告', 'Average', 'Warning'].map(severityOf)).toEqual(['warning', 'warning', 'warning', 'warning']);
    expect(['信息', '未分类', 'Information', 'Not classified'].map(severityOf)).toEqual(['info', 'info', 'info', 'info']);
    expect(knownSeverity('ＣＲＩＴＩＣＡＬ')).toBe('critical');
    expect(knownSeverity('purple')).toBeUndefined();
    expect(severityOf('purple')).toBe('info');
  });
});
