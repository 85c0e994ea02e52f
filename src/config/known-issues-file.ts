/**
 * Reads and validates the known-issues file named by `knownIssues.file`, once at start-up. Every
 * problem is reported together, each with its line, in one CONFIG_INVALID error.
 */
import { readFileSync } from 'node:fs';
import { type KnownIssueRules, NO_KNOWN_ISSUES, parseKnownIssues } from '../classify/index.js';
import { PoisonlinkError } from './errors.js';

export function loadKnownIssuesFile(file: string | null): KnownIssueRules {
  if (file === null) return NO_KNOWN_ISSUES;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e: unknown) {
    throw new PoisonlinkError('CONFIG_FILE_UNREADABLE', `cannot read known-issues file ${file}`, {
      cause: e,
    });
  }
  const res = parseKnownIssues(text);
  if (!res.ok) {
    const lines = res.errors.map((e) => `  ${file}:${e.line}: ${e.message}`);
    throw new PoisonlinkError(
      'CONFIG_INVALID',
      `invalid known-issues file (${res.errors.length} problem(s)):\n${lines.join('\n')}`,
    );
  }
  return res.rules;
}
