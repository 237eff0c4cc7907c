/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DCE/RPC endpoint mapper client codec (C706 appendix L "Protocol Tower
 * Encoding", MS-RPCE 2.2.1.2): the ept_map call an RPC/TCP client makes on
 * port 135 to learn which TCP port serves an interface.  Sans-I/O: stubs in,
 * stubs out; the PDUs around them are lib/dcerpc's. */
#ifndef RPE_EPM_H
#define RPE_EPM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dcerpc.h"
#include "err.h"

/* epmapper e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.0 */
extern const struct dcerpc_syntax epm_interface;

#define EPM_OPNUM_MAP 3
/* ept_map status: no (more) entries for the interface. */
#define EPM_S_NOT_REGISTERED 0x16c9a0d6u
/* Towers asked for in one ept_map call (Windows clients ask for 4). */
#define EPM_MAX_TOWERS 4

/* Protocol identifiers of tower floors (C706 L.2). */
#define EPM_PROT_UUID 0x0d
#define EPM_PROT_NCACN 0x0b /* connection-oriented RPC */
#define EPM_PROT_TCP 0x07
#define EPM_PROT_IP 0x09

/* What a tower says about an ncacn_ip_tcp endpoint. */
struct epm_tower {
	struct dcerpc_syntax iface;    /* floor 1 */
	struct dcerpc_syntax transfer; /* floor 2 */
	uint8_t rpc_protocol;          /* floor 3: 0x0b for ncacn */
	int has_tcp;
	uint16_t tcp_port; /* floor 4 (big-endian on the wire) */
	int has_ip;
	uint8_t ip[4]; /* floor 5 */
};

/* Append the octet string of an ncacn_ip_tcp tower for `iface` (NDR
 * transfer syntax, the given port and IPv4 address). */
int epm_encode_tower(struct buf *out, const struct dcerpc_syntax *iface,
		     uint16_t port, const uint8_t ip[4], struct rpe_error *err);

/* Parse a tower octet string; only towers of at least the three RPC floors
 * are accepted, unknown further floors are skipped. */
int epm_parse_tower(const uint8_t *p, size_t len, struct epm_tower *out,
		    struct rpe_error *err);

/* Stub of an ept_map request (opnum 3) looking up `iface` over
 * ncacn_ip_tcp: NULL object, the map tower (port 0, address 0.0.0.0), a
 * zero entry handle and max_towers. */
int epm_encode_map_request(struct buf *stub, const struct dcerpc_syntax *iface,
			   uint32_t max_towers, struct rpe_error *err);

struct epm_map_result {
	uint32_t status;     /* 0, or EPM_S_NOT_REGISTERED ... */
	uint32_t num_towers; /* towers in the answer */
	int found;           /* a tower for the interface over ncacn_ip_tcp */
	uint16_t port;       /* its TCP port (when found) */
	uint8_t ip[4];
};

/* Decode an ept_map response stub and pick the first tower that carries
 * `iface` over ncacn_ip_tcp.  A well-formed "not registered" answer is not
 * an error: out->status says it. */
int epm_decode_map_response(const uint8_t *stub, size_t len,
			    const struct dcerpc_syntax *iface,
			    struct epm_map_result *out, struct rpe_error *err);

/* "EPT_S_NOT_REGISTERED" ...; unknown codes as hex in a static buffer. */
const char *epm_status_name(uint32_t status);

#endif
