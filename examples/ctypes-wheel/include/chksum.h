/* chksum: Adler-32 and CRC-32 of a byte buffer. Python loads it with ctypes (see README.md). */
#ifndef CHKSUM_H
#define CHKSUM_H
#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define CHKSUM_API __declspec(dllexport)
#else
#define CHKSUM_API __attribute__((visibility("default")))
#endif

/* Adler-32 (RFC 1950) of data[0..size), continuing from adler (1 for a new sum). */
CHKSUM_API uint32_t chksum_adler32(uint32_t adler, const unsigned char *data, size_t size);
/* CRC-32 (ISO-HDLC, as zlib's crc32) of data[0..size), continuing from crc (0 for a new sum). */
CHKSUM_API uint32_t chksum_crc32(uint32_t crc, const unsigned char *data, size_t size);
/* "chksum 1.0.0" */
CHKSUM_API const char *chksum_version(void);
/* The ABI level of this library: 1. */
CHKSUM_API extern const int chksum_abi_level;

#endif
