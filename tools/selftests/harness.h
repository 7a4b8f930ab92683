/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The selftests use the kernel's harness, tools/testing/selftests/kselftest_harness.h, taken from
 * Debian's linux-source-6.1 at build time (scripts/kernel-tools.sh; tools/Makefile puts its
 * directory on the include path): TEST, FIXTURE / TEST_F, ASSERT_* / EXPECT_*, TH_LOG,
 * SKIP(statement, fmt), a child process per case with a time limit (30 s unless the case says
 * otherwise), TAP 13 / KTAP output.  This file holds only what the project adds on top:
 *
 *   ASSERT_ERRNO(call, err) / EXPECT_ERRNO(call, err)
 *	`call` must fail with -1 and errno == err.
 *   TEST_TIMEOUT(name, seconds)
 *	TEST(name) with its own time limit (6.1 has TEST_F_TIMEOUT for fixtures only).
 *   afc_thread_begin(md) / afc_thread_end(_metadata, md)
 *	checks in a thread of a case (ASSERT must not longjmp across threads).
 *   TEST_HARNESS_MAIN
 *	6.1's, with the case selection options of later kernels' harness (6.1 ignores its
 *	arguments): -l lists the cases; -t/-T NAME, -f/-F FIXTURE, -v/-V VARIANT include or
 *	exclude, -r FIXTURE.[VARIANT.]NAME runs one case.  Names match exactly; the first
 *	option that matches decides; without an including option every case is in; without
 *	any option, 6.1's own test_harness_run() runs them.  A
 *	program that takes an operand after the options (module_test: the module's path)
 *	defines AFC_OPERAND to the address of a `const char *` before including this file.
 *	stdout is line-buffered, so that a case's printf() lines survive the _exit() that ends
 *	its child.
 *   AFC_MAIN
 *	the old harness's name for TEST_HARNESS_MAIN.
 */
#ifndef AFC_HARNESS_H
#define AFC_HARNESS_H

#include <ctype.h>
#include <setjmp.h>
#include <signal.h>
#include "kselftest_harness.h"

/* `call` must fail with -1 and errno == err. */
#define __AFC_ERRNO(call, err, _assert) do {					\
	errno = 0;								\
	long long __r = (long long)(call);					\
	int __e = errno, __want = (err);					\
	if (_assert)								\
		__INC_STEP(_metadata);						\
	if (__r != -1 || __e != __want) {					\
		__TH_LOG("%s: returned %lld errno %d (%s), want -1 errno %d (%s)", \
			 #call, __r, __e, strerror(__e), __want, strerror(__want)); \
		_metadata->passed = 0;						\
		_metadata->trigger = 1;						\
	}									\
} while (0); OPTIONAL_HANDLER(_assert)

#define ASSERT_ERRNO(call, err) __AFC_ERRNO(call, err, 1)
#define EXPECT_ERRNO(call, err) __AFC_ERRNO(call, err, 0)

/*
 * TEST(test_name) whose time limit is `seconds`: the registration TEST() makes is a static
 * object; declared first, a constructor can set its timeout.
 */
#define TEST_TIMEOUT(test_name, seconds)					\
	static struct __test_metadata _##test_name##_object;			\
	static void __attribute__((constructor))				\
	_afc_timeout_##test_name(void)						\
	{									\
		_##test_name##_object.timeout = (seconds);			\
	}									\
	TEST(test_name)

/*
 * ASSERT_* longjmp()s back to the case's own stack, which another thread must not do.  A thread
 * that checks things works on a copy of the case's metadata (md = *_metadata, made before the
 * thread starts) and calls afc_thread_begin(md) first: a failed ASSERT there aborts the whole
 * case, which the harness reports as failed.  afc_thread_end() after the join hands a failed
 * EXPECT back to the case.
 */
#define afc_thread_begin(md) do {						\
	if (setjmp((md)->env))							\
		abort();							\
} while (0)

static inline void afc_thread_end(struct __test_metadata *_metadata,
				  const struct __test_metadata *md)
{
	if (!md->passed)
		_metadata->passed = 0;
}

/* Is case t of fixture f, variant v selected by the options?  (Later kernels' test_enabled().) */
static bool afc_selected(int argc, char **argv, const struct __fixture_metadata *f,
			 const struct __fixture_variant_metadata *v,
			 const struct __test_metadata *t)
{
	char full[512];
	bool positive = false;
	int opt;

	snprintf(full, sizeof(full), "%s.%s%s%s", f->name, v->name, v->name[0] ? "." : "",
		 t->name);
	optind = 1;
	while ((opt = getopt(argc, argv, "+lht:T:f:F:v:V:r:")) != -1) {
		const char *name = NULL;

		switch (tolower(opt)) {
		case 't':
			name = t->name;
			break;
		case 'f':
			name = f->name;
			break;
		case 'v':
			name = v->name;
			break;
		case 'r':
			name = full;
			break;
		default:
			continue;
		}
		positive |= islower(opt);
		if (!strcmp(name, optarg))
			return islower(opt);
	}
	return !positive;
}

static int afc_harness_usage(const char *prog, int status)
{
	fprintf(stderr,
		"usage: %s [-l] [-t|-T NAME] [-f|-F FIXTURE] [-v|-V VARIANT] [-r FIXTURE.NAME]...%s\n"
		"  -l          list the cases (FIXTURE.[VARIANT.]NAME)\n"
		"  -t/-T NAME  include/exclude the cases named NAME\n"
		"  -f/-F NAME  include/exclude the cases of fixture NAME (TEST() cases: global)\n"
		"  -v/-V NAME  include/exclude the cases of variant NAME\n"
		"  -r NAME     include the case FIXTURE.[VARIANT.]NAME\n"
		"The first option that matches a case decides; without -t, -f, -v or -r every\n"
		"case not excluded runs.\n", prog,
#ifdef AFC_OPERAND
		" [OPERAND]"
#else
		""
#endif
		);
	return status;
}

/* 6.1's test_harness_run(), running only the selected cases (all of them without options). */
static int afc_harness_run(int argc, char **argv, const char **operand)
{
	struct __fixture_variant_metadata no_variant = { .name = "", };
	struct __fixture_variant_metadata *v;
	struct __fixture_metadata *f;
	struct __test_results *results;
	struct __test_metadata *t;
	unsigned int case_count = 0, test_count = 0, count = 0, pass_count = 0;
	bool list = false, selecting = false;
	int opt, ret = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "+lht:T:f:F:v:V:r:")) != -1) {
		if (opt == 'l')
			list = true;
		else if (opt == 'h')
			return afc_harness_usage(argv[0], KSFT_PASS);
		else if (opt == '?')
			return afc_harness_usage(argv[0], KSFT_FAIL);
		else
			selecting = true;
	}
	if (optind < argc && operand)
		*operand = argv[optind++];
	if (optind < argc)
		return afc_harness_usage(argv[0], KSFT_FAIL);
	/* Every case: the kernel's own runner. */
	if (!list && !selecting)
		return test_harness_run(argc, argv);

	for (f = __fixture_list; f; f = f->next) {
		for (v = f->variant ?: &no_variant; v; v = v->next) {
			bool any = false;

			for (t = f->tests; t; t = t->next) {
				if (!afc_selected(argc, argv, f, v, t))
					continue;
				if (list)
					printf("%s.%s%s%s\n", f->name, v->name,
					       v->name[0] ? "." : "", t->name);
				any = true;
				test_count++;
			}
			case_count += any;
		}
	}
	if (list)
		return KSFT_PASS;

	results = mmap(NULL, sizeof(*results), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ksft_print_header();
	ksft_set_plan(test_count);
	ksft_print_msg("Starting %u tests from %u test cases.\n", test_count, case_count);
	for (f = __fixture_list; f; f = f->next) {
		for (v = f->variant ?: &no_variant; v; v = v->next) {
			for (t = f->tests; t; t = t->next) {
				if (!afc_selected(argc, argv, f, v, t))
					continue;
				count++;
				t->results = results;
				__run_test(f, v, t);
				t->results = NULL;
				if (t->passed)
					pass_count++;
				else
					ret = 1;
			}
		}
	}
	munmap(results, sizeof(*results));

	ksft_print_msg("%s: %u / %u tests passed.\n", ret ? "FAILED" : "PASSED", pass_count, count);
	ksft_exit(ret == 0);
	return KSFT_FAIL;	/* not reached */
}

#ifndef AFC_OPERAND
#define AFC_OPERAND NULL
#endif

#undef TEST_HARNESS_MAIN
#define TEST_HARNESS_MAIN							\
	static void __attribute__((constructor))				\
	__constructor_order_last(void)						\
	{									\
		if (!__constructor_order)					\
			__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;	\
	}									\
	int main(int argc, char **argv)						\
	{									\
		return afc_harness_run(argc, argv, AFC_OPERAND);		\
	}

#define AFC_MAIN TEST_HARNESS_MAIN

#endif
