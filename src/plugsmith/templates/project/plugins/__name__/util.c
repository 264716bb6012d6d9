/* Internal helpers: external linkage (__name__.c calls them) but NOT part of the plugin's ABI.
 * plugsmith must keep every one of them out of the exports on every platform. */
#include "util.h"

int util_factor = 3;
int util_calls = 0;

int util_clamp(int value) {
    util_calls++;
    if (value > 1000000) return 1000000;
    if (value < -1000000) return -1000000;
    return value;
}
