#ifndef MIXER_H
#define MIXER_H
const char *mixer_version(void);
int mixer_mix(int a, int b, int percent);
extern const int mixer_channels;
#endif
