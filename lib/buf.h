/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Bounds-checked byte buffers.
 *
 * struct buf is a growable output buffer with a hard size cap: a hostile peer
 * can never make us allocate more than `max` bytes.  struct buf_cur is a read
 * cursor over untrusted bytes: every getter checks the remaining length and
 * returns RPE_ERR_SHORT instead of reading past the end, leaving the cursor
 * where it was.  All protocol decoders read only through buf_cur. */
#ifndef RPE_BUF_H
#define RPE_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define BUF_DEFAULT_MAX (16u * 1024u * 1024u)

struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t max; /* hard cap on len */
};

/* Output buffer ------------------------------------------------------------ */

void buf_init(struct buf *b, size_t max); /* max 0 => BUF_DEFAULT_MAX */
/* Release memory (contents wiped first: buffers often hold key material or
 * plaintext stubs).  Safe on a zeroed or already freed buf. */
void buf_free(struct buf *b);
/* Forget the contents, keep the allocation (contents wiped). */
void buf_reset(struct buf *b);
/* Make room for n more bytes. */
int buf_reserve(struct buf *b, size_t n);

int buf_put_u8(struct buf *b, uint8_t v);
int buf_put_u16le(struct buf *b, uint16_t v);
int buf_put_u32le(struct buf *b, uint32_t v);
int buf_put_u64le(struct buf *b, uint64_t v);
int buf_put_u16be(struct buf *b, uint16_t v);
int buf_put_u32be(struct buf *b, uint32_t v);
int buf_put_bytes(struct buf *b, const void *p, size_t n);
int buf_put_zeros(struct buf *b, size_t n);
/* Append zero bytes until len is a multiple of align (1, 2, 4, 8, 16 ...). */
int buf_put_align(struct buf *b, size_t align);
/* Append the UTF-8 string s (n bytes) as UTF-16LE without terminator.
 * Invalid UTF-8 (overlong, surrogates, truncated, > U+10FFFF) is
 * RPE_ERR_ARG. */
int buf_put_utf16le(struct buf *b, const char *s, size_t n);
/* Decode the UTF-8 sequence at s[*i] (i < n) into *cp and advance *i past
 * it; strict per RFC 3629 (no overlongs, surrogates, truncated sequences or
 * values above U+10FFFF): RPE_ERR_ARG, *i unchanged. */
int buf_utf8_next(const uint8_t *s, size_t n, size_t *i, uint32_t *cp);
/* Reserve n bytes at the end and return a pointer to them (zero-filled);
 * the pointer is valid until the next put. */
int buf_put_space(struct buf *b, size_t n, uint8_t **out);

/* Patch already written bytes (e.g. a length field known only at the end). */
int buf_set_u8_at(struct buf *b, size_t off, uint8_t v);
int buf_set_u16le_at(struct buf *b, size_t off, uint16_t v);
int buf_set_u32le_at(struct buf *b, size_t off, uint32_t v);

/* Drop the first n bytes (consumed input), moving the rest to the front. */
int buf_consume(struct buf *b, size_t n);

/* Read cursor -------------------------------------------------------------- */

struct buf_cur {
	const uint8_t *p;
	size_t len;
	size_t pos;
};

void buf_cur_init(struct buf_cur *c, const void *p, size_t len);
size_t buf_cur_remaining(const struct buf_cur *c);
size_t buf_cur_pos(const struct buf_cur *c);
/* Move to absolute offset off (<= len). */
int buf_cur_seek(struct buf_cur *c, size_t off);

int buf_get_u8(struct buf_cur *c, uint8_t *v);
int buf_get_u16le(struct buf_cur *c, uint16_t *v);
int buf_get_u32le(struct buf_cur *c, uint32_t *v);
int buf_get_u64le(struct buf_cur *c, uint64_t *v);
int buf_get_u16be(struct buf_cur *c, uint16_t *v);
int buf_get_u32be(struct buf_cur *c, uint32_t *v);
int buf_get_bytes(struct buf_cur *c, void *out, size_t n);
int buf_skip(struct buf_cur *c, size_t n);
/* Zero-copy view of the next n bytes; advances the cursor. */
int buf_get_ref(struct buf_cur *c, size_t n, const uint8_t **out);
/* A sub-cursor over the next n bytes; advances the parent past them. */
int buf_get_sub(struct buf_cur *c, size_t n, struct buf_cur *sub);
/* Skip to the next multiple of align (relative to the cursor's start), as
 * NDR requires; fails if the padding itself is missing. */
int buf_get_align(struct buf_cur *c, size_t align);
/* Peek at absolute offset without moving. */
int buf_peek_u8_at(const struct buf_cur *c, size_t off, uint8_t *v);
int buf_peek_u16le_at(const struct buf_cur *c, size_t off, uint16_t *v);
int buf_peek_u32le_at(const struct buf_cur *c, size_t off, uint32_t *v);
/* A cursor over [off, off+n) of c's whole range (independent of pos), for
 * offset/length fields such as NTLM's (len, maxlen, offset) triples. */
int buf_cur_slice(const struct buf_cur *c, size_t off, size_t n,
		  struct buf_cur *out);

/* Overwrite n bytes at p so the compiler cannot elide it (secrets). */
void buf_wipe(void *p, size_t n);

/* Little-/big-endian helpers on fixed arrays we own (not untrusted input). */
void buf_store_u16le(uint8_t *p, uint16_t v);
void buf_store_u32le(uint8_t *p, uint32_t v);
void buf_store_u64le(uint8_t *p, uint64_t v);

#endif
