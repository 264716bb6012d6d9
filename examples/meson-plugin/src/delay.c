/* Internal helper: not in the API, yet a plain global function that leaks without a map. */
#include "delay.h"

int echo_delay_mix(int dry, int wet) { return dry + wet / 2; }
