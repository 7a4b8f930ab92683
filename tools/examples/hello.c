// SPDX-License-Identifier: GPL-2.0
/* Broadcast "hello" to port 7000 on interface argv[1]; `afc recv -i IFACE 7000` prints it. */
#include <stdio.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/af_custom.h>

int main(int argc, char **argv)
{
	struct sockaddr_custom to = { .scu_family = AF_CUSTOM, .scu_port = htons(7000),
				      .scu_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	int fd = socket(AF_CUSTOM, SOCK_DGRAM, 0);

	to.scu_ifindex = argc > 1 ? if_nametoindex(argv[1]) : 0;
	if (fd < 0 || sendto(fd, "hello", 5, 0, (struct sockaddr *)&to, sizeof(to)) != 5) {
		perror("hello");
		return 1;
	}
	return 0;
}
