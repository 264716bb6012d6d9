#ifndef ECHO_H
#define ECHO_H
const char *echo_name(void);
int echo_process(int sample);
void echo_reset(void);
#endif
