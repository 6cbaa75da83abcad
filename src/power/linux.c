/* SPDX-License-Identifier: MIT */
/*
 * linux.c - the guest Linux kernel and its workloads (see linux.h).
 *
 * The privileged PCs: Table 4 of the paper gives how many PCs fall in each
 * band of exits a PC during a boot, and what share of all exits each band
 * causes; a PC's weight is its band's share over its band's PCs. Opcodes go
 * to PCs, heaviest first, to the class furthest below its Table 3 share, so
 * the mix of executed privileged instructions is Table 3's. Where a PC sits
 * in the text is not published: the hottest ones are the exception and
 * system-call entry and exit code at the text's start (a share hot_head of
 * them), the rest anywhere in the text (lx_params, every value a guess
 * stated in power.c's table).
 */
#include <stdlib.h>
#include <string.h>

#include "linux.h"

const char *const lx_op_name[OP_N] = {"mfmsr", "mfspr", "mtspr", "wrtee", "rfi", "mtmsr", "other"};

/* Table 3 (linux-boot under KVM): exits by class. "other" is the rest of
 * the raw count of privileged exits (11,509,859) beyond the six named. */
static const double op_exits[OP_N] = {575302, 4484245, 2307647, 2792109, 413847, 391813,
				      11509859.0 - 575302 - 4484245 - 2307647 - 2792109 - 413847 -
					      391813};

/* Table 4: PCs per band and the band's share of exits, in percent. */
static const struct {
	uint32_t pcs;
	double share;
	bool hot;
} bands[] = {{93, 91.9, true}, {23, 3.1, false}, {68, 4.2, false},
	     {12, 0.3, false}, {17, 0.2, false}, {420, 0.2, false}};

/*
 * The paper's workloads (Table 1's bare-metal and KVM columns, and the KVM
 * column of the raw exit counts where it has one). lmbench gives ms an
 * operation, Unixbench a score (iterations in 10 s) or KB/s; their exits an
 * operation are derived in power.c from the time KVM adds.
 */
const struct lx_workload lx_workloads[] = {
	{"linux-boot", "boots a Linux 3.0 guest", UNIT_S, 6.5, 30.03, 11509859, 402274, 13823, true, true},
	{"echo-spawn", "spawns 1000 echo processes", UNIT_S, 1.4, 21.34, 9829128, 419191, 18005, true, false},
	{"find", "find / -name temp", UNIT_S, 0.39, 1.89, 802777, 2486, 46, true, false},
	{"lame", "MP3 encoder", UNIT_S, 0.44, 0.56, 60312, 1932, 23, true, false},
	{"lmbench-syscall", "writes a word to /dev/null", UNIT_MS, 0.0002, 0.020, 0, 0, 0, false, false},
	{"lmbench-stat", "stat", UNIT_MS, 0.003, 0.033, 0, 0, 0, false, false},
	{"lmbench-fstat", "fstat of an open file", UNIT_MS, 0.001, 0.021, 0, 0, 0, false, false},
	{"lmbench-open-close", "opens and closes a file", UNIT_MS, 0.006, 0.067, 0, 0, 0, false, false},
	{"lmbench-sig-hndl", "installs a signal handler", UNIT_MS, 0.001, 0.024, 0, 0, 0, false, false},
	{"lmbench-pipe", "a word's round trip A->B->A", UNIT_MS, 0.003, 0.066, 0, 0, 0, false, false},
	{"lmbench-fork", "fork and exit", UNIT_MS, 1.084, 6.641, 0, 0, 0, false, false},
	{"lmbench-exec", "fork, exec and exit", UNIT_MS, 3.065, 20.543, 0, 0, 0, false, false},
	{"lmbench-sh", "fork, exec sh -c and exit", UNIT_MS, 6.645, 45.164, 0, 0, 0, false, false},
	{"unix-dhrystone2", "string handling", UNIT_SCORE, 49697211, 48110141, 154460, 973, 40, true, false},
	{"unix-syscall", "getpid", UNIT_SCORE, 7863359, 124854, 22541901, 953, 41, true, false},
	{"unix-cswitch", "pipe conversation with a child", UNIT_SCORE, 420968, 60746, 26459239, 1102, 49, true, false},
	{"unix-proc-create", "fork and reap a child", UNIT_SCORE, 44667, 2470, 41882, 621658, 60036, true, false},
	{"unix-pipe", "512 bytes through a pipe", UNIT_SCORE, 3324145, 188208, 28714485, 979, 41, true, false},
	{"unix-hanoi", "hanoi (compute)", UNIT_SCORE, 8853023, 8689401, 4005414, 914, 40, true, false},
	{"unix-file-read", "reads a file", UNIT_KBS, 182340, 11524, 0, 0, 0, false, false},
	{"unix-file-write", "writes a file", UNIT_KBS, 99850, 10500, 0, 0, 0, false, false},
	{"unix-file-copy", "copies between files", UNIT_KBS, 59612, 5432, 0, 0, 0, false, false},
};
const unsigned lx_nworkloads = sizeof(lx_workloads) / sizeof(lx_workloads[0]);

const struct lx_workload *lx_workload_find(const char *name)
{
	for (unsigned i = 0; i < lx_nworkloads; i++)
		if (!strcmp(lx_workloads[i].name, name))
			return &lx_workloads[i];
	return NULL;
}

static bool taken(const struct lx_kernel *k, uint32_t n, uint64_t ea)
{
	for (uint32_t i = 0; i < n; i++)
		if (k->pcs[i].ea == ea)
			return true;
	return false;
}

/* Vose's alias method over the PCs' weights. */
static int build_alias(struct lx_kernel *k)
{
	uint32_t n = k->npc, ns = 0, nl = 0;
	k->alias_p = calloc(n, sizeof(double));
	k->alias_i = calloc(n, sizeof(uint32_t));
	uint32_t *small = calloc(n, sizeof(uint32_t)), *large = calloc(n, sizeof(uint32_t));
	double *q = calloc(n, sizeof(double));
	int rc = -1;
	if (!k->alias_p || !k->alias_i || !small || !large || !q)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		q[i] = k->pcs[i].weight * n;
		if (q[i] < 1)
			small[ns++] = i;
		else
			large[nl++] = i;
	}
	while (ns && nl) {
		uint32_t s = small[--ns], l = large[--nl];
		k->alias_p[s] = q[s];
		k->alias_i[s] = l;
		q[l] -= 1 - q[s];
		if (q[l] < 1)
			small[ns++] = l;
		else
			large[nl++] = l;
	}
	while (nl)
		k->alias_p[large[--nl]] = 1;
	while (ns)
		k->alias_p[small[--ns]] = 1;
	rc = 0;
out:
	free(small);
	free(large);
	free(q);
	return rc;
}

int lx_init(struct lx_kernel *k, const struct lx_params *p, uint64_t seed, struct tpt_err *e)
{
	memset(k, 0, sizeof(*k));
	k->p = *p;
	if (p->text < p->head || p->text + p->data > p->lowmem || p->lowmem > LX_KSIZE || p->text % 4096)
		return tpt_fail(e, "power: the kernel's text, data and memory do not fit its 256 MiB page in order");
	for (unsigned b = 0; b < ARRAY_LEN(bands); b++)
		k->npc += bands[b].pcs;
	k->pcs = calloc(k->npc, sizeof(*k->pcs));
	if (!k->pcs)
		return tpt_nomem(e);
	struct rng g;
	rng_seed(&g, seed);
	uint32_t n = 0;
	for (unsigned b = 0; b < ARRAY_LEN(bands); b++)
		for (uint32_t i = 0; i < bands[b].pcs; i++, n++) {
			struct lx_pc *pc = &k->pcs[n];
			pc->weight = bands[b].share / 100 / bands[b].pcs;
			double in_head = bands[b].hot ? p->hot_head : p->cold_head;
			do {
				bool head = rng_double(&g) < in_head;
				uint64_t span = head ? p->head : p->text - p->head, at = head ? 0 : p->head;
				pc->ea = LX_KBASE + at + rng_below(&g, span / 4) * 4;
			} while (taken(k, n, pc->ea));
		}
	/* Table 4's shares sum to 99.9 % as printed: normalise. */
	double sum = 0;
	for (uint32_t i = 0; i < k->npc; i++)
		sum += k->pcs[i].weight;
	for (uint32_t i = 0; i < k->npc; i++)
		k->pcs[i].weight /= sum;
	/* Opcodes, heaviest PC first, to the class furthest below its share. */
	double total = 0, got[OP_N] = {0};
	for (int c = 0; c < OP_N; c++)
		total += op_exits[c];
	for (uint32_t i = 0; i < k->npc; i++) {
		int best = 0;
		double need = -1e300;
		for (int c = 0; c < OP_N; c++) {
			double d = op_exits[c] / total - got[c];
			if (d > need) {
				need = d;
				best = c;
			}
		}
		k->pcs[i].op = (uint8_t)best;
		got[best] += k->pcs[i].weight;
	}
	/* Tables share the pages of some privileged code: all of the entry
	 * code's (the exception vectors and their dispatch tables), and a
	 * share table_share of the others'. */
	for (uint32_t i = 0; i < k->npc; i++) {
		uint64_t off = k->pcs[i].ea - LX_KBASE;
		struct rng page; /* one draw a page, whichever of its PCs asks */
		rng_seed(&page, seed ^ (off >> 12) << 20);
		k->pcs[i].table = off < p->head || rng_double(&page) < p->table_share;
	}
	if (build_alias(k)) {
		lx_fini(k);
		return tpt_nomem(e);
	}
	return 0;
}

void lx_fini(struct lx_kernel *k)
{
	free(k->pcs);
	free(k->alias_p);
	free(k->alias_i);
	memset(k, 0, sizeof(*k));
}

uint32_t lx_draw(const struct lx_kernel *k, uint64_t r1, double r2)
{
	uint32_t i = (uint32_t)(r1 % k->npc);
	return r2 < k->alias_p[i] ? i : k->alias_i[i];
}

int lx_check(const struct lx_kernel *k, struct tpt_err *e)
{
	double sum = 0, got[OP_N] = {0}, total = 0;
	for (uint32_t i = 0; i < k->npc; i++) {
		const struct lx_pc *pc = &k->pcs[i];
		if (pc->ea % 4 || pc->ea < LX_KBASE || pc->ea >= LX_KBASE + k->p.text)
			return tpt_broken(e, "lx_check", 1, "PC %u at %#llx: not a word of the text", i, (unsigned long long)pc->ea);
		if (pc->op >= OP_N || pc->weight <= 0)
			return tpt_broken(e, "lx_check", 2, "PC %u: bad opcode class or weight", i);
		for (uint32_t j = 0; j < i; j++)
			if (k->pcs[j].ea == pc->ea)
				return tpt_broken(e, "lx_check", 3, "PCs %u and %u at one address", j, i);
		sum += pc->weight;
		got[pc->op] += pc->weight;
	}
	if (sum < 1 - 1e-9 || sum > 1 + 1e-9)
		return tpt_broken(e, "lx_check", 4, "PC weights sum to %g", sum);
	for (int c = 0; c < OP_N; c++)
		total += op_exits[c];
	for (int c = 0; c < OP_N; c++)
		if (got[c] - op_exits[c] / total > 0.02 || op_exits[c] / total - got[c] > 0.02)
			return tpt_broken(e, "lx_check", 5, "class %s: %.3f of exits, Table 3 says %.3f", lx_op_name[c], got[c],
					op_exits[c] / total);
	return 0;
}
