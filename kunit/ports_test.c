// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: bind(2) rules and the port table (module/core/ports.cc, afc_bind): port 0 and the
 * ephemeral range running out, conflicts and SO_REUSEADDR, already bound, privileged ports,
 * malformed addresses.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include "afc_kunit.h"

#define PORT 41001

static int bind_addr(struct socket *sock, struct sockaddr_custom *a, int len)
{
	return kernel_bind(sock, (struct sockaddr *)a, len);
}

static unsigned short local_port(struct kunit *test, struct socket *sock)
{
	struct sockaddr_custom a;

	KUNIT_ASSERT_EQ(test, kernel_getsockname(sock, (struct sockaddr *)&a), (int)sizeof(a));
	return ntohs(a.scu_port);
}

static void port_zero_picks_a_free_ephemeral_port(struct kunit *test)
{
	struct socket *a = afc_kunit_socket(test, SOCK_DGRAM);
	struct socket *b = afc_kunit_socket(test, SOCK_DGRAM);

	KUNIT_ASSERT_EQ(test, afc_kunit_bind(a, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, afc_kunit_bind(b, 0, 0), 0);
	KUNIT_EXPECT_GE(test, local_port(test, a), 49152);
	KUNIT_EXPECT_GE(test, local_port(test, b), 49152);
	KUNIT_EXPECT_NE(test, local_port(test, a), local_port(test, b));
}

static void conflict_is_eaddrinuse(struct kunit *test)
{
	struct socket *a = afc_kunit_socket(test, SOCK_DGRAM);
	struct socket *b = afc_kunit_socket(test, SOCK_DGRAM);
	struct socket *c = afc_kunit_socket(test, SOCK_DGRAM);
	int ifindex = afc_kunit_dev(test)->ifindex;

	KUNIT_ASSERT_EQ(test, afc_kunit_bind(a, PORT, 0), 0);
	KUNIT_EXPECT_EQ(test, afc_kunit_bind(b, PORT, 0), -EADDRINUSE);
	/* Any interface overlaps a specific one. */
	KUNIT_EXPECT_EQ(test, afc_kunit_bind(c, PORT, ifindex), -EADDRINUSE);
	KUNIT_EXPECT_EQ(test, afc_kunit_bind(c, PORT + 1, ifindex), 0);
}

static void reuseaddr_shares_a_port_only_when_both_set_it(struct kunit *test)
{
	struct socket *a = afc_kunit_socket(test, SOCK_DGRAM);
	struct socket *b = afc_kunit_socket(test, SOCK_DGRAM);
	struct socket *c = afc_kunit_socket(test, SOCK_DGRAM);

	a->sk->sk_reuse = SK_CAN_REUSE;
	KUNIT_ASSERT_EQ(test, afc_kunit_bind(a, PORT, 0), 0);
	KUNIT_EXPECT_EQ(test, afc_kunit_bind(c, PORT, 0), -EADDRINUSE);	/* c did not set it */
	b->sk->sk_reuse = SK_CAN_REUSE;
	KUNIT_EXPECT_EQ(test, afc_kunit_bind(b, PORT, 0), 0);
}

static void port_is_free_again_after_close(struct kunit *test)
{
	struct socket *a, *b = afc_kunit_socket(test, SOCK_DGRAM);

	KUNIT_ASSERT_EQ(test, sock_create_kern(&init_net, afc_family(), SOCK_DGRAM, 0, &a), 0);
	KUNIT_EXPECT_EQ(test, afc_kunit_bind(a, PORT, 0), 0);
	sock_release(a);
	KUNIT_EXPECT_EQ(test, afc_kunit_bind(b, PORT, 0), 0);
}

static void already_bound_is_einval(struct kunit *test)
{
	struct socket *a = afc_kunit_socket(test, SOCK_DGRAM);

	KUNIT_ASSERT_EQ(test, afc_kunit_bind(a, PORT, 0), 0);
	KUNIT_EXPECT_EQ(test, afc_kunit_bind(a, PORT + 1, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, afc_kunit_bind(a, 0, 0), -EINVAL);
}

static void malformed_address_is_rejected(struct kunit *test)
{
	struct socket *a = afc_kunit_socket(test, SOCK_DGRAM);
	struct sockaddr_custom addr = afc_kunit_addr(PORT, 0);

	KUNIT_EXPECT_EQ(test, bind_addr(a, &addr, sizeof(addr) - 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, bind_addr(a, &addr, 2), -EINVAL);
	addr.scu_family = AF_INET;
	KUNIT_EXPECT_EQ(test, bind_addr(a, &addr, sizeof(addr)), -EINVAL);
	addr = afc_kunit_addr(PORT, 0);
	addr.scu_zero[1] = 1;
	KUNIT_EXPECT_EQ(test, bind_addr(a, &addr, sizeof(addr)), -EINVAL);
	addr = afc_kunit_addr(PORT, 12345);
	KUNIT_EXPECT_EQ(test, bind_addr(a, &addr, sizeof(addr)), -ENODEV);
	addr = afc_kunit_addr(PORT, -1);
	KUNIT_EXPECT_EQ(test, bind_addr(a, &addr, sizeof(addr)), -ENODEV);
	/* None of these bound it. */
	KUNIT_EXPECT_EQ(test, afc_kunit_bind(a, PORT, 0), 0);
}

static void privileged_port_needs_cap_net_bind_service(struct kunit *test)
{
	struct socket *a = afc_kunit_socket(test, SOCK_DGRAM);
	const struct cred *old;
	struct cred *cred = prepare_creds();
	int err;

	KUNIT_ASSERT_NOT_NULL(test, cred);
	cap_lower(cred->cap_effective, CAP_NET_BIND_SERVICE);
	old = override_creds(cred);
	err = afc_kunit_bind(a, AF_CUSTOM_PROT_SOCK - 1, 0);
	revert_creds(old);
	put_cred(cred);
	KUNIT_EXPECT_EQ(test, err, -EACCES);
	/* The failed bind left it unbound; with the capability (a kthread has it) it binds. */
	KUNIT_EXPECT_EQ(test, afc_kunit_bind(a, AF_CUSTOM_PROT_SOCK - 1, 0), 0);
}

static void ephemeral_range_runs_out(struct kunit *test)
{
	struct socket *s[5];
	int i;

	afc_net_set_ephemeral(&init_net, 60000, 60003);
	for (i = 0; i < 5; i++)
		s[i] = afc_kunit_socket(test, SOCK_DGRAM);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, afc_kunit_bind(s[i], 0, 0), 0);
		KUNIT_EXPECT_EQ(test, local_port(test, s[i]), 60000 + i);
	}
	KUNIT_EXPECT_EQ(test, afc_kunit_bind(s[4], 0, 0), -EADDRINUSE);
}

static int bind_fresh(struct kunit *test, unsigned short port)
{
	struct socket *c;
	int err;

	KUNIT_ASSERT_EQ(test, sock_create_kern(&init_net, afc_family(), SOCK_DGRAM, 0, &c), 0);
	err = afc_kunit_bind(c, port, 0);
	sock_release(c);
	return err;
}

/* A port shared with SO_REUSEADDR stays taken until its last socket closes. */
static void shared_port_is_free_only_after_its_last_socket(struct kunit *test)
{
	struct socket *a, *b;

	KUNIT_ASSERT_EQ(test, sock_create_kern(&init_net, afc_family(), SOCK_DGRAM, 0, &a), 0);
	KUNIT_ASSERT_EQ(test, sock_create_kern(&init_net, afc_family(), SOCK_DGRAM, 0, &b), 0);
	a->sk->sk_reuse = b->sk->sk_reuse = SK_CAN_REUSE;
	KUNIT_EXPECT_EQ(test, afc_kunit_bind(a, 60010, 0), 0);
	KUNIT_EXPECT_EQ(test, afc_kunit_bind(b, 60010, 0), 0);
	afc_net_set_ephemeral(&init_net, 60010, 60010);
	KUNIT_EXPECT_EQ(test, bind_fresh(test, 0), -EADDRINUSE);
	sock_release(a);
	KUNIT_EXPECT_EQ(test, bind_fresh(test, 0), -EADDRINUSE);	/* b still holds it */
	sock_release(b);
	KUNIT_EXPECT_EQ(test, bind_fresh(test, 0), 0);
}

static void ports_exit(struct kunit *test)
{
	afc_net_set_ephemeral(&init_net, 49152, 65535);
}

static struct kunit_case ports_cases[] = {
	KUNIT_CASE(port_zero_picks_a_free_ephemeral_port),
	KUNIT_CASE(conflict_is_eaddrinuse),
	KUNIT_CASE(reuseaddr_shares_a_port_only_when_both_set_it),
	KUNIT_CASE(port_is_free_again_after_close),
	KUNIT_CASE(already_bound_is_einval),
	KUNIT_CASE(malformed_address_is_rejected),
	KUNIT_CASE(privileged_port_needs_cap_net_bind_service),
	KUNIT_CASE(ephemeral_range_runs_out),
	KUNIT_CASE(shared_port_is_free_only_after_its_last_socket),
	{}
};

static struct kunit_suite ports_suite = {
	.name = "afc_ports",
	.exit = ports_exit,
	.test_cases = ports_cases,
};

kunit_test_suites(&ports_suite);
