/**
 * RUN command analysis: the simple commands of a RUN script with their ranges, and what each
 * one does (installs packages, compiles, downloads, sleeps, moves files).
 *
 * @packageDocumentation
 */

/** Entry points: a shell-form script, an exec-form argv, or a RUN instruction as BuildKit runs it. */
export { analyzeExec, analyzeRun, analyzeRunInstruction, type AnalyzeOptions, type RunAnalysis } from './analyze.js';

/** The shapes of the result, and the classification of one command. */
export { classify, exclusive, isLocalPath, resolveWord, type Activity, type Redirect, type ShellWord, type SimpleCommand } from './classify.js';

/** The table of activities (data), for docs and for the cost table in src/timing/estimate.ts. */
export {
  ACTIVITY_RULES,
  FROZEN_CONSTRAINTS,
  PYPROJECT_DEPS_DIR,
  PYPROJECT_DEPS_PROGRAM,
  FILE_COMMANDS,
  SHELLS,
  WRAPPERS,
  type ActivityKind,
  type ActivityRule,
  type CostedRuleId,
  type RuleId,
  type Wrapper,
} from './activities.js';

/** Shells and interpreters, and where the code they run comes from (a word, stdin, none). */
export { codeSource, INTERPRETERS, type CodeSource, type Interpreter } from './interpreters.js';

/** Tokens with ranges, for callers that need the words themselves. */
export { lexShell, ShellLexError, type Span, type Token } from './lex.js';

/** mvdan/sh's verdict on a script (async; see syntax.ts for why it is not the parser here). */
export { checkShellSyntax, topLevelStatements, type ShellSyntaxError, type SyntaxOptions } from './syntax.js';
