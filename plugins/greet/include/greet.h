/* greet: the example plugin. A host loads it with dlopen/LoadLibrary and looks these up by name.
 * What is exported is decided by symbols/greet.symbols, not by this header. */
#ifndef GREET_H
#define GREET_H

#ifdef __cplusplus
extern "C" {
#endif

int greet_add(int a, int b);
int greet_scale(int value);
const char *greet_version(void);
extern const char greet_banner[];
extern int greet_api_level;

#ifdef __cplusplus
}
#endif

#endif
