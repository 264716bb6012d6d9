#ifndef ECHO_DELAY_H
#define ECHO_DELAY_H
int echo_delay_mix(int dry, int wet);
#endif
