/* SPDX-License-Identifier: MIT */
/*
 * host.c - what the probe needs to know about the machine it runs on
 * (probe.h): its clock, whether it is itself a guest, what its KVM is, how
 * busy it is, how much memory it has, and where the kernel put huge pages.
 *
 * Called by the probe command before and during a probe, and by tptd for
 * host_accessed_bits. Reads /proc, /sys and CPUID (cpuid.c); the clock runs
 * probe_adds, a chain of one-cycle adds.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "tpt/probe/loops.h"
#include "tpt/probe/probe.h"
#include "tpt/probe/vmm.h"

const char *const host_kvm_name[] = {
	[KVM_NONE] = "none", [KVM_EPT] = "ept", [KVM_NPT] = "npt",
	[KVM_SHADOW_HW] = "shadow", [KVM_PVM] = "pvm", [KVM_OTHER] = "other",
};

/* The first line of a small file, without its newline; "" if unreadable. */
static void read_line(const char *path, char *buf, size_t len)
{
	buf[0] = 0;
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = 0;
	else
		buf[0] = 0;
	fclose(f);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Whether /proc/cpuinfo's flags name flag; the CPU model into cpu. */
static void cpu_flags(bool *vmx, bool *svm, bool *hv, char *cpu, size_t len)
{
	*vmx = *svm = *hv = false;
	snprintf(cpu, len, "unknown CPU");
	FILE *f = fopen("/proc/cpuinfo", "re");
	if (!f)
		return;
	char line[4096];
	bool flags_seen = false, model_seen = false;
	while (fgets(line, sizeof(line), f) && !(flags_seen && model_seen)) {
		if (!model_seen && !strncmp(line, "model name", 10)) {
			const char *c = strchr(line, ':');
			if (c) {
				snprintf(cpu, len, "%s", c + 2);
				cpu[strcspn(cpu, "\n")] = 0;
			}
			model_seen = true;
		}
		if (!flags_seen && !strncmp(line, "flags", 5)) {
			*vmx = strstr(line, " vmx") != NULL;
			*svm = strstr(line, " svm") != NULL;
			*hv = strstr(line, " hypervisor") != NULL;
			flags_seen = true;
		}
	}
	fclose(f);
}

static void kvm_kind(struct host_info *h, bool vmx, bool svm)
{
	char tdp[16], p[16];
	read_line("/sys/module/kvm/parameters/tdp_mmu", tdp, sizeof(tdp));
	if (exists("/sys/module/kvm_pvm")) {
		h->kvm = KVM_PVM;
		snprintf(h->kvm_desc, sizeof(h->kvm_desc),
			 "kvm_pvm: software shadow paging, no VMX or SVM in the CPU flags (tdp_mmu=%s)",
			 tdp[0] ? tdp : "?");
	} else if (exists("/sys/module/kvm_intel")) {
		read_line("/sys/module/kvm_intel/parameters/ept", p, sizeof(p));
		h->kvm = p[0] == 'Y' ? KVM_EPT : KVM_SHADOW_HW;
		snprintf(h->kvm_desc, sizeof(h->kvm_desc), "kvm_intel: VMX, %s (ept=%s, tdp_mmu=%s)",
			 p[0] == 'Y' ? "nested paging (EPT)" : "shadow paging", p, tdp[0] ? tdp : "?");
	} else if (exists("/sys/module/kvm_amd")) {
		read_line("/sys/module/kvm_amd/parameters/npt", p, sizeof(p));
		h->kvm = p[0] == 'Y' || p[0] == '1' ? KVM_NPT : KVM_SHADOW_HW;
		snprintf(h->kvm_desc, sizeof(h->kvm_desc), "kvm_amd: SVM, %s (npt=%s, tdp_mmu=%s)",
			 h->kvm == KVM_NPT ? "nested paging (NPT)" : "shadow paging", p, tdp[0] ? tdp : "?");
	} else if (exists("/dev/kvm")) {
		h->kvm = KVM_OTHER;
		snprintf(h->kvm_desc, sizeof(h->kvm_desc), "an unknown KVM (vmx %s, svm %s)",
			 vmx ? "yes" : "no", svm ? "yes" : "no");
	} else {
		h->kvm = KVM_NONE;
		snprintf(h->kvm_desc, sizeof(h->kvm_desc), "no KVM (/dev/kvm absent)");
	}
}

/* The data caches of the CPU the probe runs on, as sysfs describes them
 * (each index's level and type, its size ("48K") and ways), and CPUID where
 * sysfs leaves a level out (a kernel without cache information, as a
 * Firecracker guest's, leaves out all). */
static void host_caches(struct host_info *h)
{
	for (unsigned i = 0; i < 8; i++) {
		char path[128], level[16], type[32], size[32], ways[16];
		const char *names[] = {"level", "type", "size", "ways_of_associativity"};
		char *dst[] = {level, type, size, ways};
		size_t lens[] = {sizeof(level), sizeof(type), sizeof(size), sizeof(ways)};
		for (unsigned k = 0; k < 4; k++) {
			snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%u/%s",
				 h->cpu_pinned < 0 ? 0 : h->cpu_pinned, i, names[k]);
			read_line(path, dst[k], lens[k]);
		}
		if (!level[0])
			break;
		char *end;
		unsigned long long kib = strtoull(size, &end, 10);
		int lv = atoi(level);
		if (lv < 1 || lv > 3 || !strcmp(type, "Instruction") || *end != 'K' || !kib)
			continue;
		h->cache_size[lv - 1] = kib * KiB;
		h->cache_ways[lv - 1] = (unsigned)atoi(ways);
		snprintf(h->cache_src[lv - 1], sizeof(h->cache_src[lv - 1]), "sysfs");
	}
	if (h->cache_size[0] && h->cache_size[1] && h->cache_size[2])
		return;
	struct cpuid_caches c;
	cpuid_caches_read(&c);
	cpuid_caches_decode(&c, h->cache_size, h->cache_ways, h->cache_src);
}

/* Referenced kB of the mapping starting at addr, from /proc/self/smaps; -1
 * when it is not listed. */
static long referenced_kb(uintptr_t addr)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	if (!f)
		return -1;
	char line[512];
	bool in = false;
	long kb = -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo;
		char dash;
		if (sscanf(line, "%lx%c", &lo, &dash) == 2 && dash == '-') {
			if (in)
				break;
			in = lo == addr;
		} else if (in && sscanf(line, "Referenced: %ld kB", &kb) == 1) {
			break;
		}
	}
	fclose(f);
	return kb;
}

/* The contract is probe.h's. Every trial must pass because on a shadowing
 * VM the bits come back as the hypervisor refills its shadow: all of them
 * in some trials, none in others. */
unsigned host_accessed_bits(unsigned pages, unsigned trials)
{
	size_t len = (size_t)pages << 12;
	volatile char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 0;
	madvise((void *)m, len, MADV_NOHUGEPAGE); /* one TLB entry per 4 KiB, whatever THP is */
	unsigned fewest = pages;
	for (unsigned t = 0; t < trials && fewest; t++) {
		for (size_t i = 0; i < len; i += 4096)
			m[i] += 1;
		unsigned seen = 0;
		int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
		if (fd >= 0 && write(fd, "1", 1) == 1) {
			for (size_t i = 0; i < len; i += 4096)
				m[i] += 1;
			long kb = referenced_kb((uintptr_t)m);
			seen = kb > 0 ? (unsigned)(kb / 4) : 0;
		}
		if (fd >= 0)
			close(fd);
		fewest = seen < fewest ? seen : fewest;
	}
	munmap((void *)m, len);
	return fewest;
}

bool host_nested_paging(const struct host_info *h)
{
	return h->kvm == KVM_EPT || h->kvm == KVM_NPT;
}

void host_probe(struct host_info *h)
{
	bool vmx, svm;
	memset(h, 0, sizeof(*h));
	cpu_flags(&vmx, &svm, &h->in_vm, h->cpu, sizeof(h->cpu));
	kvm_kind(h, vmx, svm);
	vmm_available(h->kvm_unusable, sizeof(h->kvm_unusable));
	h->cpu_pinned = sched_getcpu();
	host_caches(h);
	h->ghz = host_clock_ghz();
	if (h->in_vm) {
		h->ab_seen = host_accessed_bits(HOST_AB_PAGES, HOST_AB_TRIALS);
		h->shadowed = !host_ab_walked(h->ab_seen, HOST_AB_PAGES);
	}
}

int host_pin(void)
{
	int cpu = sched_getcpu();
	if (cpu < 0)
		return -1;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -1 : cpu;
}

double host_clock_ghz(void)
{
	double v[5];
	enum { N = 2000000 }; /* 128 M adds: about 40 ms at 3 GHz */
	for (unsigned i = 0; i < ARRAY_LEN(v); i++) {
		uint64_t t = sample_now_ns();
		uint64_t adds = probe_adds(N);
		uint64_t dt = sample_now_ns() - t;
		v[i] = dt ? (double)adds / (double)dt : 0;
	}
	return sample_median(v, ARRAY_LEN(v));
}

/* procs_running from /proc/stat (this task included), or -1. */
static int procs_running(void)
{
	FILE *f = fopen("/proc/stat", "re");
	if (!f)
		return -1;
	char line[512];
	int n = -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "procs_running %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

int host_quiet(struct tpt_err *e)
{
	enum { SAMPLES = 10 };
	int busy = 0, most = 0;
	for (int i = 0; i < SAMPLES; i++) {
		int n = procs_running();
		if (n < 0)
			return 0; /* no /proc/stat: nothing to judge by */
		if (n > 1)
			busy++;
		most = n - 1 > most ? n - 1 : most;
		struct timespec d = {0, 20 * 1000000};
		nanosleep(&d, NULL);
	}
	if (busy * 2 > SAMPLES)
		return tpt_fail(e, "the machine is busy: other tasks were runnable in %d of %d samples "
				"(up to %d at once); measure on a quiet machine, or pass --allow-busy",
				busy, SAMPLES, most);
	return 0;
}

uint64_t host_mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	if (!f)
		return UINT64_MAX;
	char line[256];
	unsigned long long kb = 0;
	bool found = false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
			found = true;
			break;
		}
	fclose(f);
	return found ? kb * 1024 : UINT64_MAX;
}

double host_thp_share(const void *addr, uint64_t len)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	if (!f || !len)
		return f ? (fclose(f), 0.0) : 0.0;
	char line[512];
	uint64_t a = (uint64_t)(uintptr_t)addr, huge = 0;
	bool in = false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi, kb;
		if (sscanf(line, "%llx-%llx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = lo < a + len && hi > a;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %llu kB", &kb) == 1)
			huge += kb * 1024;
	}
	fclose(f);
	double s = (double)huge / (double)len;
	return s > 1 ? 1 : s;
}
