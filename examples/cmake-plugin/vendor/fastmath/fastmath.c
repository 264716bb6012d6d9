#include "fastmath.h"

int fm_lerp(int a, int b, int percent) { return a + (b - a) * percent / 100; }

int fm_gain(int value, int gain) { return value * gain; }
