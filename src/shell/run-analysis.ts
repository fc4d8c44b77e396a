import { shellDialect } from '../graph/args.js';
import type { Step } from '../graph/graph.js';
import { analyzeRunInstruction, type RunAnalysis } from './analyze.js';

const analyses = new WeakMap<Step, RunAnalysis>();

/**
 * The shell analysis of a RUN step, with its ARG/ENV values for `$NAME` words (cached per
 * step). None for a shell-form RUN that PowerShell or cmd runs (a SHELL, or a Windows image's
 * default): its script is not POSIX shell, and no advice about POSIX commands applies to it.
 */
export function runAnalysis(step: Step): RunAnalysis | undefined {
  if (step.instruction.keyword !== 'RUN') return undefined;
  if (step.instruction.command.form === 'shell' && shellDialect(step.scope.shell) !== 'posix') return undefined;
  let a = analyses.get(step);
  if (!a) {
    a = analyzeRunInstruction(step.instruction, { env: new Map([...step.scope.args, ...step.scope.env]) });
    analyses.set(step, a);
  }
  return a;
}
