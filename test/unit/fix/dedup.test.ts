/** dedup on its fixtures (test/fixtures/fix/dedup/cases.json). */
import { fixtureCases } from './fixture-cases.js';

fixtureCases('dedup');
