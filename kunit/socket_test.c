// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the socket(2) argument checks and the lifetime of the core's socket object, driven
 * through the boundary (afc_sock_check) and through the kernel's own socket API.
 */
#include "afc_kunit.h"

MODULE_IMPORT_NS(AF_CUSTOM_KUNIT);

static const int supported_types[] = { SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM };

static void check_accepts_supported_types(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(supported_types); i++)
		KUNIT_EXPECT_EQ_MSG(test, afc_sock_check(supported_types[i], 0), 0,
				    "type %d", supported_types[i]);
}

static void check_rejects_other_types(struct kunit *test)
{
	static const int types[] = { SOCK_RAW, SOCK_RDM, SOCK_DCCP, SOCK_PACKET, 0, 7, -1, 1000 };
	int i;

	for (i = 0; i < ARRAY_SIZE(types); i++)
		KUNIT_EXPECT_EQ_MSG(test, afc_sock_check(types[i], 0), -ESOCKTNOSUPPORT,
				    "type %d", types[i]);
}

static void check_rejects_nonzero_protocol(struct kunit *test)
{
	static const int protocols[] = { 1, 6, 17, 255, 0x10000, -1 };
	int i, j;

	for (i = 0; i < ARRAY_SIZE(protocols); i++) {
		for (j = 0; j < ARRAY_SIZE(supported_types); j++)
			KUNIT_EXPECT_EQ_MSG(test, afc_sock_check(supported_types[j], protocols[i]),
					    -EPROTONOSUPPORT, "type %d protocol %d",
					    supported_types[j], protocols[i]);
		/* The protocol is checked before the type, as TIPC does. */
		KUNIT_EXPECT_EQ(test, afc_sock_check(SOCK_RAW, protocols[i]), -EPROTONOSUPPORT);
	}
}

static struct kunit_case sock_check_cases[] = {
	KUNIT_CASE(check_accepts_supported_types),
	KUNIT_CASE(check_rejects_other_types),
	KUNIT_CASE(check_rejects_nonzero_protocol),
	{}
};

static struct kunit_suite sock_check_suite = {
	.name = "afc_sock_check",
	.test_cases = sock_check_cases,
};

/* --- lifetime --------------------------------------------------------------------------- */

static int create(int type, struct socket **sock)
{
	return sock_create_kern(&init_net, afc_family(), type, 0, sock);
}

static void lifetime_create_release_each_type(struct kunit *test)
{
	long live = afc_kunit_live();
	struct socket *sock;
	int i;

	for (i = 0; i < ARRAY_SIZE(supported_types); i++) {
		KUNIT_ASSERT_EQ(test, create(supported_types[i], &sock), 0);
		KUNIT_EXPECT_EQ(test, afc_kunit_live(), live + 1);
		KUNIT_EXPECT_EQ(test, (int)sock->sk->sk_type, supported_types[i]);
		KUNIT_EXPECT_EQ(test, (int)sock->sk->sk_family, afc_family());
		KUNIT_EXPECT_EQ(test, (int)sock->sk->sk_protocol, 0);
		sock_release(sock);
		KUNIT_EXPECT_EQ(test, afc_kunit_live(), live);
	}
}

static void lifetime_rejected_create_allocates_nothing(struct kunit *test)
{
	long live = afc_kunit_live();
	struct socket *sock;

	KUNIT_EXPECT_EQ(test, create(SOCK_RAW, &sock), -ESOCKTNOSUPPORT);
	KUNIT_EXPECT_EQ(test, sock_create_kern(&init_net, afc_family(), SOCK_DGRAM, 1, &sock),
			-EPROTONOSUPPORT);
	KUNIT_EXPECT_EQ(test, afc_kunit_live(), live);
}

/* The core object lives as long as the struct sock, not as long as the file. */
static void lifetime_object_outlives_file_while_referenced(struct kunit *test)
{
	long live = afc_kunit_live();
	struct socket *sock;
	struct sock *sk;

	KUNIT_ASSERT_EQ(test, create(SOCK_DGRAM, &sock), 0);
	sk = sock->sk;
	sock_hold(sk);
	sock_release(sock);
	KUNIT_EXPECT_EQ(test, afc_kunit_live(), live + 1);
	KUNIT_EXPECT_TRUE(test, sock_flag(sk, SOCK_DEAD));
	sock_put(sk);
	KUNIT_EXPECT_EQ(test, afc_kunit_live(), live);
}

static void lifetime_allocation_failure_is_enomem(struct kunit *test)
{
	long live = afc_kunit_live();
	struct socket *sock;

	afc_fail_allocs(2);
	KUNIT_EXPECT_EQ(test, create(SOCK_STREAM, &sock), -ENOMEM);
	KUNIT_EXPECT_EQ(test, create(SOCK_SEQPACKET, &sock), -ENOMEM);
	KUNIT_EXPECT_EQ(test, afc_kunit_live(), live);
	/* Exactly two failed: the next one succeeds. */
	KUNIT_ASSERT_EQ(test, create(SOCK_DGRAM, &sock), 0);
	KUNIT_EXPECT_EQ(test, afc_kunit_live(), live + 1);
	sock_release(sock);
	KUNIT_EXPECT_EQ(test, afc_kunit_live(), live);
	afc_fail_allocs(0);
}

#define MANY 256

static void lifetime_many_sockets(struct kunit *test)
{
	long live = afc_kunit_live();
	struct socket **socks;
	int i;

	socks = kunit_kcalloc(test, MANY, sizeof(*socks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, socks);
	for (i = 0; i < MANY; i++)
		KUNIT_ASSERT_EQ(test, create(supported_types[i % 3], &socks[i]), 0);
	KUNIT_EXPECT_EQ(test, afc_kunit_live(), live + MANY);
	for (i = 0; i < MANY; i++)
		sock_release(socks[i]);
	KUNIT_EXPECT_EQ(test, afc_kunit_live(), live);
}

static void lifetime_exit(struct kunit *test)
{
	afc_fail_allocs(0);	/* never leak injected failures into the next case */
}

static struct kunit_case lifetime_cases[] = {
	KUNIT_CASE(lifetime_create_release_each_type),
	KUNIT_CASE(lifetime_rejected_create_allocates_nothing),
	KUNIT_CASE(lifetime_object_outlives_file_while_referenced),
	KUNIT_CASE(lifetime_allocation_failure_is_enomem),
	KUNIT_CASE(lifetime_many_sockets),
	{}
};

static struct kunit_suite lifetime_suite = {
	.name = "afc_sock_lifetime",
	.exit = lifetime_exit,
	.test_cases = lifetime_cases,
};

kunit_test_suites(&sock_check_suite, &lifetime_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("af_custom KUnit suites");
