/* compat: GNU ld symbol versioning with old versions kept for old binaries (.symver).
 * compat_read has a default version (compat_read@@COMPAT_2.0) and an old one (compat_read@COMPAT_1.0);
 * compat_legacy only exists as an old, non-default version (compat_legacy@COMPAT_1.0). */
int compat_open(void) { return 1; }
int compat_read_v1(int h) { return h; }
int compat_read_v2(int h) { return h + 1; }
int compat_legacy_v1(void) { return 0; }
__asm__(".symver compat_read_v1, compat_read@COMPAT_1.0");
__asm__(".symver compat_read_v2, compat_read@@COMPAT_2.0");
__asm__(".symver compat_legacy_v1, compat_legacy@COMPAT_1.0");
