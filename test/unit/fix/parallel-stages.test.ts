/** parallel-stages on its fixtures; the ml-serving case runs every transform, as `fix` does. */
import { fixtureCases } from './fixture-cases.js';

fixtureCases('parallel-stages');
