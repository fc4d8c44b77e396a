/**
 * The Dockerfile model: every instruction typed, every token with its source range, and the
 * text kept whole so that the file prints back byte for byte (see print.ts).
 */
import type { Range } from '../core/ranges.js';

/** A word of an instruction as written (`raw`, quotes and escapes kept) and where it is. */
export interface Token {
  raw: string;
  range: Range;
}

export interface Flag {
  /** Flag name without the leading `--`. */
  name: string;
  /** The value after `=` (quotes processed as BuildKit does), or null for a bare `--flag`. */
  value: string | null;
  range: Range;
}

export interface Directive {
  name: 'syntax' | 'escape' | 'check' | string;
  value: string;
  range: Range;
}

export interface Heredoc {
  /** The delimiter word, quotes removed. */
  name: string;
  /** `<<-`: leading tabs are stripped from the body and the terminator. */
  chomp: boolean;
  /** False when the delimiter was quoted: the body is taken literally. */
  expand: boolean;
  /** File descriptor before `<<` (e.g. `3<<EOF`), 0 when absent. */
  fd: number;
  /** The body as BuildKit reads it, line endings kept, not yet chomped. */
  content: string;
  /** Where `<<NAME` stands in the instruction line. */
  range: Range;
  /** The body lines (without the terminator). */
  bodyRange: Range;
}

export type Keyword =
  | 'FROM' | 'RUN' | 'CMD' | 'LABEL' | 'MAINTAINER' | 'EXPOSE' | 'ENV' | 'ADD' | 'COPY'
  | 'ENTRYPOINT' | 'VOLUME' | 'USER' | 'WORKDIR' | 'ARG' | 'ONBUILD' | 'STOPSIGNAL'
  | 'HEALTHCHECK' | 'SHELL';

export const KEYWORDS: readonly Keyword[] = [
  'FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT',
  'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL',
];

interface InstructionBase {
  keyword: Keyword;
  /** The keyword as written (`run`, `Run`, ...). */
  keywordToken: Token;
  /** From the keyword to the end of the last line it spans (heredoc terminators included). */
  range: Range;
  /** BuildKit's joined line: continuations removed, comment lines inside dropped. */
  text: string;
  flags: Flag[];
  /** Everything after the keyword and flags, as joined (BuildKit's args). */
  args: Token;
  heredocs: Heredoc[];
  /** Comment lines directly above the instruction (BuildKit's PrevComment). */
  comments: string[];
  /** An empty line sat inside the continuation (BuildKit warns about it). */
  emptyContinuationLine: boolean;
}

/** Shell form (one string for the shell) or exec form (a JSON array). */
export type CommandForm =
  | { form: 'shell'; script: Token }
  | { form: 'exec'; argv: string[]; token: Token };

export interface FromInstruction extends InstructionBase {
  keyword: 'FROM';
  image: Token;
  /** The stage name after `AS`, lower-cased as BuildKit does. */
  stageName: { value: string; token: Token } | null;
  platform: string | null;
}

export type MountType = 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh';

export interface Mount {
  /** BuildKit's default (bind) when the type is not given, or given through a variable. */
  type: MountType;
  /** The `type=` value as written when it holds a variable (known only once expanded). */
  typeRaw?: string | null;
  target: string | null;
  source: string | null;
  from: string | null;
  id: string | null;
  sharing: 'shared' | 'private' | 'locked' | null;
  mode: string | null;
  uid: string | null;
  gid: string | null;
  required: boolean | null;
  readonly: boolean | null;
  env: string | null;
  size: string | null;
  /** The `--mount` flag it came from. */
  range: Range;
}

export interface RunInstruction extends InstructionBase {
  keyword: 'RUN';
  command: CommandForm;
  mounts: Mount[];
  network: string | null;
  security: string | null;
}

export interface CmdInstruction extends InstructionBase {
  keyword: 'CMD' | 'ENTRYPOINT';
  command: CommandForm | null;
}

export interface ShellInstruction extends InstructionBase {
  keyword: 'SHELL';
  argv: string[];
}

export interface CopyInstruction extends InstructionBase {
  keyword: 'COPY' | 'ADD';
  /** Sources as written (not expanded); `<<NAME` sources are heredocs. */
  sources: Token[];
  dest: Token;
  json: boolean;
  from: string | null;
  chown: string | null;
  chmod: string | null;
  link: boolean;
  parents: boolean;
  exclude: string[];
  keepGitDir: boolean | null;
  checksum: string | null;
}

/** One `NAME[=value]` of ARG, ENV or LABEL. */
export interface KeyValue {
  key: Token;
  /** Null for an ARG without default. */
  value: Token | null;
}

export interface ArgInstruction extends InstructionBase {
  keyword: 'ARG';
  decls: KeyValue[];
}

export interface EnvInstruction extends InstructionBase {
  keyword: 'ENV' | 'LABEL';
  pairs: KeyValue[];
}

export interface ListInstruction extends InstructionBase {
  keyword: 'EXPOSE' | 'VOLUME';
  items: Token[];
  json: boolean;
}

export interface StringInstruction extends InstructionBase {
  keyword: 'USER' | 'WORKDIR' | 'STOPSIGNAL' | 'MAINTAINER';
  value: Token;
}

export interface HealthcheckInstruction extends InstructionBase {
  keyword: 'HEALTHCHECK';
  /** `HEALTHCHECK NONE` disables the base image's check. */
  none: boolean;
  command: CommandForm | null;
  options: { interval: string | null; timeout: string | null; startPeriod: string | null; startInterval: string | null; retries: number | null };
}

export interface OnbuildInstruction extends InstructionBase {
  keyword: 'ONBUILD';
  trigger: Instruction;
}

export type Instruction =
  | FromInstruction | RunInstruction | CmdInstruction | ShellInstruction | CopyInstruction
  | ArgInstruction | EnvInstruction | ListInstruction | StringInstruction
  | HealthcheckInstruction | OnbuildInstruction;

export interface Dockerfile {
  /** Path as given (for messages). */
  file: string;
  /** The original text, byte for byte (BOM included). */
  source: string;
  bom: boolean;
  escape: '\\' | '`';
  directives: Directive[];
  instructions: Instruction[];
  /** Non-fatal observations BuildKit prints as warnings. */
  warnings: { message: string; range: Range }[];
}
