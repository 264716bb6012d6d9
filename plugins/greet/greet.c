/* The exported entry points of the example plugin. */
#include "greet.h"
#include "util.h"

const char greet_banner[] = "greet example plugin";
int greet_api_level = 2;

int greet_add(int a, int b) { return util_clamp(a + b); }

int greet_scale(int value) { return util_clamp(value * util_factor); }

const char *greet_version(void) { return "1.1.0"; }
