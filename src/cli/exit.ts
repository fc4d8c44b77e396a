/** Exit codes, the same for every command (README: Exit codes). */
export const EXIT_OK = 0;
/** Findings reached the failure threshold, or a check (or a build) failed. */
export const EXIT_FINDINGS = 1;
/** Usage or input error. */
export const EXIT_INPUT = 2;
