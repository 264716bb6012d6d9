/* Internal: the CRC-32 table. crc_table_entry has external linkage (chksum.c calls it), yet it is not
 * in the contract: plugsmith's export maps keep it out of every platform's exports. */
#include <stdint.h>

uint32_t crc_table_entry(uint32_t index) {
    uint32_t c = index;
    for (int k = 0; k < 8; k++) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    return c;
}
