#ifndef MIXER_CLAMP_H
#define MIXER_CLAMP_H
int mixer_clamp(int value, int lo, int hi);
#endif
