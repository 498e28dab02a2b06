/**
 * The command vocabulary, owned by the core. Platform manifests (Slack manifest.yml, the Teams app
 * package, the Feishu bot menu) are generated from or checked against this list.
 */
export interface CatalogueEntry {
  /** Without the slash: `issue`. */
  name: string;
  usage: string;
  description: { en: string; 'zh-CN': string };
}

export const catalogue: readonly CatalogueEntry[] = [
  {
    name: 'issue',
    usage: '<title> [sev:S1-S4] [system:<name>] | show <ID> | list [open|mine|all] | ack|assign|comment|resolve|reopen <ID> …',
    description: { en: 'Report a problem and follow its ticket', 'zh-CN': '报告问题并跟进工单' },
  },
  {
    name: 'escalate',
    usage: '<ID> [reason]',
    description: { en: 'Escalate a ticket or alert', 'zh-CN': '升级工单或告警' },
  },
  {
    name: 'release-notes',
    usage: '[latest|list|<version>] | publish <version>',
    description: { en: 'Read or publish release notes', 'zh-CN': '查看或发布版本说明' },
  },
  {
    name: 'backup-status',
    usage: '[system]',
    description: { en: 'Backup health per system', 'zh-CN': '各系统的备份状态' },
  },
  {
    name: 'survey',
    usage: '| send <csat|nps|template> [here] | results [SVY-n]',
    description: { en: 'Answer, send or read satisfaction surveys', 'zh-CN': '回答、发送或查看满意度调查' },
  },
  {
    name: 'digest',
    usage: '[week|month]',
    description: { en: 'The improvement digest', 'zh-CN': '服务改进摘要' },
  },
  {
    name: 'faq',
    usage: '<question> | add <question> | <answer>',
    description: { en: 'Search or extend the knowledge base', 'zh-CN': '搜索或补充知识库' },
  },
  {
    name: 'aftercare',
    usage: 'help | subscribe <topic> [system:<name>] | unsubscribe <topic> | role <@user> <role> | org <name> | lang <en|zh>',
    description: { en: 'Help, subscriptions, roles, organisations and language', 'zh-CN': '帮助、订阅、角色、组织与语言设置' },
  },
];
