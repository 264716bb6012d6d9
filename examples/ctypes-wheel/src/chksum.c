#include "chksum.h"

uint32_t crc_table_entry(uint32_t index); /* tables.c: internal */

const int chksum_abi_level = 1;

uint32_t chksum_adler32(uint32_t adler, const unsigned char *data, size_t size) {
    uint32_t a = adler & 0xFFFFu, b = adler >> 16;
    for (size_t i = 0; i < size; i++) {
        a = (a + data[i]) % 65521u;
        b = (b + a) % 65521u;
    }
    return (b << 16) | a;
}

uint32_t chksum_crc32(uint32_t crc, const unsigned char *data, size_t size) {
    crc = ~crc;
    for (size_t i = 0; i < size; i++) crc = crc_table_entry((crc ^ data[i]) & 0xFFu) ^ (crc >> 8);
    return ~crc;
}

const char *chksum_version(void) { return "chksum 1.0.0"; }
