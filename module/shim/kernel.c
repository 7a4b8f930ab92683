// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel services for the C++ core: allocation, logging, BUG().  One kernel API each.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <net/checksum.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <af_custom/boundary.h>

void *afk_alloc(size_t size, enum afc_gfp gfp)
{
	if (gfp == AFC_GFP_ATOMIC)
		return kmalloc(size, GFP_ATOMIC);
	return kvmalloc(size, GFP_KERNEL);
}

void afk_free(const void *ptr)
{
	kvfree(ptr);
}

unsigned int afk_random_u32(void)
{
	return get_random_u32();
}

unsigned short afk_csum(const void *buf, afc_size_t len)
{
	/* The folded sum is in memory order: as stored, its bytes are the big-endian checksum. */
	return be16_to_cpu((__force __be16)ip_compute_csum(buf, len));
}

void afk_cond_resched(void)
{
	cond_resched();
}

void afk_log(enum afc_log_level level, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	switch (level) {
	case AFC_LOG_ERR:
		pr_err("%pV", &vaf);
		break;
	case AFC_LOG_WARN:
		pr_warn("%pV", &vaf);
		break;
	default:
		pr_info("%pV", &vaf);
		break;
	}
	va_end(args);
}

void afk_warn(const char *file, int line)
{
	WARN(1, KBUILD_MODNAME ": core invariant broken at %s:%d, recovered\n", file, line);
}

void afk_bug(const char *file, int line)
{
	pr_crit("core invariant broken at %s:%d\n", file, line);
	BUG();
}
