/* The exported entry points of the example plugin. */
#include "__name__.h"
#include "util.h"

const char __name___banner[] = "__name__ example plugin";
int __name___api_level = 2;

int __name___add(int a, int b) { return util_clamp(a + b); }

int __name___scale(int value) { return util_clamp(value * util_factor); }

const char *__name___version(void) { return "1.1.0"; }
