#include "echo.h"

#include "delay.h"
#include "ringbuf.h"

static int buffer[RB_SIZE];
static int head;

const char *echo_name(void) { return "echo 0.3.0"; }

int echo_process(int sample) { return echo_delay_mix(sample, rb_push(buffer, &head, sample)); }

void echo_reset(void) {
    for (int i = 0; i < RB_SIZE; i++) buffer[i] = 0;
    head = 0;
}
