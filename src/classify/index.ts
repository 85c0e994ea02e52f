export { type ClassifyInput, type Classification, classify, isHardwareSignature } from './rules.js';
export {
  type KnownIssueError,
  type KnownIssueMatch,
  type KnownIssueRule,
  type KnownIssueRules,
  type KnownIssuesLoad,
  matchKnownIssue,
  NO_KNOWN_ISSUES,
  normalizeArch,
  parseKnownIssues,
  rulesHash,
} from './known-issues.js';
export {
  compareKernelReleases,
  isAtOrAfter,
  type KernelRelease,
  parseKernelRelease,
} from './kernel-release.js';
export { compileSafeRegex, MAX_MATCH_INPUT } from './regex-safety.js';
export { crashId, excerptOf, normalizeTitle, titleSignature } from './identity.js';
