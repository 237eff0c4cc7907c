#include "buf.h"
#include "t.h"

static void test_put_get(void)
{
	struct buf b;
	struct buf_cur c;
	uint32_t v32;
	buf_init(&b, 0);
	CHECK_INT(buf_put_u32le(&b, 0x11223344), 0);
	buf_cur_init(&c, b.data, b.len);
	CHECK_INT(buf_get_u32le(&c, &v32), 0);
	CHECK_INT(v32, 0x11223344);
	CHECK_INT(buf_get_u32le(&c, &v32), RPE_ERR_SHORT);
	buf_free(&b);
}

int main(void)
{
	T_RUN(test_put_get);
	T_DONE();
}
