#include "mixer.h"

#include "clamp.h"
#include "fastmath.h"

const int mixer_channels = 2;

const char *mixer_version(void) { return "mixer 1.2.0"; }

int mixer_mix(int a, int b, int percent) { return fm_lerp(a, b, mixer_clamp(percent, 0, 100)); }
