/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Names of probe phases, outcomes, levels and security packages (shared by
 * probe and verdict). */
#include "probe.h"

const char *probe_phase_name(enum probe_phase ph)
{
	switch (ph) {
	case PHASE_CONNECT: return "connect";
	case PHASE_RTS: return "rts";
	case PHASE_BIND: return "bind";
	case PHASE_LOGON: return "logon";
	case PHASE_DISCONNECT: return "disconnect";
	case PHASE_DONE: return "done";
	case PHASE_COUNT: break;
	}
	return "?";
}

const char *probe_outcome_name(enum probe_outcome o)
{
	switch (o) {
	case OUTCOME_NONE: return "NONE";
	case OUTCOME_LOGON_OK: return "LOGON_OK";
	case OUTCOME_LOGON_NOT_ENCRYPTED: return "LOGON_NOT_ENCRYPTED";
	case OUTCOME_LOGON_REFUSED: return "LOGON_REFUSED";
	case OUTCOME_AUTH_FAILED: return "AUTH_FAILED";
	case OUTCOME_RPC_FAULT: return "RPC_FAULT";
	case OUTCOME_BIND_REJECTED: return "BIND_REJECTED";
	case OUTCOME_TLS_FAILED: return "TLS_FAILED";
	case OUTCOME_CONNECT_FAILED: return "CONNECT_FAILED";
	case OUTCOME_PROXY_REFUSED: return "PROXY_REFUSED";
	case OUTCOME_PROTOCOL_ERROR: return "PROTOCOL_ERROR";
	case OUTCOME_TIMEOUT: return "TIMEOUT";
	case OUTCOME_NOT_REGISTERED: return "NOT_REGISTERED";
	case OUTCOME_TLS_REQUIRED: return "TLS_REQUIRED";
	case OUTCOME_ANSWERED_IN_CLEAR: return "ANSWERED_IN_CLEAR";
	}
	return "?";
}

const char *probe_level_name(enum probe_level l)
{
	switch (l) {
	case PROBE_LEVEL_NONE: return "none";
	case PROBE_LEVEL_CONNECT: return "connect";
	case PROBE_LEVEL_INTEGRITY: return "integrity";
	case PROBE_LEVEL_PRIVACY: return "privacy";
	}
	return "?";
}

const char *probe_auth_name(enum probe_auth a)
{
	switch (a) {
	case PROBE_AUTH_NTLM: return "NTLM";
	case PROBE_AUTH_KERBEROS: return "Kerberos";
	case PROBE_AUTH_NEGOTIATE: return "SPNEGO";
	}
	return "?";
}
