/* SPDX-License-Identifier: MIT */
/*
 * sim_cmd.c - tpt sim: one scheme on one workload or scenario, every
 * counter as text or JSON.
 */
#include <string.h>

#include "cli.h"

static void print_one(const void *res)
{
	result_print(stdout, res);
}

static void print_none(const void *res)
{
	(void)res;
}

int cmd_sim(int argc, char **argv, const json_t *rerun)
{
	struct opts o;
	struct tpt_config cfg;
	struct workload wl;
	int rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	o.rerun = rerun;
	if (!o.scheme)
		return bad("sim needs --scheme (see tpt schemes)");
	if (o.jobs)
		return bad("sim runs one scheme: --jobs is for compare and policy");
	if (o.schemes)
		return bad("sim takes --scheme S, not --schemes %s (see tpt compare)", o.schemes);
	if (o.plot || o.csv)
		return bad("sim runs one scheme: --plot and --csv are for compare and policy");
	if (o.timeline && o.policy == PROFILE_OFF)
		return bad("--timeline needs --policy");
	if (!o.workload && !o.scenario)
		return bad("sim needs --workload or --scenario (see tpt workloads)");
	const struct scheme *sc = scheme_find(o.scheme);
	if (!sc)
		return bad("unknown scheme '%s' (see tpt schemes)", o.scheme);
	if ((rc = check_outputs(&o)) || (rc = load_config(&o, &cfg)) || (rc = check_workload(&o, &wl)))
		return rc;
	struct tpt_result res;
	struct run run = {&o, sc, &res, 0, {.msg = ""}};
	rc = run_all(&run, 1, 1, &cfg, &wl);
	workload_close(&wl);
	if (rc)
		return rc;
	/* The text report stays off standard output when the timeline is there. */
	bool text = !o.timeline || strcmp(o.timeline, "-");
	rc = emit_results(&o, &cfg, o.json ? result_json(&res) : NULL, text ? print_one : print_none,
			  &res);
	result_free(&res);
	return rc;
}
