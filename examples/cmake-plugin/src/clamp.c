/* An internal helper shared between the plugin's files: not part of the API, but a plain
 * global function, so without an export map it is exported from the library. */
#include "clamp.h"

int mixer_clamp(int value, int lo, int hi) { return value < lo ? lo : value > hi ? hi : value; }
