#ifndef RINGBUF_H
#define RINGBUF_H
#define RB_SIZE 64
int rb_wrap(int index);
int rb_push(int *buf, int *head, int value);
#endif
