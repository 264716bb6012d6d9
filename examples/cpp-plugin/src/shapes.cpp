// The C ABI: each entry point catches every C++ exception before it reaches the host.
#include "shapes.h"

#include <cstring>
#include <exception>

#include "registry.h"

struct shapes_set {
    shapes::Registry registry;
};

extern "C" {

const int shapes_abi_version = 1;

shapes_set *shapes_create(void) {
    try {
        return new shapes_set();
    } catch (const std::exception &) {
        return nullptr;
    }
}

void shapes_destroy(shapes_set *set) { delete set; }

int shapes_add_circle(shapes_set *set, double radius) {
    try {
        set->registry.add(shapes::make_circle(radius));
        return 0;
    } catch (const std::exception &) {
        return -1;
    }
}

int shapes_add_square(shapes_set *set, double side) {
    try {
        set->registry.add(shapes::make_square(side));
        return 0;
    } catch (const std::exception &) {
        return -1;
    }
}

double shapes_total_area(const shapes_set *set) { return set->registry.total_area(); }

int shapes_describe(const shapes_set *set, char *buf, int size) {
    try {
        std::string text = set->registry.describe();
        if (buf && size > 0) {
            std::size_t n = text.size() < static_cast<std::size_t>(size - 1) ? text.size() : size - 1;
            std::memcpy(buf, text.data(), n);
            buf[n] = '\0';
        }
        return static_cast<int>(text.size());
    } catch (const std::exception &) {
        return -1;
    }
}

}  // extern "C"
