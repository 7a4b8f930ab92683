/* SPDX-License-Identifier: GPL-2.0 */
/* afc perf: one measurement program for af_custom, TCP, TIPC and AF_UNIX (perf.c). */
#ifndef AFC_PERF_H
#define AFC_PERF_H

/* argv[0] is "perf"; returns the process exit status. */
int cmd_perf(int argc, char **argv);

#endif
