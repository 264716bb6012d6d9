/* Defines what zlike.map exports; zl_errmsg is a table (data), as in many C libraries. */
const char *const zl_errmsg[] = {"ok", "stream end", "need dict"};
int zl_compress(void) { return 0; }
int zl_uncompress(void) { return 0; }
const char *zl_version(void) { return "1.2.9"; }
unsigned long zl_compress_bound(unsigned long n) { return n + n / 1000 + 12; }
unsigned long zl_adler32(unsigned long a) { return a; }
void *zl_gzopen64(const char *path) { (void)path; return 0; }
long zl_gzseek64(void *f, long off) { (void)f; return off; }
unsigned long zl_crc32_combine(unsigned long a, unsigned long b) { return a ^ b; }
unsigned long zl_inflate_codes_used(void *s) { (void)s; return 0; }
int zl_internal_state = 0;
