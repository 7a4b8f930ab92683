// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace state: each network namespace gets the core's struct afc_net, the lock of its
 * socket table, and its /proc/net/af_custom and /proc/net/af_custom_stat files.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <af_custom/boundary.h>

struct afk_pernet {
	spinlock_t lock;		/* the core's socket table */
	struct afc_net *core;
};

static unsigned int afk_net_id;

static struct afk_pernet *afk_pernet(const struct net *net)
{
	return net_generic(net, afk_net_id);
}

struct afc_net *afk_net_core(const struct net *net)
{
	return afk_pernet(net)->core;
}

void afk_net_lock(const struct net *net)
{
	spin_lock_bh(&afk_pernet(net)->lock);
}

void afk_net_unlock(const struct net *net)
{
	spin_unlock_bh(&afk_pernet(net)->lock);
}

void afk_seq_printf(struct seq_file *m, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	seq_vprintf(m, fmt, args);
	va_end(args);
}

static int afk_proc_sockets_show(struct seq_file *m, void *v)
{
	afc_proc_sockets(seq_file_single_net(m), m);
	return 0;
}

static int afk_proc_stat_show(struct seq_file *m, void *v)
{
	afc_proc_stat(seq_file_single_net(m), m);
	return 0;
}

static int __net_init afk_net_init(struct net *net)
{
	struct afk_pernet *p = afk_pernet(net);

	spin_lock_init(&p->lock);
	p->core = afc_net_new(net);
	if (!p->core)
		return -ENOMEM;
	if (!proc_create_net_single("af_custom", 0444, net->proc_net, afk_proc_sockets_show, NULL))
		goto err;
	if (!proc_create_net_single("af_custom_stat", 0444, net->proc_net, afk_proc_stat_show,
				    NULL))
		goto err_proc;
	return 0;

err_proc:
	remove_proc_entry("af_custom", net->proc_net);
err:
	afc_net_free(p->core);
	return -ENOMEM;
}

static void __net_exit afk_net_exit(struct net *net)
{
	struct afk_pernet *p = afk_pernet(net);

	remove_proc_entry("af_custom_stat", net->proc_net);
	remove_proc_entry("af_custom", net->proc_net);
	afc_net_free(p->core);
}

static struct pernet_operations afk_net_ops = {
	.init = afk_net_init,
	.exit = afk_net_exit,
	.id = &afk_net_id,
	.size = sizeof(struct afk_pernet),
};

int afk_pernet_register(void)
{
	return register_pernet_subsys(&afk_net_ops);
}

void afk_pernet_unregister(void)
{
	unregister_pernet_subsys(&afk_net_ops);
}
