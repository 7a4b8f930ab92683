// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace state: each network namespace gets the core's struct afc_net, the lock of its
 * socket table, and its /proc/net/af_custom and /proc/net/af_custom_stat files.
 */
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
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

void afk_rcu_read_lock(void)
{
	rcu_read_lock();
}

void afk_rcu_read_unlock(void)
{
	rcu_read_unlock();
}

void afk_seq_printf(struct seq_file *m, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	seq_vprintf(m, fmt, args);
	va_end(args);
}

/*
 * /proc/net/af_custom as a seq_file: each read() holds the namespace lock only while it fills
 * one buffer, and the core's cursor resumes where the last read stopped.
 */
struct afk_proc_iter {
	struct seq_net_private p;	/* first: seq_file_net() */
	struct afc_proc_cursor c;
};

static void *afk_proc_start(struct seq_file *m, loff_t *pos)
{
	struct afk_proc_iter *it = m->private;
	struct net *net = seq_file_net(m);

	afk_net_lock(net);
	return *pos ? afc_proc_seek(net, &it->c, *pos - 1) : SEQ_START_TOKEN;
}

/*
 * At each bucket's end the lock is let go and taken again (as udp_get_next moves from bucket to
 * bucket): seq_file's traverse() shows every line up to a far lseek() offset between one start
 * and one stop.
 */
static void *afk_proc_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct afk_proc_iter *it = m->private;
	struct net *net = seq_file_net(m);

	++*pos;
	if (v == SEQ_START_TOKEN)
		return afc_proc_seek(net, &it->c, 0);
	v = afc_proc_next(net, &it->c, v);
	if (!v && !afc_proc_done(&it->c)) {
		afk_net_unlock(net);
		cond_resched();
		afk_net_lock(net);
		v = afc_proc_seek(net, &it->c, *pos - 1);
	}
	return v;
}

static void afk_proc_stop(struct seq_file *m, void *v)
{
	afk_net_unlock(seq_file_net(m));
}

static int afk_proc_show(struct seq_file *m, void *v)
{
	struct afk_proc_iter *it = m->private;

	if (v == SEQ_START_TOKEN)
		afc_proc_header(m);
	else
		afc_proc_show(m, v, it->c.pos);
	return 0;
}

static const struct seq_operations afk_proc_sockets_ops = {
	.start = afk_proc_start,
	.next = afk_proc_next,
	.stop = afk_proc_stop,
	.show = afk_proc_show,
};

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
	if (!proc_create_net("af_custom", 0444, net->proc_net, &afk_proc_sockets_ops,
			     sizeof(struct afk_proc_iter)))
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
	remove_proc_entry("af_custom_stat", net->proc_net);
	remove_proc_entry("af_custom", net->proc_net);
}

/*
 * Socks are freed a grace period after their last reference (SOCK_RCU_FREE) and leave the
 * namespace's tables then; a kernel socket holds no namespace reference, so its free may still
 * be pending here: wait for it once per batch of namespaces.
 */
static void __net_exit afk_net_exit_batch(struct list_head *net_exit_list)
{
	struct net *net;

	rcu_barrier();
	list_for_each_entry(net, net_exit_list, exit_list)
		afc_net_free(afk_pernet(net)->core);
}

static struct pernet_operations afk_net_ops = {
	.init = afk_net_init,
	.exit = afk_net_exit,
	.exit_batch = afk_net_exit_batch,
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
