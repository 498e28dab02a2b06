import type { CommandSpec } from '../src/core/registry.js';
import type { Services } from '../src/domain/index.js';
import { aftercareCommand } from './aftercare.js';
import { alertsCommand } from './alerts.js';
import { backupStatusCommand } from './backup-status.js';
import { digestCommand } from './digest.js';
import { escalateCommand } from './escalate.js';
import { faqCommand } from './faq.js';
import { improveCommand } from './improve.js';
import { issueCommand } from './issue.js';
import { postmortemCommand } from './postmortem.js';
import { securityCommand } from './security.js';
import { releaseNotesCommand } from './release-notes.js';
import { releaseCommand } from './release.js';
import { docsCommand } from './docs.js';
import { trainingCommand } from './training.js';
import { surveyCommand } from './survey.js';

/**
 * Every command, registered explicitly: the core's vocabulary (src/core/catalogue.ts) in its order,
 * each built from its declaration by `defineCommand` (test/commands/registry.test.ts keeps them equal).
 */
export const commands: Array<CommandSpec<Services>> = [
  issueCommand,
  escalateCommand,
  releaseNotesCommand,
  backupStatusCommand,
  alertsCommand,
  surveyCommand,
  digestCommand,
  faqCommand,
  releaseCommand,
  docsCommand,
  trainingCommand,
  aftercareCommand,
  postmortemCommand,
  improveCommand,
  securityCommand,
];
