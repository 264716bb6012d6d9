#ifndef __NAME___UTIL_H
#define __NAME___UTIL_H
extern int util_factor;
extern int util_calls;
int util_clamp(int value);
#endif
