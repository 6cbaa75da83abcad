/* SPDX-License-Identifier: MIT */
/*
 * policy.c - the automatic TPT policy (see policy.h).
 *
 * Called once per process per profiling interval by the simulator's
 * profiler (and later by tptd). Pure: no clock, no allocation, no I/O; the
 * same samples always give the same decisions.
 *
 * Invariants (policy_check): counter in 0..confidence; threshold between
 * its base and base * max_raise; losing <= decisions; learned walk costs
 * are not negative.
 */
#include <math.h>

#include "tpt/base/config.h"
#include "tpt/policy/policy.h"

void policy_params_default(struct policy_params *p)
{
	struct tpt_config c;
	config_defaults(&c);
	policy_params_from_config(p, &c);
}

void policy_params_from_config(struct policy_params *p, const struct tpt_config *c)
{
	*p = (struct policy_params){
		.threshold = c->policy_threshold,
		.band = c->policy_band,
		.walk_ratio = c->policy_walk_ratio,
		.age = c->policy_age,
		.raise = c->policy_raise,
		.max_raise = c->policy_max_raise,
		.confidence = c->policy_confidence,
		.horizon = c->policy_horizon,
		.pvop_cycles = c->pvop_cycles,
		.construct_cycles = c->tpt_construct_cycles,
	};
}

void policy_proc_init(struct policy_proc *s, const struct policy_params *p, bool tpt)
{
	*s = (struct policy_proc){.tpt = tpt, .threshold = p->threshold};
	s->counter = tpt ? p->confidence : 0;
}

/* TPT walk cycles per nested walk cycle: learned once both modes were seen. */
static double walk_ratio(const struct policy_proc *s, const struct policy_params *p)
{
	if (s->cpw[0] <= 0 || s->cpw[1] <= 0)
		return p->walk_ratio;
	return fmin(fmax(s->cpw[1] / s->cpw[0], 0.01), 4.0);
}

double policy_gain(const struct policy_proc *s, const struct policy_params *p,
		   const struct policy_sample *x)
{
	double ratio = walk_ratio(s, p), walk = (double)x->walk_cycles;
	double nested = x->tpt ? walk / ratio : walk;
	double tpt = x->tpt ? walk : walk * ratio;
	double gain = nested - tpt - (double)x->pt_updates * p->pvop_cycles;
	/* Switching on builds the table (once on, that cost is sunk), paid back
	 * over the intervals the process can be expected to go on running: as
	 * many as it has run so far, and at least `horizon`. */
	if (!x->tpt) {
		double life = s->intervals > p->horizon ? (double)s->intervals : p->horizon;
		gain -= (double)x->rss_pages * p->construct_cycles / life;
	}
	return gain;
}

enum policy_action policy_decide(struct policy_proc *s, const struct policy_params *p,
				 const struct policy_sample *x)
{
	uint32_t span = x->span ? x->span : 1;
	s->intervals += span;
	s->since += span;
	if (s->settle) {
		/* The switch itself disturbed the caches (a new table, cold lines):
		 * this interval says little about the mode it ran in. */
		s->settle = false;
		s->gain = 0;
		s->threshold = p->threshold + (s->threshold - p->threshold) * p->age;
		return POLICY_KEEP;
	}
	if (x->walks) {
		double cpw = (double)x->walk_cycles / (double)x->walks, *m = &s->cpw[x->tpt];
		*m = *m > 0 ? (*m + cpw) / 2 : cpw;
	}
	s->gain = x->cycles ? policy_gain(s, p, x) / (double)x->cycles : 0;

	double hi = s->threshold * (1 + p->band), lo = s->threshold * (1 - p->band);
	if (s->gain > hi && s->counter < p->confidence)
		s->counter++;
	else if (s->gain < lo && s->counter > 0)
		s->counter--;

	enum policy_action a = POLICY_KEEP;
	if (!s->tpt && s->counter == p->confidence)
		a = POLICY_ENABLE;
	else if (s->tpt && s->counter == 0)
		a = POLICY_DISABLE;
	if (a == POLICY_KEEP) {
		s->threshold = p->threshold + (s->threshold - p->threshold) * p->age;
		return a;
	}
	/* A switch soon after the last one says the last one was wrong: demand
	 * more evidence for a while. */
	if (s->decisions && s->since <= p->horizon) {
		s->losing++;
		s->threshold = fmin(s->threshold * p->raise, p->threshold * p->max_raise);
	}
	s->decisions++;
	s->since = 0;
	s->tpt = a == POLICY_ENABLE;
	s->settle = true;
	s->cpw[s->tpt] = 0; /* learn the new mode's walk cost afresh, in this phase */
	return a;
}

int policy_check(const struct policy_proc *s, const struct policy_params *p)
{
	double eps = 1e-12 * fmax(1, fabs(p->threshold));
	if (s->counter > p->confidence)
		return -1;
	if (s->threshold < p->threshold - eps || s->threshold > p->threshold * p->max_raise + eps)
		return -2;
	if (s->losing > s->decisions || s->decisions > s->intervals)
		return -3;
	if (s->cpw[0] < 0 || s->cpw[1] < 0)
		return -4;
	return 0;
}
