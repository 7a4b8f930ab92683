// SPDX-License-Identifier: GPL-2.0
/*
 * Selftests: the module's life — rmmod refused while a socket is open, allowed after the last
 * close; load-time errors for a taken or out-of-range family and a bad EtherType; a failure
 * injected at each init step (fault_init_step=) unwinds completely.
 * Usage: module_test [harness options] [/path/to/af_custom.ko]   (default /afc/af_custom.ko; the
 * module is loaded with defaults at the end)
 */
#include <fcntl.h>
#include <sys/klog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "../lib/afc.h"
#define AFC_OPERAND (&module_path)	/* the module's path */
#include "harness.h"

static const char *module_path = "/afc/af_custom.ko";

static int load(const char *params)
{
	int fd = open(module_path, O_RDONLY | O_CLOEXEC);
	int ret, err;

	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, params, 0);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

static int unload(void)
{
	return syscall(SYS_delete_module, "af_custom", O_NONBLOCK);
}

/*
 * After the last close: a socket's memory, and the module reference it holds, go one RCU grace
 * period after its last reference (SOCK_RCU_FREE), so rmmod may be refused for that long.
 * Tries for up to 5 s.
 */
static int unload_when_idle(void)
{
	for (int i = 0; i < 100; i++) {
		if (unload() == 0)
			return 0;
		if (errno != EWOULDBLOCK)
			return -1;
		usleep(50 * 1000);
	}
	return unload();
}

static int loaded(void)
{
	struct stat st;

	return stat(AFC_SYSFS, &st) == 0;
}

static void ensure_loaded_default(struct __test_metadata *_metadata)
{
	if (loaded() && afc_param("family") == AF_CUSTOM)
		return;
	if (loaded()) {
		ASSERT_EQ(unload_when_idle(), 0);
	}
	ASSERT_EQ(load(""), 0);
}

static void ensure_unloaded(struct __test_metadata *_metadata)
{
	if (loaded()) {
		ASSERT_EQ(unload_when_idle(), 0);
	}
	ASSERT_TRUE(!loaded());
}

/* Does the kernel log, since it was last cleared, contain `what`? */
static int klog_contains(const char *what)
{
	static char buf[1 << 20];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf) - 1);

	if (n < 0)
		return 0;
	buf[n] = '\0';
	return strstr(buf, what) != NULL;
}

TEST(rmmod_refused_while_a_socket_is_open)
{
	int fd;

	ensure_loaded_default(_metadata);
	fd = socket(AF_CUSTOM, SOCK_DGRAM, 0);
	ASSERT_GE(fd, 0);
	EXPECT_ERRNO(unload(), EWOULDBLOCK);
	EXPECT_TRUE(loaded());
	close(fd);
}

TEST(rmmod_succeeds_after_last_close)
{
	int fds[3];

	ensure_loaded_default(_metadata);
	for (int i = 0; i < 3; i++) {
		fds[i] = socket(AF_CUSTOM, (int[]){ SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM }[i],
				0);
		ASSERT_GE(fds[i], 0);
	}
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	ASSERT_EQ(unload_when_idle(), 0);
	EXPECT_TRUE(!loaded());
	/* The family is gone with the module (no modprobe in the VM to load it back). */
	EXPECT_ERRNO(socket(AF_CUSTOM, SOCK_DGRAM, 0), EAFNOSUPPORT);
	ensure_loaded_default(_metadata);
}

TEST(taken_family_fails_the_load_with_a_message)
{
	ensure_unloaded(_metadata);
	klogctl(5 /* SYSLOG_ACTION_CLEAR */, NULL, 0);
	EXPECT_ERRNO(load("family=1"), EEXIST);	/* AF_UNIX */
	EXPECT_TRUE(!loaded());
	EXPECT_TRUE(klog_contains("af_custom: address family 1 is already registered"));
	ensure_loaded_default(_metadata);
}

TEST(out_of_range_family_fails_the_load)
{
	ensure_unloaded(_metadata);
	EXPECT_ERRNO(load("family=0"), EINVAL);
	EXPECT_ERRNO(load("family=46"), EINVAL);
	EXPECT_ERRNO(load("family=-3"), EINVAL);
	EXPECT_TRUE(!loaded());
	ensure_loaded_default(_metadata);
}

TEST(bad_ethertype_fails_the_load)
{
	ensure_unloaded(_metadata);
	EXPECT_ERRNO(load("ethertype=0x5ff"), EINVAL);
	EXPECT_ERRNO(load("ethertype=0x10000"), EINVAL);
	EXPECT_ERRNO(load("ethertype=banana"), EINVAL);
	EXPECT_TRUE(!loaded());
	ensure_loaded_default(_metadata);
}

TEST(other_family_and_ethertype_can_be_chosen)
{
	int fd, v = -1;
	socklen_t len = sizeof(v);

	ensure_unloaded(_metadata);
	ASSERT_EQ(load("family=18 ethertype=0x88b6"), 0);
	EXPECT_EQ(afc_param("family"), 18);
	EXPECT_EQ(afc_param("ethertype"), 0x88b6);
	fd = socket(18, SOCK_SEQPACKET, 0);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len), 0);
	EXPECT_EQ(v, 18);
	close(fd);
	EXPECT_ERRNO(socket(AF_CUSTOM, SOCK_DGRAM, 0), EAFNOSUPPORT);
	ensure_loaded_default(_metadata);
}

/*
 * fault_init_step=N makes init step N fail with ENOMEM after steps 1..N-1 succeeded; the load
 * fails and leaves nothing behind: no family (the family is registered last), no
 * /proc/net/af_custom, and the kernel log names the injected step.  Then a normal load works.
 */
TEST(fault_injected_at_each_init_step_fails_the_load_and_leaves_nothing)
{
	/* Step N's name as the log gives it (the notifier step matched by its last word). */
	static const char *const steps[] = { "proto_register", "pernet", "notifier",
					     "gso_offload", "sock_register" };
	struct stat st;
	char params[32];
	int fd;

	for (int n = 1; n <= (int)(sizeof(steps) / sizeof(steps[0])); n++) {
		ensure_unloaded(_metadata);
		klogctl(5 /* SYSLOG_ACTION_CLEAR */, NULL, 0);
		snprintf(params, sizeof(params), "fault_init_step=%d", n);
		printf("# %s (%s)\n", params, steps[n - 1]);
		EXPECT_ERRNO(load(params), ENOMEM);
		EXPECT_TRUE(!loaded());
		/* No modprobe configuration in the VM: nothing loads the module back. */
		fd = socket(AF_CUSTOM, SOCK_DGRAM, 0);
		if (fd >= 0) {
			close(fd);
			EXPECT_LT(fd, 0)
				TH_LOG("socket(AF_CUSTOM) succeeded after the failed load");
		} else {
			EXPECT_EQ(errno, EAFNOSUPPORT);
		}
		errno = 0;
		EXPECT_EQ(stat("/proc/net/af_custom", &st), -1);
		EXPECT_EQ(errno, ENOENT);
		EXPECT_TRUE(klog_contains("injected"));
		EXPECT_TRUE(klog_contains(steps[n - 1]));
	}
	ensure_unloaded(_metadata);
	ASSERT_EQ(load(""), 0);
	fd = socket(AF_CUSTOM, SOCK_DGRAM, 0);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(close(fd), 0);
	EXPECT_EQ(stat("/proc/net/af_custom", &st), 0);
	ensure_loaded_default(_metadata);
}

TEST(fault_init_step_zero_is_a_normal_load)
{
	int fd;

	ensure_unloaded(_metadata);
	klogctl(5 /* SYSLOG_ACTION_CLEAR */, NULL, 0);
	ASSERT_EQ(load("fault_init_step=0"), 0);
	/* The module knows the parameter (the kernel ignores unknown ones with a warning). */
	EXPECT_TRUE(!klog_contains("unknown parameter"));
	fd = socket(AF_CUSTOM, SOCK_DGRAM, 0);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(close(fd), 0);
	ensure_loaded_default(_metadata);
}

TEST_HARNESS_MAIN
