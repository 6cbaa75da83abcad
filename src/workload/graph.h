/* graph.h - what tests read of the graph kernels' results (graph.c). */
#ifndef TPT_GRAPH_H
#define TPT_GRAPH_H

#include "tpt/workload.h"

const uint32_t *graph_parents(const struct workload *w);   /* bfs: parent, or UINT32_MAX */
const double *graph_scores(const struct workload *w);      /* pr */
const uint32_t *graph_components(const struct workload *w); /* cc */
void graph_csr(const struct workload *w, const uint64_t **off, const uint32_t **nbr, uint32_t *nv);

#endif
