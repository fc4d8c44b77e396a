/** copy-chown on its fixtures (test/fixtures/fix/copy-chown/cases.json). */
import { fixtureCases } from './fixture-cases.js';

fixtureCases('copy-chown');
