/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small selftest harness: TEST(name) { ... } registers a case; each case runs in its own child
 * process with a time limit; results are printed as KTAP ("ok N name" / "not ok N name").
 * A failed ASSERT ends the case; a failed EXPECT marks it failed and goes on.
 */
#ifndef AFC_HARNESS_H
#define AFC_HARNESS_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define AFC_MAX_TESTS 128
#define AFC_TEST_TIMEOUT 60
#define AFC_SKIP_STATUS 4

struct afc_test {
	const char *name;
	void (*fn)(void);
};

static struct afc_test afc_tests[AFC_MAX_TESTS];
static int afc_ntests;
static int afc_failed_expect;

#define TEST(name)							\
	static void name(void);						\
	__attribute__((constructor)) static void afc_register_##name(void)	\
	{								\
		if (afc_ntests < AFC_MAX_TESTS)				\
			afc_tests[afc_ntests++] = (struct afc_test){ #name, name }; \
	}								\
	static void name(void)

#define AFC_FAIL(fatal, fmt, ...)						\
	do {									\
		printf("# %s:%d: " fmt "\n", __FILE__, __LINE__, ##__VA_ARGS__); \
		fflush(stdout);							\
		if (fatal)							\
			exit(1);						\
		afc_failed_expect = 1;						\
	} while (0)

#define AFC_CMP(fatal, a, op, b)						\
	do {									\
		long long _a = (long long)(a), _b = (long long)(b);		\
		if (!(_a op _b))						\
			AFC_FAIL(fatal, "%s %s %s: %lld vs %lld (errno %d %s)",	\
				 #a, #op, #b, _a, _b, errno, strerror(errno));	\
	} while (0)

#define ASSERT_EQ(a, b) AFC_CMP(1, a, ==, b)
#define ASSERT_NE(a, b) AFC_CMP(1, a, !=, b)
#define ASSERT_GE(a, b) AFC_CMP(1, a, >=, b)
#define ASSERT_GT(a, b) AFC_CMP(1, a, >, b)
#define EXPECT_EQ(a, b) AFC_CMP(0, a, ==, b)
#define EXPECT_NE(a, b) AFC_CMP(0, a, !=, b)
#define EXPECT_GT(a, b) AFC_CMP(0, a, >, b)
#define EXPECT_GE(a, b) AFC_CMP(0, a, >=, b)
#define EXPECT_LE(a, b) AFC_CMP(0, a, <=, b)
#define ASSERT_TRUE(c) AFC_CMP(1, !!(c), ==, 1)
#define EXPECT_TRUE(c) AFC_CMP(0, !!(c), ==, 1)

/* `call` must fail with -1 and errno == err. */
#define AFC_ERRNO(fatal, call, err)						\
	do {									\
		errno = 0;							\
		long long _r = (long long)(call);				\
		int _e = errno;							\
		if (_r != -1 || _e != (err))					\
			AFC_FAIL(fatal, "%s: returned %lld errno %d (%s), want -1 errno %d (%s)", \
				 #call, _r, _e, strerror(_e), err, strerror(err)); \
	} while (0)
#define ASSERT_ERRNO(call, err) AFC_ERRNO(1, call, err)
#define EXPECT_ERRNO(call, err) AFC_ERRNO(0, call, err)

#define SKIP(fmt, ...)								\
	do {									\
		printf("# SKIP " fmt "\n", ##__VA_ARGS__);			\
		fflush(stdout);							\
		exit(AFC_SKIP_STATUS);						\
	} while (0)

static int afc_run_one(const struct afc_test *t)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		alarm(AFC_TEST_TIMEOUT);
		t->fn();
		exit(afc_failed_expect ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	if (WIFSIGNALED(status)) {
		printf("# %s: killed by signal %d%s\n", t->name, WTERMSIG(status),
		       WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
		return -1;
	}
	return WEXITSTATUS(status);
}

/* Runs every registered case, prints KTAP; returns the process exit status. */
static int afc_run_tests(void)
{
	int i, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n1..%d\n", afc_ntests);
	for (i = 0; i < afc_ntests; i++) {
		int rc = afc_run_one(&afc_tests[i]);

		if (rc == AFC_SKIP_STATUS) {
			printf("ok %d %s # SKIP\n", i + 1, afc_tests[i].name);
		} else if (rc == 0) {
			printf("ok %d %s\n", i + 1, afc_tests[i].name);
		} else {
			printf("not ok %d %s\n", i + 1, afc_tests[i].name);
			failed++;
		}
	}
	return failed ? 1 : 0;
}

#define AFC_MAIN \
	int main(void) { return afc_run_tests(); }

#endif
