#ifndef FASTMATH_H
#define FASTMATH_H
int fm_lerp(int a, int b, int percent);
int fm_gain(int value, int gain);
#endif
