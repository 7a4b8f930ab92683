// SPDX-License-Identifier: GPL-2.0
/* Selftests: socket(2) on AF_CUSTOM — which types exist, what the new socket reports, and that
 * close(2) gives every reference back. */
#include <fcntl.h>
#include <sys/socket.h>
#include "../lib/afc.h"
#include "harness.h"

static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM };

static int getint(int fd, int opt)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, opt, &v, &len) < 0 || len != sizeof(v))
		return -1;
	return v;
}

TEST(create_and_close_each_type)
{
	for (unsigned int i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int fd = socket(afc_family(), types[i], 0);

		ASSERT_GE(fd, 0);
		EXPECT_EQ(close(fd), 0);
	}
}

TEST(new_socket_reports_type_domain_protocol)
{
	for (unsigned int i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int fd = socket(afc_family(), types[i], 0);

		ASSERT_GE(fd, 0);
		EXPECT_EQ(getint(fd, SO_TYPE), types[i]);
		EXPECT_EQ(getint(fd, SO_DOMAIN), afc_family());
		EXPECT_EQ(getint(fd, SO_PROTOCOL), 0);
		EXPECT_EQ(getint(fd, SO_ERROR), 0);
		close(fd);
	}
}

TEST(other_types_are_esocktnosupport)
{
	static const int bad[] = { SOCK_RAW, SOCK_RDM, SOCK_DCCP, SOCK_PACKET, 7, 9 };

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_ERRNO(socket(afc_family(), bad[i], 0), ESOCKTNOSUPPORT);
	}
}

TEST(nonzero_protocol_is_eprotonosupport)
{
	static const int protos[] = { 1, 6, 17, 255, 0x88b5 };

	for (unsigned int i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		for (unsigned int j = 0; j < sizeof(types) / sizeof(types[0]); j++) {
			EXPECT_ERRNO(socket(afc_family(), types[j], protos[i]), EPROTONOSUPPORT);
		}
}

TEST(nonblock_and_cloexec_flags_apply)
{
	int fd = socket(afc_family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	ASSERT_GE(fd, 0);
	EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

TEST(close_returns_every_module_reference)
{
	enum { N = 200 };
	int fds[N];
	long before = afc_module_refcnt_settled(0);	/* earlier cases' sockets gone */

	ASSERT_GE(before, 0);
	for (int i = 0; i < N; i++) {
		fds[i] = socket(afc_family(), types[i % 3], 0);
		ASSERT_GE(fds[i], 0);
	}
	EXPECT_GT(afc_module_refcnt(), before + N - 1);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	EXPECT_EQ(afc_module_refcnt_settled(before), before);
}

TEST_TIMEOUT(create_close_cycles, 60)
{
	long before = afc_module_refcnt_settled(0);

	for (int i = 0; i < 1500; i++) {
		int fd = socket(afc_family(), types[i % 3], 0);

		ASSERT_GE(fd, 0);
		ASSERT_EQ(close(fd), 0);
	}
	EXPECT_EQ(afc_module_refcnt_settled(before), before);
}

TEST(parameters_are_visible_in_sysfs)
{
	EXPECT_EQ(afc_param("family"), AF_CUSTOM);
	EXPECT_EQ(afc_param("ethertype"), AF_CUSTOM_ETHERTYPE);
}

TEST_HARNESS_MAIN
