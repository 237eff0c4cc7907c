/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lib/buf: every function of buf.h, with exact bytes, and every boundary:
 * getters one byte short, the hard cap, size_t overflow of len + n, invalid
 * UTF-8, alignment of buffers and cursors, out-of-range slices, peeks,
 * patches and consumes.  Failures must leave the object unchanged. */
#include "buf.h"
#include "t.h"

#include <stdint.h>

#define CHECK_BUF(b, hex)                                                      \
	do {                                                                   \
		unsigned char want_[256];                                      \
		size_t wn_ = t_unhex(hex, want_, sizeof(want_));               \
		CHECK_INT((b)->len, wn_);                                      \
		if ((b)->len == wn_ && wn_)                                    \
			CHECK_MEM((b)->data, want_, wn_);                      \
	} while (0)

static void test_init_free_reset(void)
{
	struct buf b;
	struct buf zero = { 0 };
	size_t i;

	buf_init(&b, 0);
	CHECK(b.data == NULL);
	CHECK_INT(b.len, 0);
	CHECK_INT(b.cap, 0);
	CHECK_INT(b.max, BUF_DEFAULT_MAX);
	buf_init(&b, 100);
	CHECK_INT(b.max, 100);

	CHECK_INT(buf_put_bytes(&b, "secret", 6), 0);
	CHECK(b.cap >= 6);
	buf_reset(&b);
	CHECK_INT(b.len, 0);
	CHECK(b.data != NULL); /* allocation kept */
	for (i = 0; i < 6; i++)
		CHECK_INT(b.data[i], 0); /* ...and wiped */
	CHECK_INT(buf_put_u8(&b, 7), 0);
	CHECK_BUF(&b, "07");

	buf_free(&b);
	CHECK(b.data == NULL);
	CHECK_INT(b.len, 0);
	CHECK_INT(b.cap, 0);
	buf_free(&b);    /* twice */
	buf_free(&zero); /* never used */
	buf_free(NULL);
	buf_reset(&zero);
	CHECK_INT(zero.len, 0);
}

static void test_put_ints(void)
{
	struct buf b;

	buf_init(&b, 0);
	CHECK_INT(buf_put_u8(&b, 0xA5), 0);
	CHECK_INT(buf_put_u16le(&b, 0x1234), 0);
	CHECK_INT(buf_put_u32le(&b, 0x89ABCDEF), 0);
	CHECK_INT(buf_put_u64le(&b, 0x0102030405060708ull), 0);
	CHECK_INT(buf_put_u16be(&b, 0x1234), 0);
	CHECK_INT(buf_put_u32be(&b, 0x89ABCDEF), 0);
	CHECK_BUF(&b, "a5 3412 efcdab89 0807060504030201 1234 89abcdef");
	buf_free(&b);

	buf_init(&b, 0);
	CHECK_INT(buf_put_u16le(&b, 0xFFFF), 0);
	CHECK_INT(buf_put_u32le(&b, 0), 0);
	CHECK_INT(buf_put_u64le(&b, UINT64_MAX), 0);
	CHECK_BUF(&b, "ffff 00000000 ffffffffffffffff");
	buf_free(&b);
}

static void test_put_bytes_zeros_space(void)
{
	struct buf b;
	uint8_t *sp = NULL;

	buf_init(&b, 0);
	CHECK_INT(buf_put_bytes(&b, "ab", 2), 0);
	CHECK_INT(buf_put_bytes(&b, NULL, 0), 0); /* nothing to copy */
	CHECK_INT(buf_put_bytes(&b, "zz", 0), 0);
	CHECK_INT(buf_put_bytes(&b, NULL, 1), RPE_ERR_ARG);
	CHECK_BUF(&b, "6162");
	CHECK_INT(buf_put_zeros(&b, 3), 0);
	CHECK_INT(buf_put_zeros(&b, 0), 0);
	CHECK_BUF(&b, "6162 000000");
	CHECK_INT(buf_put_space(&b, 2, &sp), 0);
	CHECK(sp == b.data + 5);
	CHECK_INT(sp[0], 0);
	CHECK_INT(sp[1], 0);
	sp[0] = 0xEE;
	sp[1] = 0xFF;
	CHECK_BUF(&b, "6162 000000 eeff");
	CHECK_INT(buf_put_space(&b, 0, &sp), 0);
	CHECK(sp == b.data + 7);
	CHECK_INT(buf_put_space(&b, 1, NULL), 0);
	CHECK_BUF(&b, "6162 000000 eeff 00");
	buf_free(&b);

	/* zero-length space on an empty buffer: no allocation, NULL pointer */
	buf_init(&b, 0);
	sp = (uint8_t *)&b;
	CHECK_INT(buf_put_space(&b, 0, &sp), 0);
	CHECK(sp == NULL);
	CHECK_INT(b.len, 0);
	buf_free(&b);

	/* space is zero-filled even when reusing wiped/dirty memory */
	buf_init(&b, 0);
	CHECK_INT(buf_put_bytes(&b, "\xff\xff\xff\xff", 4), 0);
	b.len = 0; /* forget without wiping */
	CHECK_INT(buf_put_space(&b, 4, &sp), 0);
	CHECK_BUF(&b, "00000000");
	buf_free(&b);
}

static void test_cap(void)
{
	struct buf b;
	uint8_t *sp = (uint8_t *)"x";

	buf_init(&b, 10);
	CHECK_INT(buf_put_bytes(&b, "0123456789", 10), 0);
	CHECK_INT(b.len, 10);
	CHECK(b.cap <= b.max);
	CHECK_INT(buf_put_u8(&b, 1), RPE_ERR_TOOBIG);
	CHECK_INT(buf_put_zeros(&b, 1), RPE_ERR_TOOBIG);
	CHECK_INT(buf_put_align(&b, 16), RPE_ERR_TOOBIG);
	CHECK_INT(buf_put_space(&b, 1, &sp), RPE_ERR_TOOBIG);
	CHECK_INT(b.len, 10);
	CHECK_MEM(b.data, "0123456789", 10);
	CHECK_INT(buf_reserve(&b, 0), 0);
	CHECK_INT(buf_reserve(&b, 1), RPE_ERR_TOOBIG);
	buf_free(&b);

	/* multi-byte puts are all or nothing at the cap */
	buf_init(&b, 9);
	CHECK_INT(buf_put_bytes(&b, "abcdefgh", 8), 0);
	CHECK_INT(buf_put_u16le(&b, 0x1234), RPE_ERR_TOOBIG);
	CHECK_INT(buf_put_u16be(&b, 0x1234), RPE_ERR_TOOBIG);
	CHECK_INT(buf_put_u32le(&b, 1), RPE_ERR_TOOBIG);
	CHECK_INT(buf_put_u32be(&b, 1), RPE_ERR_TOOBIG);
	CHECK_INT(buf_put_u64le(&b, 1), RPE_ERR_TOOBIG);
	CHECK_INT(buf_put_bytes(&b, "xy", 2), RPE_ERR_TOOBIG);
	CHECK_INT(b.len, 8);
	CHECK_INT(buf_put_u8(&b, 'i'), 0);
	CHECK_INT(b.len, 9);
	CHECK(b.cap == 9); /* growth is clamped to max */
	buf_free(&b);

	/* reserve: n alone above max, and growth up to exactly max */
	buf_init(&b, 100);
	CHECK_INT(buf_reserve(&b, 101), RPE_ERR_TOOBIG);
	CHECK(b.data == NULL);
	CHECK_INT(buf_reserve(&b, 100), 0);
	CHECK_INT(b.cap, 100);
	CHECK_INT(b.len, 0);
	CHECK_INT(buf_reserve(&b, 65), 0);
	CHECK_INT(buf_put_zeros(&b, 70), 0);
	CHECK_INT(buf_reserve(&b, 30), 0);
	CHECK_INT(buf_reserve(&b, 31), RPE_ERR_TOOBIG);
	buf_free(&b);

	/* first allocation is 64, then doubling */
	buf_init(&b, 0);
	CHECK_INT(buf_reserve(&b, 1), 0);
	CHECK_INT(b.cap, 64);
	CHECK_INT(buf_put_zeros(&b, 65), 0);
	CHECK_INT(b.cap, 128);
	buf_free(&b);
}

static void test_len_overflow(void)
{
	struct buf b;

	/* With max = SIZE_MAX, len + n would wrap; it must be refused
	 * before any allocation is attempted. */
	buf_init(&b, SIZE_MAX);
	CHECK_INT(buf_put_bytes(&b, "0123456789", 10), 0);
	CHECK_INT(buf_reserve(&b, SIZE_MAX), RPE_ERR_TOOBIG);
	CHECK_INT(buf_reserve(&b, SIZE_MAX - 5), RPE_ERR_TOOBIG);
	CHECK_INT(buf_reserve(&b, SIZE_MAX - 9), RPE_ERR_TOOBIG);
	CHECK_INT(buf_put_space(&b, SIZE_MAX - 9, NULL), RPE_ERR_TOOBIG);
	CHECK_INT(buf_put_zeros(&b, SIZE_MAX), RPE_ERR_TOOBIG);
	CHECK_INT(buf_put_bytes(&b, "x", SIZE_MAX), RPE_ERR_TOOBIG);
	CHECK_INT(b.len, 10);
	CHECK_MEM(b.data, "0123456789", 10);
	buf_free(&b);
}

static void test_align_put(void)
{
	struct buf b;

	buf_init(&b, 0);
	CHECK_INT(buf_put_align(&b, 4), 0); /* empty: already aligned */
	CHECK_INT(b.len, 0);
	CHECK_INT(buf_put_u8(&b, 1), 0);
	CHECK_INT(buf_put_align(&b, 4), 0);
	CHECK_BUF(&b, "01000000");
	CHECK_INT(buf_put_align(&b, 4), 0); /* aligned: no-op */
	CHECK_INT(buf_put_align(&b, 1), 0);
	CHECK_INT(b.len, 4);
	CHECK_INT(buf_put_u8(&b, 2), 0);
	CHECK_INT(buf_put_align(&b, 8), 0);
	CHECK_BUF(&b, "01000000 02000000");
	CHECK_INT(buf_put_u8(&b, 3), 0);
	CHECK_INT(buf_put_align(&b, 2), 0);
	CHECK_BUF(&b, "01000000 02000000 0300");
	CHECK_INT(buf_put_align(&b, 3), 0); /* any modulus: 10 -> 12 */
	CHECK_INT(b.len, 12);
	CHECK_INT(buf_put_align(&b, 16), 0);
	CHECK_INT(b.len, 16);
	CHECK_INT(buf_put_align(&b, 0), RPE_ERR_ARG);
	CHECK_INT(b.len, 16);
	buf_free(&b);
}

static void check_utf16(const char *s, size_t n, const char *hex)
{
	struct buf b;

	buf_init(&b, 0);
	CHECK_INT(buf_put_utf16le(&b, s, n), 0);
	CHECK_BUF(&b, hex);
	buf_free(&b);
}

static void check_utf16_bad(const char *s, size_t n)
{
	struct buf b;

	buf_init(&b, 0);
	CHECK_INT(buf_put_u8(&b, 0x77), 0);
	CHECK_INT(buf_put_utf16le(&b, s, n), RPE_ERR_ARG);
	CHECK_BUF(&b, "77"); /* rolled back to before the call */
	buf_free(&b);
}

static void test_utf16le(void)
{
	struct buf b;

	check_utf16("", 0, "");
	check_utf16(NULL, 0, "");
	check_utf16("A", 1, "4100");
	check_utf16("Ab1", 3, "4100 6200 3100");
	check_utf16("a\0b", 3, "6100 0000 6200"); /* n bytes, NUL included */
	check_utf16("\x7f", 1, "7f00");
	check_utf16("\xc2\x80", 2, "8000");              /* U+0080 */
	check_utf16("\xc3\xa9", 2, "e900");              /* U+00E9 e acute */
	check_utf16("\xdf\xbf", 2, "ff07");              /* U+07FF */
	check_utf16("\xe0\xa0\x80", 3, "0008");          /* U+0800 */
	check_utf16("\xe2\x82\xac", 3, "ac20");          /* U+20AC euro */
	check_utf16("\xed\x9f\xbf", 3, "ffd7");          /* U+D7FF */
	check_utf16("\xee\x80\x80", 3, "00e0");          /* U+E000 */
	check_utf16("\xef\xbf\xbf", 3, "ffff");          /* U+FFFF */
	check_utf16("\xf0\x90\x80\x80", 4, "00d8 00dc"); /* U+10000 */
	check_utf16("\xf0\x9f\x98\x80", 4, "3dd8 00de"); /* U+1F600 */
	check_utf16("\xf4\x8f\xbf\xbf", 4, "ffdb ffdf"); /* U+10FFFF */
	check_utf16("x\xf0\x9f\x98\x80y", 6, "7800 3dd8 00de 7900");

	check_utf16_bad(NULL, 1);
	check_utf16_bad("\x80", 1); /* lone continuation */
	check_utf16_bad("\xbf", 1);
	check_utf16_bad("\xc0\x80", 2);     /* overlong NUL */
	check_utf16_bad("\xc1\xbf", 2);     /* overlong */
	check_utf16_bad("\xe0\x80\x80", 3); /* overlong 3-byte */
	check_utf16_bad("\xe0\x9f\xbf", 3);
	check_utf16_bad("\xf0\x80\x80\x80", 4); /* overlong 4-byte */
	check_utf16_bad("\xf0\x8f\xbf\xbf", 4);
	check_utf16_bad("\xed\xa0\x80", 3);             /* U+D800 surrogate */
	check_utf16_bad("\xed\xbf\xbf", 3);             /* U+DFFF surrogate */
	check_utf16_bad("\xed\xa0\xbd\xed\xb8\x80", 6); /* CESU-8 pair */
	check_utf16_bad("\xf4\x90\x80\x80", 4);         /* U+110000 */
	check_utf16_bad("\xf7\xbf\xbf\xbf", 4);
	check_utf16_bad("\xf8\x88\x80\x80\x80", 5); /* 5-byte form */
	check_utf16_bad("\xfc\x84\x80\x80\x80\x80", 6);
	check_utf16_bad("\xfe", 1);
	check_utf16_bad("\xff", 1);
	check_utf16_bad("\xc3", 1); /* truncated */
	check_utf16_bad("\xe2\x82", 2);
	check_utf16_bad("\xf0\x9f\x98", 3);
	check_utf16_bad("\xe2\x82\xac", 2); /* n cuts the sequence */
	check_utf16_bad("\xc3"
			"A",
			2); /* bad continuation */
	check_utf16_bad("\xe2\x28\xa1", 3);
	check_utf16_bad("\xf0\x9f\x28\x80", 4);
	check_utf16_bad("ok\xff", 3); /* good prefix rolled back */

	/* the cap: all or nothing, also in the middle of a surrogate pair */
	buf_init(&b, 3);
	CHECK_INT(buf_put_utf16le(&b, "AB", 2), RPE_ERR_TOOBIG);
	CHECK_INT(b.len, 0);
	CHECK_INT(buf_put_utf16le(&b, "\xf0\x9f\x98\x80", 4), RPE_ERR_TOOBIG);
	CHECK_INT(b.len, 0);
	CHECK_INT(buf_put_utf16le(&b, "A", 1), 0);
	CHECK_BUF(&b, "4100");
	buf_free(&b);
	buf_init(&b, 4);
	CHECK_INT(buf_put_utf16le(&b, "\xf0\x9f\x98\x80", 4), 0);
	CHECK_BUF(&b, "3dd8 00de");
	buf_free(&b);
}

static void test_set_at(void)
{
	struct buf b;

	buf_init(&b, 0);
	CHECK_INT(buf_put_zeros(&b, 8), 0);
	CHECK_INT(buf_set_u8_at(&b, 0, 0x11), 0);
	CHECK_INT(buf_set_u8_at(&b, 7, 0x22), 0); /* last byte */
	CHECK_INT(buf_set_u16le_at(&b, 1, 0x3344), 0);
	CHECK_INT(buf_set_u32le_at(&b, 3, 0x55667788), 0);
	CHECK_BUF(&b, "11 4433 88776655 22");
	CHECK_INT(buf_set_u16le_at(&b, 6, 0xAABB), 0);     /* last two */
	CHECK_INT(buf_set_u32le_at(&b, 4, 0x01020304), 0); /* last four */
	CHECK_BUF(&b, "11 4433 88 04030201");

	CHECK_INT(buf_set_u8_at(&b, 8, 1), RPE_ERR_ARG);
	CHECK_INT(buf_set_u16le_at(&b, 7, 1), RPE_ERR_ARG);
	CHECK_INT(buf_set_u16le_at(&b, 8, 1), RPE_ERR_ARG);
	CHECK_INT(buf_set_u32le_at(&b, 5, 1), RPE_ERR_ARG);
	CHECK_INT(buf_set_u32le_at(&b, SIZE_MAX, 1), RPE_ERR_ARG);
	CHECK_INT(buf_set_u16le_at(&b, SIZE_MAX - 1, 1), RPE_ERR_ARG);
	CHECK_INT(buf_set_u8_at(&b, SIZE_MAX, 1), RPE_ERR_ARG);
	CHECK_BUF(&b, "11 4433 88 04030201"); /* untouched */
	buf_free(&b);

	buf_init(&b, 0); /* nothing written yet */
	CHECK_INT(buf_set_u8_at(&b, 0, 1), RPE_ERR_ARG);
	buf_free(&b);
}

static void test_consume(void)
{
	struct buf b;
	uint8_t *old;

	buf_init(&b, 0);
	CHECK_INT(buf_put_bytes(&b, "abcdef", 6), 0);
	CHECK_INT(buf_consume(&b, 0), 0);
	CHECK_BUF(&b, "616263646566");
	CHECK_INT(buf_consume(&b, 2), 0);
	CHECK_BUF(&b, "63646566");
	old = b.data;
	CHECK(old[4] == 0 && old[5] == 0); /* vacated tail wiped */
	CHECK_INT(buf_consume(&b, 5), RPE_ERR_ARG);
	CHECK_INT(buf_consume(&b, SIZE_MAX), RPE_ERR_ARG);
	CHECK_BUF(&b, "63646566");
	CHECK_INT(buf_consume(&b, 4), 0);
	CHECK_INT(b.len, 0);
	CHECK(b.data[0] == 0 && b.data[3] == 0);
	CHECK_INT(buf_consume(&b, 0), 0);
	CHECK_INT(buf_consume(&b, 1), RPE_ERR_ARG);
	buf_free(&b);
}

static const uint8_t vec[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
			       0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c };

static void test_cursor_basics(void)
{
	struct buf_cur c;

	buf_cur_init(&c, vec, sizeof(vec));
	CHECK_INT(buf_cur_remaining(&c), 12);
	CHECK_INT(buf_cur_pos(&c), 0);
	CHECK_INT(buf_cur_seek(&c, 12), 0); /* end is a valid position */
	CHECK_INT(buf_cur_remaining(&c), 0);
	CHECK_INT(buf_cur_seek(&c, 13), RPE_ERR_SHORT);
	CHECK_INT(buf_cur_seek(&c, SIZE_MAX), RPE_ERR_SHORT);
	CHECK_INT(buf_cur_pos(&c), 12);
	CHECK_INT(buf_cur_seek(&c, 3), 0);
	CHECK_INT(buf_cur_pos(&c), 3);
	CHECK_INT(buf_cur_remaining(&c), 9);

	buf_cur_init(&c, NULL, 5); /* NULL data means empty */
	CHECK_INT(buf_cur_remaining(&c), 0);
	CHECK_INT(buf_skip(&c, 1), RPE_ERR_SHORT);
	CHECK_INT(buf_skip(&c, 0), 0);
}

static void test_getters(void)
{
	struct buf_cur c;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	buf_cur_init(&c, vec, sizeof(vec));
	CHECK_INT(buf_get_u8(&c, &v8), 0);
	CHECK_INT(v8, 0x01);
	CHECK_INT(buf_get_u16le(&c, &v16), 0);
	CHECK_INT(v16, 0x0302);
	CHECK_INT(buf_get_u16be(&c, &v16), 0);
	CHECK_INT(v16, 0x0405);
	CHECK_INT(buf_get_u32le(&c, &v32), 0);
	CHECK_INT(v32, 0x09080706);
	CHECK_INT(buf_cur_pos(&c), 9);
	buf_cur_init(&c, vec, sizeof(vec));
	CHECK_INT(buf_get_u32be(&c, &v32), 0);
	CHECK_INT(v32, 0x01020304);
	CHECK_INT(buf_get_u64le(&c, &v64), 0);
	CHECK(v64 == 0x0c0b0a0908070605ull);
	CHECK_INT(buf_cur_remaining(&c), 0);
	CHECK_INT(buf_get_u8(&c, &v8), RPE_ERR_SHORT);
}

/* Each getter with one byte too few, both as a short buffer and at
 * position len-(w-1); the value and the position stay untouched. */
static void test_getters_short(void)
{
	struct buf_cur c;
	uint8_t v8 = 0xAA, out[4] = { 0xAA, 0xAA, 0xAA, 0xAA };
	uint16_t v16 = 0xAAAA;
	uint32_t v32 = 0xAAAAAAAA;
	uint64_t v64 = 0xAAAAAAAAAAAAAAAAull;
	const uint8_t *ref = NULL;
	struct buf_cur sub;

	buf_cur_init(&c, vec, 0);
	CHECK_INT(buf_get_u8(&c, &v8), RPE_ERR_SHORT);
	buf_cur_init(&c, vec, 1);
	CHECK_INT(buf_get_u16le(&c, &v16), RPE_ERR_SHORT);
	CHECK_INT(buf_get_u16be(&c, &v16), RPE_ERR_SHORT);
	buf_cur_init(&c, vec, 3);
	CHECK_INT(buf_get_u32le(&c, &v32), RPE_ERR_SHORT);
	CHECK_INT(buf_get_u32be(&c, &v32), RPE_ERR_SHORT);
	buf_cur_init(&c, vec, 7);
	CHECK_INT(buf_get_u64le(&c, &v64), RPE_ERR_SHORT);
	CHECK_INT(buf_get_bytes(&c, out, 8), RPE_ERR_SHORT);
	CHECK_INT(buf_get_ref(&c, 8, &ref), RPE_ERR_SHORT);
	CHECK_INT(buf_get_sub(&c, 8, &sub), RPE_ERR_SHORT);
	CHECK_INT(buf_skip(&c, 8), RPE_ERR_SHORT);
	CHECK_INT(buf_cur_pos(&c), 0);

	/* the same at the tail of a longer buffer */
	buf_cur_init(&c, vec, sizeof(vec));
	CHECK_INT(buf_cur_seek(&c, 12), 0);
	CHECK_INT(buf_get_u8(&c, &v8), RPE_ERR_SHORT);
	CHECK_INT(buf_cur_seek(&c, 11), 0); /* len-1: one byte left */
	CHECK_INT(buf_get_u16le(&c, &v16), RPE_ERR_SHORT);
	CHECK_INT(buf_get_u16be(&c, &v16), RPE_ERR_SHORT);
	CHECK_INT(buf_get_u32le(&c, &v32), RPE_ERR_SHORT);
	CHECK_INT(buf_get_u32be(&c, &v32), RPE_ERR_SHORT);
	CHECK_INT(buf_get_u64le(&c, &v64), RPE_ERR_SHORT);
	CHECK_INT(buf_get_bytes(&c, out, 2), RPE_ERR_SHORT);
	CHECK_INT(buf_cur_pos(&c), 11);
	CHECK_INT(buf_get_u8(&c, &v8), 0); /* the last byte itself is fine */
	CHECK_INT(v8, 0x0c);
	CHECK_INT(buf_cur_seek(&c, 9), 0); /* 3 left */
	CHECK_INT(buf_get_u32le(&c, &v32), RPE_ERR_SHORT);
	CHECK_INT(buf_get_u32be(&c, &v32), RPE_ERR_SHORT);
	CHECK_INT(buf_cur_seek(&c, 5), 0); /* 7 left */
	CHECK_INT(buf_get_u64le(&c, &v64), RPE_ERR_SHORT);
	CHECK_INT(buf_cur_pos(&c), 5);
	CHECK_INT(buf_cur_seek(&c, 4), 0); /* exactly 8 left */
	CHECK_INT(buf_get_u64le(&c, &v64), 0);
	CHECK(v64 == 0x0c0b0a0908070605ull);

	CHECK_INT(v16, 0xAAAA);
	CHECK_INT(v32, 0xAAAAAAAA);
	CHECK_INT(out[0], 0xAA);
	CHECK(ref == NULL);

	/* huge n must not wrap pos + n */
	buf_cur_init(&c, vec, sizeof(vec));
	CHECK_INT(buf_skip(&c, 1), 0);
	CHECK_INT(buf_skip(&c, SIZE_MAX), RPE_ERR_SHORT);
	CHECK_INT(buf_get_ref(&c, SIZE_MAX - 1, &ref), RPE_ERR_SHORT);
	CHECK_INT(buf_cur_pos(&c), 1);
}

static void test_bytes_ref_sub(void)
{
	struct buf_cur c, sub;
	uint8_t out[4];
	const uint8_t *ref;
	uint16_t v16;

	buf_cur_init(&c, vec, sizeof(vec));
	CHECK_INT(buf_get_bytes(&c, out, 3), 0);
	CHECK_MEM(out, "\x01\x02\x03", 3);
	CHECK_INT(buf_get_bytes(&c, NULL, 0), 0);
	CHECK_INT(buf_get_ref(&c, 2, &ref), 0);
	CHECK(ref == vec + 3);
	CHECK_INT(buf_get_ref(&c, 0, &ref), 0);
	CHECK(ref == vec + 5);
	CHECK_INT(buf_get_ref(&c, 1, NULL), 0);
	CHECK_INT(buf_skip(&c, 1), 0);
	CHECK_INT(buf_cur_pos(&c), 7);

	CHECK_INT(buf_get_sub(&c, 3, &sub), 0);
	CHECK_INT(buf_cur_pos(&c), 10); /* parent moved past */
	CHECK_INT(buf_cur_remaining(&sub), 3);
	CHECK_INT(buf_get_u16le(&sub, &v16), 0);
	CHECK_INT(v16, 0x0908);
	CHECK_INT(buf_get_u16le(&sub, &v16), RPE_ERR_SHORT); /* bounded by n */
	CHECK_INT(buf_cur_seek(&sub, 4), RPE_ERR_SHORT);
	CHECK_INT(buf_get_sub(&c, 2, &sub), 0);
	CHECK_INT(buf_get_sub(&c, 0, &sub), 0);
	CHECK_INT(buf_cur_remaining(&sub), 0);
	CHECK_INT(buf_get_sub(&c, 1, &sub), RPE_ERR_SHORT);
}

static void test_align_cursor(void)
{
	struct buf_cur c, sub;
	uint8_t v8;

	buf_cur_init(&c, vec, sizeof(vec));
	CHECK_INT(buf_get_align(&c, 4), 0); /* pos 0: nothing to skip */
	CHECK_INT(buf_cur_pos(&c), 0);
	CHECK_INT(buf_get_u8(&c, &v8), 0);
	CHECK_INT(buf_get_align(&c, 4), 0);
	CHECK_INT(buf_cur_pos(&c), 4);
	CHECK_INT(buf_get_align(&c, 4), 0);
	CHECK_INT(buf_cur_pos(&c), 4);
	CHECK_INT(buf_get_u8(&c, &v8), 0);
	CHECK_INT(buf_get_align(&c, 8), 0);
	CHECK_INT(buf_cur_pos(&c), 8);
	CHECK_INT(buf_get_u8(&c, &v8), 0);
	CHECK_INT(buf_get_align(&c, 2), 0);
	CHECK_INT(buf_cur_pos(&c), 10);
	CHECK_INT(buf_get_align(&c, 1), 0);
	CHECK_INT(buf_get_align(&c, 0), RPE_ERR_ARG);
	CHECK_INT(buf_get_u8(&c, &v8), 0);              /* pos 11 */
	CHECK_INT(buf_get_align(&c, 8), RPE_ERR_SHORT); /* padding missing */
	CHECK_INT(buf_cur_pos(&c), 11);
	CHECK_INT(buf_get_align(&c, 12), 0); /* to exactly the end */
	CHECK_INT(buf_cur_pos(&c), 12);

	/* alignment counts from the cursor's own start, not the memory */
	buf_cur_init(&c, vec, sizeof(vec));
	CHECK_INT(buf_skip(&c, 1), 0);
	CHECK_INT(buf_get_sub(&c, 9, &sub), 0); /* sub starts at vec+1 */
	CHECK_INT(buf_get_u8(&sub, &v8), 0);
	CHECK_INT(v8, 0x02);
	CHECK_INT(buf_get_align(&sub, 4), 0);
	CHECK_INT(buf_cur_pos(&sub), 4);
	CHECK_INT(buf_get_u8(&sub, &v8), 0);
	CHECK_INT(v8, 0x06);
}

static void test_peek_slice(void)
{
	struct buf_cur c, s;
	uint8_t v8 = 0;
	uint16_t v16 = 0;
	uint32_t v32 = 0;

	buf_cur_init(&c, vec, sizeof(vec));
	CHECK_INT(buf_skip(&c, 10), 0); /* peeks ignore pos */
	CHECK_INT(buf_peek_u8_at(&c, 0, &v8), 0);
	CHECK_INT(v8, 0x01);
	CHECK_INT(buf_peek_u8_at(&c, 11, &v8), 0);
	CHECK_INT(v8, 0x0c);
	CHECK_INT(buf_peek_u16le_at(&c, 10, &v16), 0);
	CHECK_INT(v16, 0x0c0b);
	CHECK_INT(buf_peek_u32le_at(&c, 8, &v32), 0);
	CHECK_INT(v32, 0x0c0b0a09);
	CHECK_INT(buf_cur_pos(&c), 10);

	CHECK_INT(buf_peek_u8_at(&c, 12, &v8), RPE_ERR_SHORT);
	CHECK_INT(buf_peek_u16le_at(&c, 11, &v16), RPE_ERR_SHORT);
	CHECK_INT(buf_peek_u32le_at(&c, 9, &v32), RPE_ERR_SHORT);
	CHECK_INT(buf_peek_u8_at(&c, SIZE_MAX, &v8), RPE_ERR_SHORT);
	CHECK_INT(buf_peek_u16le_at(&c, SIZE_MAX, &v16), RPE_ERR_SHORT);
	CHECK_INT(buf_peek_u32le_at(&c, SIZE_MAX - 2, &v32), RPE_ERR_SHORT);
	CHECK_INT(v8, 0x0c);
	CHECK_INT(v16, 0x0c0b);
	CHECK_INT(v32, 0x0c0b0a09);

	CHECK_INT(buf_cur_slice(&c, 2, 3, &s), 0);
	CHECK_INT(buf_cur_remaining(&s), 3);
	CHECK_INT(buf_cur_pos(&s), 0);
	CHECK_INT(buf_get_u8(&s, &v8), 0);
	CHECK_INT(v8, 0x03);
	CHECK_INT(buf_cur_slice(&c, 12, 0, &s), 0); /* empty at the end */
	CHECK_INT(buf_cur_remaining(&s), 0);
	CHECK_INT(buf_cur_slice(&c, 0, 12, &s), 0);
	CHECK_INT(buf_cur_slice(&c, 0, 13, &s), RPE_ERR_SHORT);
	CHECK_INT(buf_cur_slice(&c, 13, 0, &s), RPE_ERR_SHORT);
	CHECK_INT(buf_cur_slice(&c, 11, 2, &s), RPE_ERR_SHORT);
	CHECK_INT(buf_cur_slice(&c, 1, SIZE_MAX, &s), RPE_ERR_SHORT);
	CHECK_INT(buf_cur_slice(&c, SIZE_MAX, 2, &s), RPE_ERR_SHORT);
	CHECK_INT(buf_cur_pos(&c), 10);
}

static void test_wipe_store(void)
{
	uint8_t a[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t z[8] = { 0 };

	buf_wipe(a, 3);
	CHECK_MEM(a, "\0\0\0\x04\x05\x06\x07\x08", 8);
	buf_wipe(a, 8);
	CHECK_MEM(a, z, 8);
	buf_wipe(NULL, 8);
	buf_wipe(a, 0);

	buf_store_u16le(a, 0xBEEF);
	CHECK_MEM(a, "\xef\xbe", 2);
	buf_store_u32le(a, 0xDEADBEEF);
	CHECK_MEM(a, "\xef\xbe\xad\xde", 4);
	buf_store_u64le(a, 0x0123456789ABCDEFull);
	CHECK_MEM(a, "\xef\xcd\xab\x89\x67\x45\x23\x01", 8);
}

/* Writer and reader agree, field by field. */
static void test_roundtrip(void)
{
	struct buf b;
	struct buf_cur c;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	buf_init(&b, 0);
	CHECK_INT(buf_put_u8(&b, 0xFE), 0);
	CHECK_INT(buf_put_align(&b, 4), 0);
	CHECK_INT(buf_put_u32le(&b, 0xCAFEBABE), 0);
	CHECK_INT(buf_put_u16be(&b, 0xBEEF), 0);
	CHECK_INT(buf_put_align(&b, 8), 0);
	CHECK_INT(buf_put_u64le(&b, 0xFEEDFACEDEADBEEFull), 0);
	CHECK_BUF(&b, "fe000000 bebafeca beef 000000000000 efbeaddecefaedfe");
	buf_cur_init(&c, b.data, b.len);
	CHECK_INT(buf_get_u8(&c, &v8), 0);
	CHECK_INT(buf_get_align(&c, 4), 0);
	CHECK_INT(buf_get_u32le(&c, &v32), 0);
	CHECK_INT(buf_get_u16be(&c, &v16), 0);
	CHECK_INT(buf_get_align(&c, 8), 0);
	CHECK_INT(buf_get_u64le(&c, &v64), 0);
	CHECK_INT(v8, 0xFE);
	CHECK_INT(v32, 0xCAFEBABE);
	CHECK_INT(v16, 0xBEEF);
	CHECK(v64 == 0xFEEDFACEDEADBEEFull);
	CHECK_INT(buf_cur_remaining(&c), 0);
	buf_free(&b);
}

int main(void)
{
	T_RUN(test_init_free_reset);
	T_RUN(test_put_ints);
	T_RUN(test_put_bytes_zeros_space);
	T_RUN(test_cap);
	T_RUN(test_len_overflow);
	T_RUN(test_align_put);
	T_RUN(test_utf16le);
	T_RUN(test_set_at);
	T_RUN(test_consume);
	T_RUN(test_cursor_basics);
	T_RUN(test_getters);
	T_RUN(test_getters_short);
	T_RUN(test_bytes_ref_sub);
	T_RUN(test_align_cursor);
	T_RUN(test_peek_slice);
	T_RUN(test_wipe_store);
	T_RUN(test_roundtrip);
	T_DONE();
}
