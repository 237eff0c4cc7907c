/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lib/epm: the endpoint mapper's ept_map (C706 appendix L, MS-RPCE
 * 2.2.1.2), checked against an Exchange server's real answer and by
 * round trip; codec_vectors.sh cross-checks the same codec with impacket. */
#include "config.h"

#include "epm.h"
#include "emsmdb.h"
#include "t.h"

#include <stdint.h>

/* The ept_map request stub and the server's response stub for EMSMDB from
 * Zeek's testing/btest/Traces/dce-rpc/mapi.pcap (zeek/zeek @ a13de64f,
 * /work/shared/real_bytes/pcaps/zeek/dce-rpc_mapi.pcap frames 704 and 705:
 * an Exchange 5.5 server answering an Outlook client on port 135); the
 * 24-byte PDU headers are cut off. */
static const char MAPI_REQUEST[] =
	"0100000000000000000000000000000000000000020000004b0000004b000000"
	"050013000d00dbf1a447ca6710b31f00dd010662da00000200510013000d045d"
	"888aeb1cc9119fe808002b10486002000200000001000b020000000100070200"
	"008701000904000000000000000000000000000000000000000000000000000000"
	"04000000";
static const char MAPI_RESPONSE[] =
	"0000000000000000000000000000000000000000010000000400000000000000"
	"01000000030000004b0000004b000000050013000d00dbf1a447ca6710b31f00"
	"dd010662da00000200510013000d045d888aeb1cc9119fe808002b1048600200"
	"0200000001000b02000000010007020004080100090400c0a800020800000000";

/* The tower of a real request: the client asked for EMSMDB over
 * ncacn_ip_tcp (its map tower names port 135, where ours names 0). */
static void test_real_request_tower(void)
{
	uint8_t stub[512];
	size_t n = t_unhex(MAPI_REQUEST, stub, sizeof(stub));
	struct epm_tower t;
	struct rpe_error err = { 0, "" };

	CHECK(n > 28 + 75);
	/* object ref + nil UUID (20), tower ref (4), length twice (8) */
	CHECK_INT(epm_parse_tower(stub + 32, 75, &t, &err), 0);
	CHECK_MEM(&t.iface, &emsmdb_interface, sizeof(t.iface));
	CHECK_INT(t.rpc_protocol, EPM_PROT_NCACN);
	CHECK_INT(t.has_tcp, 1);
	CHECK_INT(t.tcp_port, 135);
	CHECK_INT(t.has_ip, 1);
}

static void test_real_response(void)
{
	uint8_t stub[512];
	size_t n = t_unhex(MAPI_RESPONSE, stub, sizeof(stub));
	struct epm_map_result r;
	struct rpe_error err = { 0, "" };
	const uint8_t ip[4] = { 192, 168, 0, 2 };

	CHECK_INT(epm_decode_map_response(stub, n, &emsmdb_interface, &r, &err),
		  0);
	CHECK_INT(r.status, 0);
	CHECK_INT(r.num_towers, 1);
	CHECK_INT(r.found, 1);
	CHECK_INT(r.port, 1032);
	CHECK_MEM(r.ip, ip, 4);
	/* Another interface is not found in the same answer. */
	CHECK_INT(epm_decode_map_response(stub, n, &epm_interface, &r, &err), 0);
	CHECK_INT(r.found, 0);
	/* Every truncation is an error, never a crash or a wrong port. */
	for (size_t cut = 0; cut < n; cut++)
		CHECK(epm_decode_map_response(stub, cut, &emsmdb_interface, &r,
					      &err) < 0);
	/* Bytes after the status are refused. */
	stub[n] = 0;
	CHECK_INT(epm_decode_map_response(stub, n + 1, &emsmdb_interface, &r,
					  &err),
		  RPE_ERR_PROTO);
}

/* Our request carries a tower for the interface that parses back. */
static void test_request_round_trip(void)
{
	struct buf stub, tower;
	struct epm_tower t;
	struct rpe_error err = { 0, "" };
	const uint8_t ip[4] = { 10, 0, 0, 7 };
	uint32_t len;

	buf_init(&stub, 0);
	buf_init(&tower, 0);
	CHECK_INT(epm_encode_map_request(&stub, &emsmdb_interface,
					 EPM_MAX_TOWERS, &err),
		  0);
	/* a NULL object (4), the tower's pointer (4) and length twice */
	len = (uint32_t)stub.data[8] | (uint32_t)stub.data[9] << 8;
	CHECK_INT(len, 75);
	CHECK_INT(epm_parse_tower(stub.data + 16, len, &t, &err), 0);
	CHECK_MEM(&t.iface, &emsmdb_interface, sizeof(t.iface));
	CHECK_INT(t.tcp_port, 0);
	/* max_towers last */
	CHECK_INT(stub.data[stub.len - 4], EPM_MAX_TOWERS);

	CHECK_INT(epm_encode_tower(&tower, &emsmdb_interface, 6001, ip, &err), 0);
	CHECK_INT(epm_parse_tower(tower.data, tower.len, &t, &err), 0);
	CHECK_INT(t.tcp_port, 6001);
	CHECK_MEM(t.ip, ip, 4);
	/* A tower cut inside its floors is refused. */
	CHECK(epm_parse_tower(tower.data, tower.len - 3, &t, &err) < 0);
	buf_free(&stub);
	buf_free(&tower);
}

/* "Not registered": an empty tower array and the status, not an error. */
static void test_not_registered(void)
{
	static const char hex[] =
		"0000000000000000000000000000000000000000" /* entry handle */
		"00000000"                                 /* num_towers */
		"04000000"
		"00000000"
		"00000000"  /* max, offset, actual */
		"d6a0c916"; /* status */
	uint8_t stub[64];
	size_t n = t_unhex(hex, stub, sizeof(stub));
	struct epm_map_result r;
	struct rpe_error err = { 0, "" };

	CHECK_INT(epm_decode_map_response(stub, n, &emsmdb_interface, &r, &err),
		  0);
	CHECK_INT(r.status, EPM_S_NOT_REGISTERED);
	CHECK_INT(r.found, 0);
	CHECK_STR(epm_status_name(r.status), "EPT_S_NOT_REGISTERED");
	CHECK_STR(epm_status_name(0x12345678u), "0x12345678");
	/* actual > max is inconsistent */
	stub[32] = 5;
	CHECK_INT(epm_decode_map_response(stub, n, &emsmdb_interface, &r, &err),
		  RPE_ERR_PROTO);
}

int main(void)
{
	T_RUN(test_real_request_tower);
	T_RUN(test_real_response);
	T_RUN(test_request_round_trip);
	T_RUN(test_not_registered);
	T_DONE();
}
