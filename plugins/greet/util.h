#ifndef GREET_UTIL_H
#define GREET_UTIL_H
extern int util_factor;
extern int util_calls;
int util_clamp(int value);
#endif
