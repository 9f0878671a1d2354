// The engine's reference tests and the parity runner with the scalar kernel set forced.
import t from 'tap';

import { simdSuite } from '../../helpers/simd-suite.js';

simdSuite(t, 'scalar');
