/**
 * DESIGN.md §4: the six classification rules, in order, first match wins. The evidence is chosen by
 * the correlator (it owns the time windows and boots); this module only turns it into a bucket.
 *
 * Confidence of the rules DESIGN.md leaves open (documented choices):
 * - KNOWN_ISSUE_RULE: HIGH when the rule's exact `title` matched, MEDIUM for a `title_regex` match.
 * - REGRESSION_AFTER_FIX: MEDIUM (the match is certain, "it regressed" is an inference).
 * - UNMATCHED: MEDIUM, or LOW when poison from an earlier boot is listed (it may still be hardware).
 */
import type { CrashKind } from '../model/crash.js';
import type { Category, Confidence, Evidence, KnownIssueRef, Reason } from '../model/verdict.js';
import { type KnownIssueRules, matchKnownIssue } from './known-issues.js';

/** Kinds that are a hardware error by themselves, whatever the analyzer's `hwSignature` says. */
const HW_KINDS: ReadonlySet<CrashKind> = new Set<CrashKind>([
  'MACHINE_CHECK',
  'EXTERNAL_ABORT',
  'SERROR',
  'HW_ERROR_PANIC',
  'MEMORY_FAILURE_PANIC',
]);

export interface ClassifyInput {
  kind: CrashKind;
  title: string;
  altTitles: readonly string[];
  taint: string | null;
  arch: string | null;
  kernelRelease: string | null;
  hwSignature: boolean;
  inPoisonHandler: boolean;
  /**
   * Accepted hardware evidence. Same-boot items with confidence HIGH or MEDIUM support rule 2;
   * LOW items (earlier boots) are listed but do not change the bucket.
   */
  evidence: readonly Evidence[];
}

export interface Classification {
  category: Category;
  reason: Reason;
  confidence: Confidence;
  known_issue: KnownIssueRef | null;
}

export function isHardwareSignature(
  input: Pick<ClassifyInput, 'kind' | 'hwSignature' | 'inPoisonHandler'>,
): boolean {
  return input.hwSignature || input.inPoisonHandler || HW_KINDS.has(input.kind);
}

export function classify(input: ClassifyInput, rules: KnownIssueRules): Classification {
  // 1. the crash is itself a hardware error
  if (isHardwareSignature(input)) {
    return { category: 'HARDWARE', reason: 'HW_SIGNATURE', confidence: 'HIGH', known_issue: null };
  }
  // 2. unrecovered poison earlier in the same boot, within the horizon
  const sameBoot = input.evidence.filter((e) => e.same_boot && e.confidence !== 'LOW');
  if (sameBoot.length > 0) {
    const high = sameBoot.some((e) => e.confidence === 'HIGH');
    return {
      category: 'HARDWARE',
      reason: 'POISON_CORRELATED',
      confidence: high ? 'HIGH' : 'MEDIUM',
      known_issue: null,
    };
  }
  // 3. taint M: a machine check was seen this boot, though we saw no poison
  if (input.taint?.includes('M')) {
    return { category: 'HARDWARE', reason: 'TAINT_MACHINE_CHECK', confidence: 'MEDIUM', known_issue: null };
  }
  // 4./5. known issues, matched on the title and every alt title
  const match = matchKnownIssue(rules, [input.title, ...input.altTitles], input.arch, input.kernelRelease);
  if (match) {
    const known_issue: KnownIssueRef = {
      id: match.rule.id,
      title: match.rule.title ?? match.rule.titleRegex?.source ?? match.rule.id,
      url: match.rule.url,
    };
    if (match.regression) {
      return { category: 'NEW_CRASH', reason: 'REGRESSION_AFTER_FIX', confidence: 'MEDIUM', known_issue };
    }
    return {
      category: 'KNOWN_ISSUE',
      reason: 'KNOWN_ISSUE_RULE',
      confidence: match.exact ? 'HIGH' : 'MEDIUM',
      known_issue,
    };
  }
  // 6.
  const earlier = input.evidence.some((e) => !e.same_boot);
  return {
    category: 'NEW_CRASH',
    reason: 'UNMATCHED',
    confidence: earlier ? 'LOW' : 'MEDIUM',
    known_issue: null,
  };
}
