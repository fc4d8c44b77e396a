/** late-source-copy on its fixtures (test/fixtures/fix/late-source-copy/cases.json). */
import { fixtureCases } from './fixture-cases.js';

fixtureCases('late-source-copy');
