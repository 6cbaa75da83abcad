/* SPDX-License-Identifier: MIT */
/*
 * kvm.c - the probe's VMM (vmm.h): one VM, one vCPU, one memory slot,
 * driven by KVM's ioctls; KVM's statistics read from its binary stats
 * files.
 *
 * Called by probe.c on the calling thread (which the probe pins). A call
 * into the guest runs KVM_RUN until the guest rings DOORBELL_DONE; rings
 * of DOORBELL_NOP return at once, of DOORBELL_CR3 switch CR3 between the
 * image's two roots. Anything else (a shutdown after an exception, an MMIO access,
 * an internal error) stops the call with its reason. A watchdog (a
 * one-shot SIGALRM without SA_RESTART) interrupts KVM_RUN when a call runs
 * too long; the vCPU is then never entered again.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "tpt/probe/loops.h"
#include "tpt/probe/probe.h"
#include "tpt/probe/vmm.h"

void vmm_available(char *why, size_t len)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "/dev/kvm: %s", strerror(errno));
		return;
	}
	int ver = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (ver != KVM_API_VERSION)
		snprintf(why, len, "/dev/kvm: API version %d, not %d", ver, KVM_API_VERSION);
	else if (ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) <= 0)
		snprintf(why, len, "/dev/kvm: no binary statistics (KVM_CAP_BINARY_STATS_FD)");
	else
		why[0] = 0;
	close(fd);
}

static int sys_fail(struct tpt_err *e, const char *what)
{
	return tpt_fail(e, "probe VM: %s: %s", what, strerror(errno));
}

/* Guest memory, 2 MiB aligned in the host so THP can back it (or is kept
 * from it), and the guest's image in it. */
static int vmm_memory(struct vmm *v, uint64_t buffer_size, unsigned buffer_shift, struct tpt_err *e)
{
	v->mem_size = guest_mem_size(buffer_size);
	v->map_size = v->mem_size + 2 * MiB;
	v->map = mmap(NULL, v->map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		      -1, 0);
	if (v->map == MAP_FAILED) {
		v->map = NULL;
		return sys_fail(e, "guest memory");
	}
	v->mem = (uint8_t *)tpt_align_up((uint64_t)(uintptr_t)v->map, 2 * MiB);
	if (madvise(v->mem, v->mem_size, v->thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		return sys_fail(e, v->thp ? "madvise(MADV_HUGEPAGE)" : "madvise(MADV_NOHUGEPAGE)");
	return guest_build(&v->g, v->mem, v->mem_size, buffer_size, buffer_shift, e);
}

/* The VM with its memory slot, its one vCPU, and the vCPU's kvm_run. */
static int vmm_create(struct vmm *v, struct tpt_err *e)
{
	if ((v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC)) < 0)
		return sys_fail(e, "/dev/kvm");
	if ((v->vm = ioctl(v->kvm, KVM_CREATE_VM, 0)) < 0)
		return sys_fail(e, "KVM_CREATE_VM");
	struct kvm_userspace_memory_region slot = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = v->mem_size,
		.userspace_addr = (uint64_t)(uintptr_t)v->mem,
	};
	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &slot))
		return sys_fail(e, "KVM_SET_USER_MEMORY_REGION");
	if ((v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0)) < 0)
		return sys_fail(e, "KVM_CREATE_VCPU");
	int sz = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0)
		return sys_fail(e, "KVM_GET_VCPU_MMAP_SIZE");
	v->run_size = (size_t)sz;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return sys_fail(e, "mapping kvm_run");
	}
	return 0;
}

/* The vCPU: CPUID as the host reports it, so the guest sees a sane CPU,
 * and the guest image's registers (64-bit, CPL3). */
static int vmm_cpu(struct vmm *v, struct tpt_err *e)
{
	enum { NENT = 256 };
	struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) + NENT * sizeof(struct kvm_cpuid_entry2));
	if (!cpuid)
		return tpt_fail_mem(e, "probe VM: out of memory");
	cpuid->nent = NENT;
	int set = ioctl(v->kvm, KVM_GET_SUPPORTED_CPUID, cpuid) == 0 ? ioctl(v->vcpu, KVM_SET_CPUID2, cpuid) : 0;
	free(cpuid);
	if (set)
		return sys_fail(e, "KVM_SET_CPUID2");
	struct kvm_sregs sregs;
	if (ioctl(v->vcpu, KVM_GET_SREGS, &sregs))
		return sys_fail(e, "KVM_GET_SREGS");
	guest_sregs(&v->g, &sregs);
	if (ioctl(v->vcpu, KVM_SET_SREGS, &sregs))
		return sys_fail(e, "KVM_SET_SREGS (a 64-bit CPL3 guest)");
	return 0;
}

/* The in-kernel doorbell (a store there signals an eventfd and returns)
 * and the VM's and vCPU's statistics. */
static int vmm_doorbell(struct vmm *v, struct tpt_err *e)
{
	if ((v->eventfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
		return sys_fail(e, "eventfd");
	struct kvm_ioeventfd io = {.addr = v->g.doorbell_gpa + DOORBELL_KERNEL, .len = 1, .fd = v->eventfd};
	if (ioctl(v->vm, KVM_IOEVENTFD, &io))
		return sys_fail(e, "KVM_IOEVENTFD");
	if ((v->stats_vm = ioctl(v->vm, KVM_GET_STATS_FD, 0)) < 0 ||
	    (v->stats_vcpu = ioctl(v->vcpu, KVM_GET_STATS_FD, 0)) < 0)
		return sys_fail(e, "KVM_GET_STATS_FD");
	return 0;
}

int vmm_open(struct vmm *v, uint64_t buffer_size, unsigned buffer_shift, bool thp, struct tpt_err *e)
{
	memset(v, 0, sizeof(*v));
	v->kvm = v->vm = v->vcpu = v->stats_vm = v->stats_vcpu = v->eventfd = -1;
	v->thp = thp;
	if (vmm_memory(v, buffer_size, buffer_shift, e) || vmm_create(v, e) || vmm_cpu(v, e) ||
	    vmm_doorbell(v, e)) {
		vmm_close(v);
		return -1;
	}
	return 0;
}

void vmm_close(struct vmm *v)
{
	int *fds[] = {&v->stats_vcpu, &v->stats_vm, &v->vcpu, &v->vm, &v->kvm, &v->eventfd};
	if (v->run)
		munmap(v->run, v->run_size);
	v->run = NULL;
	for (size_t i = 0; i < ARRAY_LEN(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	guest_destroy(&v->g);
	if (v->map)
		munmap(v->map, v->map_size);
	v->map = NULL;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static const char *exit_name(uint32_t r)
{
	switch (r) {
	case KVM_EXIT_SHUTDOWN: return "shutdown (the guest took an exception it cannot handle)";
	case KVM_EXIT_MMIO: return "an MMIO access outside the doorbell";
	case KVM_EXIT_HLT: return "HLT";
	case KVM_EXIT_FAIL_ENTRY: return "a failed VM entry";
	case KVM_EXIT_INTERNAL_ERROR: return "a KVM internal error";
	case KVM_EXIT_IO: return "port I/O";
	default: return "an unexpected exit";
	}
}

static int switch_cr3(struct vmm *v, struct tpt_err *e)
{
	struct kvm_sregs s;
	if (ioctl(v->vcpu, KVM_GET_SREGS, &s))
		return sys_fail(e, "KVM_GET_SREGS");
	s.cr3 = s.cr3 == v->g.root ? v->g.root2 : v->g.root;
	if (ioctl(v->vcpu, KVM_SET_SREGS, &s))
		return sys_fail(e, "KVM_SET_SREGS (CR3)");
	v->cr3_switches++;
	return 0;
}

int vmm_call(struct vmm *v, const void *fn, const uint64_t args[5], unsigned timeout_ms,
	     uint64_t *ret, uint64_t *ns, struct tpt_err *e)
{
	if (v->vcpu < 0)
		return tpt_fail(e, "probe VM: the guest was stopped before");
	struct kvm_regs r = {0};
	r.rip = guest_fn(&v->g, probe_guest_entry);
	r.rax = guest_fn(&v->g, fn);
	r.rdi = args[0];
	r.rsi = args[1];
	r.rdx = args[2];
	r.rcx = args[3];
	r.r8 = args[4];
	r.rsp = GUEST_STACK_TOP;
	r.rflags = GUEST_RFLAGS;
	if (ioctl(v->vcpu, KVM_SET_REGS, &r))
		return sys_fail(e, "KVM_SET_REGS");
	struct sigaction sa = {.sa_handler = on_alarm}, old;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	struct itimerval it = {.it_value = {timeout_ms / 1000, (timeout_ms % 1000) * 1000}};
	setitimer(ITIMER_REAL, &it, NULL);
	int rc = 0;
	uint64_t t0 = sample_now_ns();
	for (;;) {
		if (ioctl(v->vcpu, KVM_RUN, 0)) {
			if (errno == EINTR || errno == EAGAIN) {
				if (sample_now_ns() - t0 < (uint64_t)timeout_ms * 1000000ULL)
					continue;
				rc = tpt_fail(e, "probe VM: the guest ran past the %u ms watchdog and was stopped",
					      timeout_ms);
			} else {
				rc = sys_fail(e, "KVM_RUN");
			}
			break;
		}
		struct kvm_run *k = v->run;
		if (k->exit_reason == KVM_EXIT_MMIO && k->mmio.is_write &&
		    k->mmio.phys_addr - v->g.doorbell_gpa < PAGE_SIZE) {
			uint64_t at = k->mmio.phys_addr - v->g.doorbell_gpa;
			if (at == DOORBELL_NOP)
				continue;
			if (at == DOORBELL_CR3) {
				if ((rc = switch_cr3(v, e)))
					break;
				continue;
			}
			if (at == DOORBELL_DONE)
				break;
		}
		struct kvm_regs at;
		uint64_t rip = ioctl(v->vcpu, KVM_GET_REGS, &at) ? 0 : at.rip;
		rc = tpt_fail(e, "probe VM: the guest stopped with %s (exit %u, rip 0x%llx)",
			      exit_name(k->exit_reason), k->exit_reason, (unsigned long long)rip);
		break;
	}
	*ns = sample_now_ns() - t0;
	struct itimerval off = {0};
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	if (rc) {
		/* Never enter a guest that misbehaved again. */
		close(v->vcpu);
		v->vcpu = -1;
		return rc;
	}
	struct kvm_regs out;
	if (ioctl(v->vcpu, KVM_GET_REGS, &out))
		return sys_fail(e, "KVM_GET_REGS");
	*ret = out.rax;
	return 0;
}

/* Appends one stats file's values, names prefixed: its header, its
 * descriptors and its data block, a read each. */
static int read_stats(int fd, const char *prefix, struct vmm_stats *s, struct tpt_err *e)
{
	struct kvm_stats_header h;
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return sys_fail(e, "reading KVM's statistics header");
	size_t dsz = sizeof(struct kvm_stats_desc) + h.name_size;
	if (h.name_size > 256 || h.num_desc > 4096)
		return tpt_fail(e, "probe VM: KVM statistics of %u names of %u bytes", h.num_desc, h.name_size);
	uint8_t *desc = malloc(h.num_desc * dsz);
	if (!desc)
		return tpt_fail_mem(e, "probe VM: out of memory");
	int rc = 0;
	if (pread(fd, desc, h.num_desc * dsz, h.desc_offset) != (ssize_t)(h.num_desc * dsz)) {
		rc = sys_fail(e, "reading KVM's statistics descriptors");
		goto out;
	}
	/* The data block ends after the last descriptor's values. */
	size_t data = 0;
	for (uint32_t i = 0; i < h.num_desc; i++) {
		const struct kvm_stats_desc *d = (const void *)(desc + i * dsz);
		size_t end = d->offset + (size_t)(d->size ? d->size : 1) * sizeof(uint64_t);
		data = end > data ? end : data;
	}
	uint8_t *vals = malloc(data ? data : 1);
	if (!vals) {
		rc = tpt_fail_mem(e, "probe VM: out of memory");
		goto out;
	}
	if (pread(fd, vals, data, h.data_offset) != (ssize_t)data) {
		rc = sys_fail(e, "reading KVM's statistics");
		goto out_vals;
	}
	for (uint32_t i = 0; i < h.num_desc && s->n < VMM_MAX_STATS; i++) {
		const struct kvm_stats_desc *d = (const void *)(desc + i * dsz);
		snprintf(s->name[s->n], sizeof(s->name[0]), "%s%.*s", prefix, (int)h.name_size, d->name);
		memcpy(&s->v[s->n++], vals + d->offset, sizeof(uint64_t));
	}
out_vals:
	free(vals);
out:
	free(desc);
	return rc;
}

int vmm_stats_read(const struct vmm *v, struct vmm_stats *s, struct tpt_err *e)
{
	s->n = 0;
	if (read_stats(v->stats_vm, "vm.", s, e))
		return -1;
	return read_stats(v->stats_vcpu, "vcpu.", s, e);
}

uint64_t vmm_stat(const struct vmm_stats *s, const char *name)
{
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return s->v[i];
	return 0;
}
