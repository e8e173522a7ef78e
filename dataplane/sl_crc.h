/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * CRC32c over whole 8-byte words, inline.  Gives exactly what
 * rte_hash_crc(p, 8 * nwords, seed) gives (so values are the same whichever
 * is used, on every machine), without its per-word check of which CRC
 * implementation the CPU has and without a function call.
 */
#ifndef SL_CRC_H
#define SL_CRC_H

#include <stdint.h>
#include <string.h>

#if defined(__SSE4_2__)
#include <nmmintrin.h>
#else
#include <rte_hash_crc.h>
#endif

static inline uint32_t sl_crc32c_words(const void *p, unsigned nwords, uint32_t seed)
{
#if defined(__SSE4_2__)
	uint64_t crc = seed;

	for (unsigned i = 0; i < nwords; i++) {
		uint64_t w;

		/* memcpy: the data may sit at any alignment. */
		memcpy(&w, (const uint8_t *)p + 8 * i, sizeof(w));
		crc = _mm_crc32_u64(crc, w);
	}
	return (uint32_t)crc;
#else
	return rte_hash_crc(p, 8 * nwords, seed);
#endif
}

#endif /* SL_CRC_H */
