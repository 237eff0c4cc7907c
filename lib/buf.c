/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Bounds-checked byte buffers; see buf.h.  Habit borrowed from OpenSSH's
 * sshbuf and curl's dynbuf: every size computation is checked for overflow
 * before it is used, and failures leave the object unchanged. */
#define _DEFAULT_SOURCE /* explicit_bzero */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

void buf_wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : BUF_DEFAULT_MAX;
}

void buf_free(struct buf *b)
{
	if (!b)
		return;
	buf_wipe(b->data, b->cap);
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void buf_reset(struct buf *b)
{
	buf_wipe(b->data, b->len);
	b->len = 0;
}

int buf_reserve(struct buf *b, size_t n)
{
	size_t need, ncap;
	uint8_t *nd;

	if (n > b->max || b->len > b->max - n)
		return RPE_ERR_TOOBIG;
	need = b->len + n;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = (ncap > b->max / 2) ? b->max : ncap * 2;
	if (ncap > b->max)
		ncap = b->max;
	/* Not realloc: the old block may hold secrets and must be wiped. */
	nd = malloc(ncap);
	if (!nd)
		return RPE_ERR_NOMEM;
	if (b->data) {
		memcpy(nd, b->data, b->len);
		buf_wipe(b->data, b->cap);
		free(b->data);
	}
	b->data = nd;
	b->cap = ncap;
	return 0;
}

int buf_put_space(struct buf *b, size_t n, uint8_t **out)
{
	TRY(buf_reserve(b, n));
	if (n)
		memset(b->data + b->len, 0, n);
	if (out)
		*out = b->data ? b->data + b->len : NULL;
	b->len += n;
	return 0;
}

int buf_put_bytes(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (!p)
		return RPE_ERR_ARG;
	TRY(buf_reserve(b, n));
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int buf_put_zeros(struct buf *b, size_t n)
{
	return buf_put_space(b, n, NULL);
}

int buf_put_align(struct buf *b, size_t align)
{
	if (align == 0)
		return RPE_ERR_ARG;
	return buf_put_zeros(b, (align - b->len % align) % align);
}

int buf_put_u8(struct buf *b, uint8_t v)
{
	return buf_put_bytes(b, &v, 1);
}

int buf_put_u16le(struct buf *b, uint16_t v)
{
	uint8_t t[2];
	buf_store_u16le(t, v);
	return buf_put_bytes(b, t, 2);
}

int buf_put_u32le(struct buf *b, uint32_t v)
{
	uint8_t t[4];
	buf_store_u32le(t, v);
	return buf_put_bytes(b, t, 4);
}

int buf_put_u64le(struct buf *b, uint64_t v)
{
	uint8_t t[8];
	buf_store_u64le(t, v);
	return buf_put_bytes(b, t, 8);
}

int buf_put_u16be(struct buf *b, uint16_t v)
{
	uint8_t t[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	return buf_put_bytes(b, t, 2);
}

int buf_put_u32be(struct buf *b, uint32_t v)
{
	uint8_t t[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };
	return buf_put_bytes(b, t, 4);
}

int buf_utf8_next(const uint8_t *s, size_t n, size_t *i, uint32_t *cp)
{
	unsigned char c = s[*i];
	size_t need, k;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		(*i)++;
		return 0;
	} else if ((c & 0xE0) == 0xC0) {
		need = 1;
		v = c & 0x1F;
		min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		need = 2;
		v = c & 0x0F;
		min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		need = 3;
		v = c & 0x07;
		min = 0x10000;
	} else {
		return RPE_ERR_ARG;
	}
	if (n - *i - 1 < need)
		return RPE_ERR_ARG;
	for (k = 1; k <= need; k++) {
		unsigned char cc = s[*i + k];
		if ((cc & 0xC0) != 0x80)
			return RPE_ERR_ARG;
		v = (v << 6) | (cc & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return RPE_ERR_ARG;
	*cp = v;
	*i += need + 1;
	return 0;
}

/* One code point as UTF-16LE: a surrogate pair above the BMP. */
static int put_utf16_cp(struct buf *b, uint32_t cp)
{
	if (cp < 0x10000)
		return buf_put_u16le(b, (uint16_t)cp);
	cp -= 0x10000;
	TRY(buf_put_u16le(b, (uint16_t)(0xD800 | (cp >> 10))));
	return buf_put_u16le(b, (uint16_t)(0xDC00 | (cp & 0x3FF)));
}

static int put_utf16(struct buf *b, const uint8_t *u, size_t n)
{
	size_t i = 0;
	uint32_t cp;

	while (i < n) {
		TRY(buf_utf8_next(u, n, &i, &cp));
		TRY(put_utf16_cp(b, cp));
	}
	return 0;
}

int buf_put_utf16le(struct buf *b, const char *s, size_t n)
{
	size_t start = b->len;
	int rc;

	if (n && !s)
		return RPE_ERR_ARG;
	rc = put_utf16(b, (const uint8_t *)s, n);
	if (rc < 0 && b->len > start) {
		buf_wipe(b->data + start, b->len - start);
		b->len = start; /* all or nothing */
	}
	return rc;
}

static int check_at(const struct buf *b, size_t off, size_t n)
{
	if (off > b->len || b->len - off < n)
		return RPE_ERR_ARG;
	return 0;
}

int buf_set_u8_at(struct buf *b, size_t off, uint8_t v)
{
	TRY(check_at(b, off, 1));
	b->data[off] = v;
	return 0;
}

int buf_set_u16le_at(struct buf *b, size_t off, uint16_t v)
{
	TRY(check_at(b, off, 2));
	buf_store_u16le(b->data + off, v);
	return 0;
}

int buf_set_u32le_at(struct buf *b, size_t off, uint32_t v)
{
	TRY(check_at(b, off, 4));
	buf_store_u32le(b->data + off, v);
	return 0;
}

int buf_consume(struct buf *b, size_t n)
{
	if (n > b->len)
		return RPE_ERR_ARG;
	if (n == 0)
		return 0;
	memmove(b->data, b->data + n, b->len - n);
	buf_wipe(b->data + b->len - n, n);
	b->len -= n;
	return 0;
}

void buf_store_u16le(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void buf_store_u32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

void buf_store_u64le(uint8_t *p, uint64_t v)
{
	buf_store_u32le(p, (uint32_t)v);
	buf_store_u32le(p + 4, (uint32_t)(v >> 32));
}

/* Cursor ------------------------------------------------------------------- */

void buf_cur_init(struct buf_cur *c, const void *p, size_t len)
{
	c->p = p;
	c->len = p ? len : 0;
	c->pos = 0;
}

size_t buf_cur_remaining(const struct buf_cur *c)
{
	return c->len - c->pos;
}

size_t buf_cur_pos(const struct buf_cur *c)
{
	return c->pos;
}

int buf_cur_seek(struct buf_cur *c, size_t off)
{
	if (off > c->len)
		return RPE_ERR_SHORT;
	c->pos = off;
	return 0;
}

int buf_get_ref(struct buf_cur *c, size_t n, const uint8_t **out)
{
	if (n > c->len - c->pos)
		return RPE_ERR_SHORT;
	if (out)
		*out = c->p + c->pos;
	c->pos += n;
	return 0;
}

int buf_get_bytes(struct buf_cur *c, void *out, size_t n)
{
	const uint8_t *p;
	TRY(buf_get_ref(c, n, &p));
	if (n)
		memcpy(out, p, n);
	return 0;
}

int buf_skip(struct buf_cur *c, size_t n)
{
	return buf_get_ref(c, n, NULL);
}

int buf_get_sub(struct buf_cur *c, size_t n, struct buf_cur *sub)
{
	const uint8_t *p;
	TRY(buf_get_ref(c, n, &p));
	buf_cur_init(sub, p, n);
	return 0;
}

int buf_get_align(struct buf_cur *c, size_t align)
{
	if (align == 0)
		return RPE_ERR_ARG;
	return buf_skip(c, (align - c->pos % align) % align);
}

int buf_get_u8(struct buf_cur *c, uint8_t *v)
{
	const uint8_t *p;
	TRY(buf_get_ref(c, 1, &p));
	*v = p[0];
	return 0;
}

int buf_get_u16le(struct buf_cur *c, uint16_t *v)
{
	const uint8_t *p;
	TRY(buf_get_ref(c, 2, &p));
	*v = (uint16_t)(p[0] | (p[1] << 8));
	return 0;
}

int buf_get_u32le(struct buf_cur *c, uint32_t *v)
{
	const uint8_t *p;
	TRY(buf_get_ref(c, 4, &p));
	*v = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	     ((uint32_t)p[3] << 24);
	return 0;
}

int buf_get_u64le(struct buf_cur *c, uint64_t *v)
{
	uint32_t lo, hi;
	if (buf_cur_remaining(c) < 8)
		return RPE_ERR_SHORT;
	TRY(buf_get_u32le(c, &lo));
	TRY(buf_get_u32le(c, &hi));
	*v = ((uint64_t)hi << 32) | lo;
	return 0;
}

int buf_get_u16be(struct buf_cur *c, uint16_t *v)
{
	const uint8_t *p;
	TRY(buf_get_ref(c, 2, &p));
	*v = (uint16_t)((p[0] << 8) | p[1]);
	return 0;
}

int buf_get_u32be(struct buf_cur *c, uint32_t *v)
{
	const uint8_t *p;
	TRY(buf_get_ref(c, 4, &p));
	*v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	     ((uint32_t)p[2] << 8) | (uint32_t)p[3];
	return 0;
}

int buf_cur_slice(const struct buf_cur *c, size_t off, size_t n,
		  struct buf_cur *out)
{
	if (off > c->len || c->len - off < n)
		return RPE_ERR_SHORT;
	buf_cur_init(out, c->p + off, n);
	return 0;
}

int buf_peek_u8_at(const struct buf_cur *c, size_t off, uint8_t *v)
{
	struct buf_cur s;
	TRY(buf_cur_slice(c, off, 1, &s));
	return buf_get_u8(&s, v);
}

int buf_peek_u16le_at(const struct buf_cur *c, size_t off, uint16_t *v)
{
	struct buf_cur s;
	TRY(buf_cur_slice(c, off, 2, &s));
	return buf_get_u16le(&s, v);
}

int buf_peek_u32le_at(const struct buf_cur *c, size_t off, uint32_t *v)
{
	struct buf_cur s;
	TRY(buf_cur_slice(c, off, 4, &s));
	return buf_get_u32le(&s, v);
}
