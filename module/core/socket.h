// SPDX-License-Identifier: GPL-2.0
//
// The core's per-socket object.  The shims bind one to each struct sock (module/shim/socket.c);
// the core owns it: created by afc_sock_new, freed from the sock's destructor by afc_sock_free.
#pragma once

#include "runtime.h"

struct afc_sock {
	explicit afc_sock(int type) : type(type) {}
	afc_sock(const afc_sock &) = delete;
	afc_sock &operator=(const afc_sock &) = delete;

	const int type;
	struct sock *sk = nullptr;	// the kernel socket this object is bound to
	bool released = false;		// the owning file was closed
};

namespace afc {
using Socket = ::afc_sock;
} // namespace afc
