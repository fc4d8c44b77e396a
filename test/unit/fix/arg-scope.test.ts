/** arg-scope on its fixtures (test/fixtures/fix/arg-scope/cases.json). */
import { fixtureCases } from './fixture-cases.js';

fixtureCases('arg-scope');
