/* SPDX-License-Identifier: MIT */
/*
 * inspect.h - what tests read of generators' results, to check that each
 * runs its real algorithm (graph.c, xsbench.c, canneal.c).
 */
#ifndef TPT_INSPECT_H
#define TPT_INSPECT_H

#include "tpt/workload/workload.h"

const int32_t *graph_parents(const struct workload *w);    /* bfs: parent, or -1 */
const float *graph_scores(const struct workload *w);       /* pr */
const uint32_t *graph_components(const struct workload *w); /* cc */
void graph_csr(const struct workload *w, const uint64_t **off, const uint32_t **nbr, uint32_t *nv);
/* Any graph, stored or implicit: its vertices; v's neighbours (valid until the next call). */
uint32_t graph_vertices(const struct workload *w);
const uint32_t *graph_neighbours(struct workload *w, uint32_t v, uint64_t *n);

/* xsbench: the unionized grid's lower index for an energy; the last lookup. */
uint64_t xsbench_union_index(const struct workload *w, double energy);
void xsbench_last(const struct workload *w, double *energy, int *mat, uint64_t *idx);

/* canneal: neighbour i of element e among n; the placement's total wire length. */
uint32_t canneal_neighbour(uint64_t n, uint32_t e, uint32_t i);
int64_t canneal_wirelength(const struct workload *w);

#endif
