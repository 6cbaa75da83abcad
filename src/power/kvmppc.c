/* SPDX-License-Identifier: MIT */
/*
 * kvmppc.c - the hypervisor's shadow TLB, patching, tracing, Adapt-PR and
 * Adapt-DM (see kvmppc.h).
 *
 * Adapt-PR as the paper states it, where it is silent as said here: at the
 * end of an interval a traced entry with more than `burst` tracing faults
 * is resized. If one 64 KiB region took burst_share of them (a burst), the
 * entry is split so that region is a page of its own (e500_split, the
 * rest as the fewest largest pages); at the shortest size, it is untraced
 * if its faults since it was traced exceed T. Otherwise (a scan) it is
 * split in four (e500 sizes go by fours, not halves). A piece is traced
 * only if it holds patches or the stolen space, so a scan's faults on data
 * go with the pieces that hold no code, and the pieces that do are split
 * again at the next interval if they still fault; the paper untraces the
 * faulting half at once, which here would untrace the code with it. Any
 * traced entry not resized whose faults since tracing exceed T is
 * untraced (its patches removed); an untraced entry
 * whose privileged exits since exceed T is traced again. T is kept per
 * 64 KiB region: on tracing the exits it took before, on untracing the
 * faults; an entry's falls by `aging` an interval. Four aligned neighbours of one
 * size and one tracing state merge. The stolen space is never untraced:
 * the translation cache lives there.
 */
#include <stdlib.h>
#include <string.h>

#include "kvmppc.h"

const struct kvmppc_scheme kvmppc_schemes[] = {
	{"trap", "unmodified KVM: every privileged instruction exits", false, false, MAP_ONE, TC_NONE, false},
	{"pv", "the paravirtual guest (KVM-PV)", true, false, MAP_ONE, TC_NONE, false},
	{"bt", "in-place BT, tracing the guest's whole 256 MiB page", false, true, MAP_ONE, TC_STOLEN, false},
	{"bt-4k", "in-place BT, the kernel in 4 KiB shadow pages", false, true, MAP_4K, TC_STOLEN, false},
	{"bt+pr", "in-place BT with adaptive page resizing (Adapt-PR)", false, true, MAP_ADAPT, TC_STOLEN, false},
	{"bt+pr+dm", "... and adaptive data mirroring (Adapt-DM): KVM-BT", false, true, MAP_ADAPT, TC_STOLEN, true},
	{"static-tlb", "in-place BT on the paper's 13 hand-tuned entries, translations in a module", false, true,
	 MAP_STATIC, TC_MODULE, false},
	{"pr+", "Adapt-PR with the translations in a guest module (Adapt-PR+)", false, true, MAP_ADAPT, TC_MODULE,
	 false},
};
const unsigned kvmppc_nschemes = sizeof(kvmppc_schemes) / sizeof(kvmppc_schemes[0]);

const struct kvmppc_scheme *kvmppc_scheme_find(const char *name)
{
	for (unsigned i = 0; i < kvmppc_nschemes; i++)
		if (!strcmp(kvmppc_schemes[i].name, name))
			return &kvmppc_schemes[i];
	return NULL;
}

/* The paper's Static-TLB: 4M, four 1M, two 4M, three 16M, three 64M. */
static const uint64_t static_sizes[] = {4 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 4 << 20, 4 << 20,
					16 << 20, 16 << 20, 16 << 20, 64 << 20, 64 << 20, 64 << 20};

#define REG(off) ((off) >> LX_REGION_SHIFT)

/* A synthetic encoding: what matters is that patched and original differ. */
static uint32_t original_word(uint32_t pc, uint8_t op)
{
	return 0x7c000000u | (uint32_t)op << 21 | (pc & 0x1fffff);
}

static uint32_t patched_word(uint32_t pc, uint8_t op)
{
	if (op <= OP_MTSPR) /* a load or store to the shared space */
		return 0x80000000u | (pc & 0xffff);
	return 0x48000000u | (pc & 0x3ffffff); /* a branch to the translation cache */
}

static int ent_find(const struct kvmppc *h, uint64_t off)
{
	unsigned lo = 0, hi = h->nent;
	while (hi - lo > 1) {
		unsigned mid = (lo + hi) / 2;
		if (h->ent[mid].ea <= off)
			lo = mid;
		else
			hi = mid;
	}
	return (int)lo;
}

static bool tracing_wanted(const struct kvmppc *h, uint64_t ea, uint64_t size)
{
	for (uint64_t r = REG(ea); r < REG(ea + size); r++)
		if (h->reg[r].need && !h->reg[r].untraced)
			return true;
	return false;
}

static void patch(struct kvmppc *h, uint32_t pc, bool on)
{
	if (h->pc_patched[pc] == on)
		return;
	h->pc_patched[pc] = on;
	uint8_t op = h->k->pcs[pc].op;
	h->pc_word[pc] = on ? patched_word(pc, op) : h->pc_orig[pc];
	if (on)
		h->c.patches++;
	else
		h->c.unpatches++;
}

/* The PCs of [ea, ea + size) patched iff hot and traced. */
static void repatch(struct kvmppc *h, uint64_t ea, uint64_t size, bool traced)
{
	for (uint32_t i = 0; i < h->k->npc; i++) {
		uint64_t off = h->k->pcs[i].ea - LX_KBASE;
		if (off - ea < size)
			patch(h, i, traced && h->pc_exits[i] >= h->p.patch_after);
	}
}

/* Entry i's tracing from its regions; T and the counts move on a change. */
static void ent_update(struct kvmppc *h, unsigned i)
{
	struct kvmppc_ent *x = &h->ent[i];
	bool want = tracing_wanted(h, x->ea, x->size);
	if (want != x->traced) {
		for (uint64_t r = REG(x->ea); r < REG(x->ea + x->size); r++) {
			struct kvmppc_region *g = &h->reg[r];
			g->t = (double)(want ? g->exits_since : g->faults_since);
			g->exits_since = g->faults_since = 0;
		}
		x->traced = want;
		h->changed = true;
	}
	repatch(h, x->ea, x->size, x->traced);
}

static void flush(struct kvmppc *h)
{
	for (unsigned i = 0; i < h->nent; i++)
		h->ent[i].loaded = false;
	h->loaded = 0;
}

/* A TLB1 look-up of entry i: a miss exits and loads it over the LRU one. */
static void touch_ent(struct kvmppc *h, unsigned i)
{
	struct kvmppc_ent *x = &h->ent[i];
	x->used = ++h->stamp;
	if (x->loaded)
		return;
	h->c.tlb_misses++;
	if (h->loaded == h->slots) {
		unsigned v = 0;
		uint64_t old = UINT64_MAX;
		for (unsigned j = 0; j < h->nent; j++)
			if (h->ent[j].loaded && h->ent[j].used < old) {
				old = h->ent[j].used;
				v = j;
			}
		h->ent[v].loaded = false;
		h->loaded--;
	}
	x->loaded = true;
	h->loaded++;
}

static bool page_traced(const struct kvmppc *h, uint64_t off)
{
	return h->page_need[off >> 12];
}

/* A look-up of the page at off; returns whether it is traced. */
static bool touch(struct kvmppc *h, uint64_t off)
{
	if (h->s->map == MAP_4K) {
		uint64_t ea = LX_KBASE + (off & ~4095ULL);
		if (!e500_tlb_lookup(&h->tlb0, ea, 0)) {
			h->c.tlb_misses++;
			struct e500_tlbe t = {.ea = ea, .pa = off & ~4095ULL, .size = 4096, .valid = true,
					      .perm = page_traced(h, off) ? E500_SX : E500_SR | E500_SW | E500_SX};
			e500_tlb_write(&h->tlb0, &t, -1);
		}
		return page_traced(h, off);
	}
	int i = ent_find(h, off);
	touch_ent(h, (unsigned)i);
	return h->ent[i].traced;
}

static void need(struct kvmppc *h, uint64_t off)
{
	if (h->s->map == MAP_4K) {
		if (!h->page_need[off >> 12]) {
			h->page_need[off >> 12] = 1;
			/* The page's TLB0 entry goes: its rights changed. */
			uint64_t ea = LX_KBASE + (off & ~4095ULL);
			struct e500_tlbe *set = h->tlb0.tlb0[(ea >> 12) % E500_TLB0_SETS];
			for (int w = 0; w < E500_TLB0_WAYS; w++)
				if (set[w].valid && set[w].ea == ea)
					set[w].valid = false;
		}
		return;
	}
	struct kvmppc_region *g = &h->reg[REG(off)];
	if (!g->need) {
		g->need = true;
		ent_update(h, (unsigned)ent_find(h, off));
	}
}

int kvmppc_init(struct kvmppc *h, const struct kvmppc_scheme *s, const struct kvmppc_params *p, const struct lx_kernel *k,
	    struct tpt_err *e)
{
	memset(h, 0, sizeof(*h));
	h->s = s;
	h->p = *p;
	h->k = k;
	uint32_t reserved = p->guest_tlb1 + (s->bt ? 1 : 0); /* the shared space's entry */
	if (reserved >= E500_TLB1)
		return tpt_fail(e, "power: no TLB1 entry is left for the kernel (%u kept by the guest)",
				p->guest_tlb1);
	if (!e500_size_ok(p->shortest) || p->shortest < (1u << LX_REGION_SHIFT))
		return tpt_fail(e, "power: the shortest page must be an e500 size of at least 64K");
	if (s->tc == TC_STOLEN && (p->stolen > k->p.data || p->stolen % 4096 || !p->stolen))
		return tpt_fail(e, "power: the stolen space must be whole pages of the kernel's data");
	if (s->tc == TC_STOLEN && (p->stolen_gap > k->p.data - p->stolen || p->stolen_gap % 4096))
		return tpt_fail(e, "power: stolen_gap must be whole pages that leave the stolen space within the kernel's data");
	if (s->tc == TC_STOLEN && p->stolen_heat * (double)p->stolen > (double)k->p.data)
		return tpt_fail(e, "power: stolen_heat %g times the stolen space's share of the data is more than all of it",
				p->stolen_heat);
	if (s->tc == TC_STOLEN && p->stolen_heat < 1 && p->stolen >= k->p.data)
		return tpt_fail(e, "power: stolen_heat below 1 needs kernel data outside the stolen space");
	h->slots = E500_TLB1 - reserved;
	h->reg = calloc(LX_REGIONS, sizeof(*h->reg));
	h->page_need = calloc(LX_KSIZE >> 12, 1);
	h->pc_exits = calloc(k->npc, sizeof(uint32_t));
	h->pc_patched = calloc(k->npc, sizeof(bool));
	h->pc_word = calloc(k->npc, sizeof(uint32_t));
	h->pc_orig = calloc(k->npc, sizeof(uint32_t));
	h->insn_mirrored = calloc(KP_INSNS, sizeof(bool));
	h->mirror = calloc(p->mirror_words ? p->mirror_words : 1, sizeof(uint64_t));
	h->mirror_used = calloc(p->mirror_words ? p->mirror_words : 1, sizeof(uint64_t));
	if (!h->reg || !h->page_need || !h->pc_exits || !h->pc_patched || !h->pc_word || !h->pc_orig ||
	    !h->insn_mirrored || !h->mirror || !h->mirror_used) {
		kvmppc_fini(h);
		return tpt_nomem(e);
	}
	for (uint32_t i = 0; i < k->npc; i++)
		h->pc_word[i] = h->pc_orig[i] = original_word(i, k->pcs[i].op);
	e500_tlb_init(&h->tlb0);
	if (s->map == MAP_STATIC) {
		uint64_t at = 0;
		for (unsigned i = 0; i < ARRAY_LEN(static_sizes); i++) {
			h->ent[h->nent++] = (struct kvmppc_ent){.ea = at, .size = static_sizes[i]};
			at += static_sizes[i];
		}
	} else {
		h->ent[h->nent++] = (struct kvmppc_ent){.ea = 0, .size = LX_KSIZE};
	}
	if (s->bt && s->tc == TC_STOLEN) {
		/* Stolen stolen_gap bytes before the data's end (where, the paper
		 * does not say). */
		h->stolen_at = k->p.text + k->p.data - p->stolen_gap - p->stolen;
		for (uint64_t off = h->stolen_at; off < h->stolen_at + p->stolen; off += 4096) {
			h->reg[REG(off)].stolen = true;
			need(h, off);
		}
	}
	return 0;
}

/* A copy of n bytes, or NULL (also when src is). */
static void *dup(const void *src, size_t n)
{
	void *d = src ? malloc(n) : NULL;
	if (d)
		memcpy(d, src, n);
	return d;
}

int kvmppc_copy(struct kvmppc *dst, const struct kvmppc *src, struct tpt_err *e)
{
	uint32_t mw = src->p.mirror_words ? src->p.mirror_words : 1;
	*dst = *src;
	dst->reg = dup(src->reg, LX_REGIONS * sizeof(*src->reg));
	dst->page_need = dup(src->page_need, LX_KSIZE >> 12);
	dst->pc_exits = dup(src->pc_exits, src->k->npc * sizeof(uint32_t));
	dst->pc_patched = dup(src->pc_patched, src->k->npc * sizeof(bool));
	dst->pc_word = dup(src->pc_word, src->k->npc * sizeof(uint32_t));
	dst->pc_orig = dup(src->pc_orig, src->k->npc * sizeof(uint32_t));
	dst->insn_mirrored = dup(src->insn_mirrored, KP_INSNS * sizeof(bool));
	dst->mirror = dup(src->mirror, mw * sizeof(uint64_t));
	dst->mirror_used = dup(src->mirror_used, mw * sizeof(uint64_t));
	if (!dst->reg || !dst->page_need || !dst->pc_exits || !dst->pc_patched || !dst->pc_word ||
	    !dst->pc_orig || !dst->insn_mirrored || !dst->mirror || !dst->mirror_used) {
		kvmppc_fini(dst);
		return tpt_nomem(e);
	}
	return 0;
}

void kvmppc_fini(struct kvmppc *h)
{
	free(h->reg);
	free(h->page_need);
	free(h->pc_exits);
	free(h->pc_patched);
	free(h->pc_word);
	free(h->pc_orig);
	free(h->insn_mirrored);
	free(h->mirror);
	free(h->mirror_used);
	memset(h, 0, sizeof(*h));
}

void kvmppc_fetch(struct kvmppc *h, uint64_t off)
{
	touch(h, off);
}

void kvmppc_priv(struct kvmppc *h, uint32_t pc)
{
	const struct lx_pc *x = &h->k->pcs[pc];
	uint64_t off = x->ea - LX_KBASE;
	touch(h, off);
	if (h->s->pv) {
		h->c.single++;
		return;
	}
	if (h->pc_patched[pc]) {
		if (x->op <= OP_MTSPR) {
			h->c.single++;
		} else {
			h->c.branch++;
			uint64_t tc = h->s->tc == TC_STOLEN ? h->stolen_at + (uint64_t)pc * h->p.tc_bytes % h->p.stolen
							    : h->k->p.text + h->k->p.data;
			touch(h, tc);
		}
		return;
	}
	h->c.priv_exits++;
	struct kvmppc_region *g = &h->reg[REG(off)];
	g->exits++;
	g->exits_since++;
	if (h->s->bt && ++h->pc_exits[pc] == h->p.patch_after) {
		if (h->s->map == MAP_4K) {
			need(h, off);
			patch(h, pc, true);
		} else if (!g->need) {
			need(h, off);
		} else {
			int i = ent_find(h, off);
			patch(h, pc, h->ent[i].traced);
		}
	}
}

/* DM: whether the mirror cache holds word w (off / 4 + 1), loading it if not. */
static bool mirror_hit(struct kvmppc *h, uint64_t w)
{
	unsigned v = 0;
	uint64_t old = UINT64_MAX;
	for (unsigned i = 0; i < h->p.mirror_words; i++) {
		if (h->mirror[i] == w) {
			h->mirror_used[i] = ++h->stamp;
			return true;
		}
		if (h->mirror_used[i] < old) {
			old = h->mirror_used[i];
			v = i;
		}
	}
	if (h->p.mirror_words) {
		h->mirror[v] = w;
		h->mirror_used[v] = ++h->stamp;
	}
	return false;
}

void kvmppc_data(struct kvmppc *h, uint64_t off, uint32_t weight, uint32_t insn)
{
	if (!touch(h, off))
		return;
	bool stolen = h->s->tc == TC_STOLEN && off - h->stolen_at < h->p.stolen;
	if (h->s->dm && insn != KP_INSN_NONE && insn < KP_INSNS && h->insn_mirrored[insn]) {
		/* A translated instruction: the stolen space's mirror holds all of
		 * it; other words go through the mirror cache. */
		if (stolen || mirror_hit(h, off / 4 + 1)) {
			h->c.mirrored += weight;
			return;
		}
	}
	h->c.access_violations += weight;
	struct kvmppc_region *g = &h->reg[REG(off)];
	g->faults += weight;
	g->faults_since += weight;
	if (h->s->dm && insn != KP_INSN_NONE && insn < KP_INSNS)
		h->insn_mirrored[insn] = true;
}

static uint64_t sum_faults(const struct kvmppc *h, const struct kvmppc_ent *x, bool since)
{
	uint64_t n = 0;
	for (uint64_t r = REG(x->ea); r < REG(x->ea + x->size); r++)
		n += since ? h->reg[r].faults_since : h->reg[r].faults;
	return n;
}

static uint64_t sum_exits_since(const struct kvmppc *h, const struct kvmppc_ent *x)
{
	uint64_t n = 0;
	for (uint64_t r = REG(x->ea); r < REG(x->ea + x->size); r++)
		n += h->reg[r].exits_since;
	return n;
}

static double sum_t(const struct kvmppc *h, const struct kvmppc_ent *x)
{
	double t = 0;
	for (uint64_t r = REG(x->ea); r < REG(x->ea + x->size); r++)
		t += h->reg[r].t;
	return t;
}

static bool holds_stolen(const struct kvmppc *h, const struct kvmppc_ent *x)
{
	for (uint64_t r = REG(x->ea); r < REG(x->ea + x->size); r++)
		if (h->reg[r].stolen)
			return true;
	return false;
}

/* Replaces entry i by the n pieces in out (in order); false if they do not fit. */
static bool replace(struct kvmppc *h, unsigned i, const struct e500_tlbe *out, int n)
{
	if (n < 1 || h->nent - 1 + (unsigned)n > KP_MAXENT)
		return false;
	memmove(&h->ent[i + (unsigned)n], &h->ent[i + 1], (h->nent - i - 1) * sizeof(h->ent[0]));
	bool traced = h->ent[i].traced;
	for (int j = 0; j < n; j++)
		h->ent[i + (unsigned)j] = (struct kvmppc_ent){.ea = out[j].ea, .size = out[j].size, .traced = traced};
	h->nent += (unsigned)n - 1;
	for (int j = 0; j < n; j++)
		ent_update(h, i + (unsigned)j);
	h->changed = true;
	h->c.splits++;
	return true;
}

static bool split(struct kvmppc *h, unsigned i, uint64_t at, uint64_t size)
{
	struct e500_tlbe p = {.ea = h->ent[i].ea, .pa = h->ent[i].ea, .size = h->ent[i].size, .valid = true};
	struct e500_tlbe out[KP_MAXENT];
	int n = e500_split(&p, at, size, out, KP_MAXENT);
	return n > 0 && replace(h, i, out, n);
}

static void set_untraced(struct kvmppc *h, unsigned i, bool untraced)
{
	const struct kvmppc_ent *x = &h->ent[i];
	for (uint64_t r = REG(x->ea); r < REG(x->ea + x->size); r++)
		h->reg[r].untraced = untraced;
	ent_update(h, i);
}

/* Adapt-PR's decision on entry i; returns the entries it now spans. */
static unsigned resize(struct kvmppc *h, unsigned i)
{
	struct kvmppc_ent *x = &h->ent[i];
	uint64_t f = sum_faults(h, x, false);
	if (!x->traced)
		return 1;
	if (f > h->p.burst) {
		uint64_t hot = REG(x->ea), most = 0;
		for (uint64_t r = REG(x->ea); r < REG(x->ea + x->size); r++)
			if (h->reg[r].faults > most) {
				most = h->reg[r].faults;
				hot = r;
			}
		bool burst = (double)most >= h->p.burst_share * (double)f;
		if (x->size > h->p.shortest) {
			unsigned before = h->nent;
			if (burst) {
				if (!split(h, i, hot << LX_REGION_SHIFT, h->p.shortest))
					return 1;
				return h->nent - before + 1;
			}
			/* A scan: in four (pieces without patches go untraced). */
			if (!split(h, i, x->ea, x->size / 4))
				return 1;
			return h->nent - before + 1;
		}
	}
	if (!holds_stolen(h, x) && f > 0 && (double)sum_faults(h, x, true) > sum_t(h, x))
		set_untraced(h, i, true);
	return 1;
}

static void merge(struct kvmppc *h)
{
	bool again = true;
	while (again) {
		again = false;
		for (unsigned i = 0; i + 3 < h->nent; i++) {
			struct kvmppc_ent *a = &h->ent[i];
			uint64_t s = a->size;
			if (a->ea % (4 * s) || !e500_size_ok(4 * s))
				continue;
			bool same = true;
			for (unsigned j = 1; j < 4; j++)
				same = same && h->ent[i + j].size == s && h->ent[i + j].traced == a->traced;
			if (!same)
				continue;
			a->size = 4 * s;
			memmove(&h->ent[i + 1], &h->ent[i + 4], (h->nent - i - 4) * sizeof(h->ent[0]));
			h->nent -= 3;
			h->c.merges++;
			h->changed = true;
			again = true;
		}
	}
}

void kvmppc_interval(struct kvmppc *h)
{
	if (h->s->map == MAP_ADAPT) {
		for (unsigned i = 0; i < h->nent;)
			i += resize(h, i);
		/* Untraced entries whose exits since outgrew T are traced again. */
		for (unsigned i = 0; i < h->nent; i++) {
			const struct kvmppc_ent *x = &h->ent[i];
			bool held = false;
			for (uint64_t r = REG(x->ea); r < REG(x->ea + x->size) && !held; r++)
				held = h->reg[r].need && h->reg[r].untraced;
			if (!x->traced && held && (double)sum_exits_since(h, x) > sum_t(h, x))
				set_untraced(h, i, false);
		}
		merge(h);
		/* Aging: each entry's T falls by `aging`, its regions' in proportion. */
		for (unsigned i = 0; i < h->nent; i++) {
			const struct kvmppc_ent *x = &h->ent[i];
			double t = sum_t(h, x), keep = t > h->p.aging ? (t - h->p.aging) / t : 0;
			for (uint64_t r = REG(x->ea); r < REG(x->ea + x->size); r++)
				h->reg[r].t *= keep;
		}
	}
	for (uint64_t r = 0; r < LX_REGIONS; r++)
		h->reg[r].faults = h->reg[r].exits = 0;
	if (h->changed) {
		/* New shadow entries: the old ones are invalidated. */
		flush(h);
		h->c.resizes++;
		h->changed = false;
	}
}

uint32_t kvmppc_original(const struct kvmppc *h, uint32_t pc)
{
	return h->pc_orig[pc];
}

uint8_t kvmppc_rights(const struct kvmppc *h, uint64_t off)
{
	bool traced = h->s->map == MAP_4K ? page_traced(h, off) : h->ent[ent_find(h, off)].traced;
	return traced ? E500_SX : E500_SR | E500_SW | E500_SX;
}

uint32_t kvmppc_read_code(const struct kvmppc *h, uint32_t pc)
{
	uint64_t off = h->k->pcs[pc].ea - LX_KBASE;
	if (kvmppc_rights(h, off) & E500_SR)
		return h->pc_word[pc];
	/* A tracing fault: the hypervisor emulates the load from its copy. */
	return h->pc_orig[pc];
}

int kvmppc_check(const struct kvmppc *h, struct tpt_err *e)
{
	const uint8_t guest = E500_SR | E500_SW | E500_SX; /* the guest's own kernel entry */
	unsigned loaded = 0;
	if (h->s->map != MAP_4K) {
		uint64_t at = 0;
		for (unsigned i = 0; i < h->nent; i++) {
			const struct kvmppc_ent *x = &h->ent[i];
			if (x->ea != at)
				return tpt_broken(e, "kvmppc_check", 1, "entry %u at %#llx: a gap or overlap before it (expected %#llx)", i,
						(unsigned long long)x->ea, (unsigned long long)at);
			if (!e500_size_ok(x->size) || x->ea % x->size)
				return tpt_broken(e, "kvmppc_check", 2, "entry %u: size %#llx not an aligned e500 page", i,
						(unsigned long long)x->size);
			if (x->traced != tracing_wanted(h, x->ea, x->size))
				return tpt_broken(e, "kvmppc_check", 3, "entry %u: traced %d, its regions say otherwise", i, x->traced);
			loaded += x->loaded;
			at += x->size;
		}
		if (at != LX_KSIZE)
			return tpt_broken(e, "kvmppc_check", 4, "the entries cover %#llx bytes, not the kernel's 256 MiB",
					(unsigned long long)at);
		if (loaded != h->loaded || loaded > h->slots)
			return tpt_broken(e, "kvmppc_check", 5, "%u entries loaded (counted %u) in %u slots", loaded, h->loaded, h->slots);
	} else {
		struct tpt_err sub;
		if (e500_tlb_check(&h->tlb0, &sub))
			return tpt_broken(e, "kvmppc_check", 6, "TLB0: %s", sub.msg);
	}
	for (uint32_t i = 0; i < h->k->npc; i++) {
		uint64_t off = h->k->pcs[i].ea - LX_KBASE;
		uint8_t r = kvmppc_rights(h, off);
		if (r & ~guest)
			return tpt_broken(e, "kvmppc_check", 7, "PC %u: the shadow grants rights the guest's entry lacks", i);
		if (h->pc_patched[i] && (r & (E500_SR | E500_SW)))
			return tpt_broken(e, "kvmppc_check", 8, "PC %u patched on a page the guest can read or write", i);
		if (h->pc_patched[i] != (h->pc_word[i] != h->pc_orig[i]))
			return tpt_broken(e, "kvmppc_check", 9, "PC %u: memory and patch state disagree", i);
		if (h->pc_patched[i] && (!h->s->bt || h->pc_exits[i] < h->p.patch_after))
			return tpt_broken(e, "kvmppc_check", 10, "PC %u patched before it was hot", i);
	}
	return 0;
}
