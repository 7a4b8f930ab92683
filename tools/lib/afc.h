/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for af_custom user programs: whether the module is loaded, its version, the family
 * number in use, and its sysfs parameters.
 */
#ifndef AFC_USER_H
#define AFC_USER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/af_custom.h>

#define AFC_SYSFS "/sys/module/af_custom"

/* Is the module loaded (its sysfs directory present)? */
static inline int afc_module_loaded(void)
{
	return access(AFC_SYSFS, F_OK) == 0;
}

/* The loaded module's MODULE_VERSION into buf; NULL when it is not loaded or has none. */
static inline char *afc_module_version(char *buf, size_t len)
{
	FILE *f = fopen(AFC_SYSFS "/version", "r");
	char *r = NULL;

	if (!f)
		return NULL;
	if (fgets(buf, (int)len, f)) {
		buf[strcspn(buf, "\n")] = 0;
		r = buf;
	}
	fclose(f);
	return r;
}

/* Read a module parameter as a number (decimal or 0x hex); -1 when absent. */
static inline long afc_param(const char *name)
{
	char path[128], buf[64];
	FILE *f;
	long v = -1;

	snprintf(path, sizeof(path), AFC_SYSFS "/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, 0);
	fclose(f);
	return v;
}

/* The module's reference count (each open socket holds references); -1 when not loaded. */
static inline long afc_module_refcnt(void)
{
	FILE *f = fopen(AFC_SYSFS "/refcnt", "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/*
 * The module's reference count once it has come down to @want, waiting up to 2 s: a closed
 * socket's memory, and the module reference it holds, go one RCU grace period after its last
 * reference (SOCK_RCU_FREE).  Returns the count (not @want when it did not come down).
 */
static inline long afc_module_refcnt_settled(long want)
{
	long v = afc_module_refcnt();

	for (int i = 0; i < 200 && v != want; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		v = afc_module_refcnt();
	}
	return v;
}

/* The family the loaded module registered, or the UAPI default when it is not loaded. */
static inline int afc_family(void)
{
	long f = afc_param("family");

	return f > 0 ? (int)f : AF_CUSTOM;
}

#endif
