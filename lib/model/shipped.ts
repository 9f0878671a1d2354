// Checkpoints shipped inside the package. Resolved from this file's location, which is
// lib/model/ in a source checkout and dist/model/ in an install: both two levels under the root.
import { fileURLToPath } from 'node:url';

/** The weak SFT warm start the demo and `train --policy tiny` begin from (`toolexpander sft` rebuilds it). */
export const WEAK_SFT_DIR = fileURLToPath(new URL('../../checkpoints/weak-sft', import.meta.url));
