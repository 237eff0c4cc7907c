/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How a store logon probe ended: the classes every layer under the probe
 * reports failures in (the connection pipes, the DCE/RPC association), so
 * that one representation reaches the verdict.  See docs/architecture.md. */
#ifndef RPE_OUTCOME_H
#define RPE_OUTCOME_H

enum probe_outcome {
	OUTCOME_NONE = 0,
	OUTCOME_LOGON_OK,
	OUTCOME_LOGON_NOT_ENCRYPTED, /* ecNotEncrypted 0x970 */
	OUTCOME_LOGON_REFUSED,       /* another ec* code */
	OUTCOME_AUTH_FAILED,         /* HTTP 401/403 or NTLM rejected */
	OUTCOME_RPC_FAULT,           /* fault PDU */
	OUTCOME_BIND_REJECTED,       /* bind_nak or context rejected */
	OUTCOME_TLS_FAILED,          /* handshake or certificate verification */
	OUTCOME_CONNECT_FAILED,      /* DNS, TCP, closed connection */
	OUTCOME_PROXY_REFUSED,       /* HTTP error status from the RPC proxy */
	OUTCOME_PROTOCOL_ERROR, /* malformed/unexpected PDU, bad signature */
	OUTCOME_TIMEOUT,        /* deadline passed during `phase` */
	OUTCOME_NOT_REGISTERED, /* endpoint mapper knows no EMSMDB port */
	/* MAPI over HTTP's plain door (docs/architecture.md): */
	OUTCOME_TLS_REQUIRED, /* refused, reset, 403.4, redirect to https */
	OUTCOME_ANSWERED_IN_CLEAR, /* a 401 or a MAPI answer without a logon */
};

const char *probe_outcome_name(enum probe_outcome o);

#endif
