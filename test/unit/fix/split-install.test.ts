/** split-install on its fixtures (test/fixtures/fix/split-install/cases.json). */
import { fixtureCases } from './fixture-cases.js';

fixtureCases('split-install');
