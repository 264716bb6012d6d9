#include "ringbuf.h"

int rb_wrap(int index) { return ((index % RB_SIZE) + RB_SIZE) % RB_SIZE; }

int rb_push(int *buf, int *head, int value) {
    int old = buf[*head];
    buf[*head] = value;
    *head = rb_wrap(*head + 1);
    return old;
}
