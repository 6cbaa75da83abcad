/* SPDX-License-Identifier: MIT */
/*
 * bitmap.h - a bit per item in a byte array (per guest frame, mostly).
 */
#ifndef TPT_BITMAP_H
#define TPT_BITMAP_H

#include <stdbool.h>
#include <stdint.h>

static inline bool bit_test(const uint8_t *map, uint64_t i)
{
	return (map[i >> 3] >> (i & 7)) & 1;
}

static inline void bit_set(uint8_t *map, uint64_t i)
{
	map[i >> 3] |= (uint8_t)(1u << (i & 7));
}

static inline void bit_clear(uint8_t *map, uint64_t i)
{
	map[i >> 3] &= (uint8_t) ~(1u << (i & 7));
}

#endif
