/* shapes: a C++ plugin behind a C ABI. Hosts see only these names. */
#ifndef SHAPES_H
#define SHAPES_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct shapes_set shapes_set;

shapes_set *shapes_create(void);
void shapes_destroy(shapes_set *set);
int shapes_add_circle(shapes_set *set, double radius);
int shapes_add_square(shapes_set *set, double side);
double shapes_total_area(const shapes_set *set);
/* Writes a description into buf (at most size bytes, NUL-terminated); returns the full length. */
int shapes_describe(const shapes_set *set, char *buf, int size);
extern const int shapes_abi_version;

#ifdef __cplusplus
}
#endif

#endif
