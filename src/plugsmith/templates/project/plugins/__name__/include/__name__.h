/* __name__: the example plugin. A host loads it with dlopen/LoadLibrary and looks these up by name.
 * What is exported is decided by symbols/__name__.symbols, not by this header. */
#ifndef __NAME___H
#define __NAME___H

#ifdef __cplusplus
extern "C" {
#endif

int __name___add(int a, int b);
int __name___scale(int value);
const char *__name___version(void);
extern const char __name___banner[];
extern int __name___api_level;

#ifdef __cplusplus
}
#endif

#endif
