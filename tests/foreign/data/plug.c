/* plug: a small plugin built by Debian's gcc and GNU ld, not by plugsmith. Functions and data in
 * three chained version nodes, and internal helpers that only the version script (or the .def)
 * keeps from being exported. */
int plug_counter = 3;
const char plug_name[] = "plug";
int plug_flags = 1;
int plug_helper_state = 7; /* internal: not in the contract */

static int twice(int v) { return 2 * v; }

int plug_helper_scale(int v) { return twice(v) + plug_helper_state; } /* internal: not in the contract */
int plug_open(void) { return plug_helper_scale(1); }
int plug_close(int h) { return h - plug_counter; }
int plug_read(int h) { return h + plug_name[0]; }
#ifndef PLUG_WITHOUT_STAT
int plug_stat(int h) { return h * plug_flags; }
#endif
