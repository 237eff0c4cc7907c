#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark of a full probe pair against the bundled responder on loopback.

Runs, N times each and interleaved:
  floor      a program linking the same libraries that only initialises
             libcurl and loads OpenSSL's default+legacy providers;
  plugin     check_rpc_encryption, both probes (the normal check);
  single     check_rpc_encryption --probe encrypted (one probe alone);
  impacket   the same probe pair done by impacket (tests/responder/
             impacket_client.py).
Reports the median and spread (min..max) of user+sys CPU, peak RSS and wall
time of the client process, and the TCP connections and HTTP requests the
responder saw per run.  With --netem it repeats plugin and single inside a
private network namespace whose loopback delays every packet (RTT 20 and
50 ms), skipped with a message when namespaces or netem are not permitted.

Usage: bench.py --plugin P --floor F [--runs N] [--netem]"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RESPONDER = os.path.join(HERE, '..', 'responder', 'responder.py')
IMPACKET = os.path.join(HERE, '..', 'responder', 'impacket_client.py')
MAILBOX = ('/o=Example/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/'
           'cn=Recipients/cn=probe')
PY = '/usr/bin/python3'


def start_responder(tmp, prefix=()):
    log = os.path.join(tmp, 'responder.log')
    out = os.path.join(tmp, 'responder.out')
    proc = subprocess.Popen(list(prefix) + [PY, RESPONDER, '--log', log, '--rpc-tcp'],
                            stdout=open(out, 'w'), stderr=subprocess.DEVNULL)
    for _ in range(150):
        with open(out) as f:
            m = re.search(r'READY port=(\d+) ca=(\S+) tcp_port=\d+ epm_port=(\d+)', f.read())
        if m:
            return proc, int(m.group(1)), m.group(2), log, int(m.group(3))
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise SystemExit('responder did not start')


def measure(cmd, env, log):
    """One run: (cpu seconds, peak RSS KiB, wall seconds, connections, requests)."""
    before = open(log).read() if os.path.exists(log) else ''
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read()
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    time.sleep(0.05)  # let the responder write its last lines
    after = open(log).read()[len(before):]
    conns = len(re.findall(r' accept (peer=|epm connection|tcp connection)', after))
    reqs = len(re.findall(r' http method=', after))
    return (ru.ru_utime + ru.ru_stime, ru.ru_maxrss, wall, conns, reqs,
            proc.returncode, out.decode(errors='replace'))


def summary(values, fmt):
    return '%s (%s..%s)' % (fmt % statistics.median(values), fmt % min(values),
                            fmt % max(values))


def run_set(commands, env, log, runs):
    results = {name: [] for name in commands}
    for i in range(runs):
        for name, cmd in commands.items():
            r = measure(cmd, env, log)
            if name != 'floor' and r[5] not in (0,):
                raise SystemExit('%s failed (exit %d):\n%s' % (name, r[5], r[6]))
            results[name].append(r)
    return results


def table(results, title):
    print('\n%s\n' % title)
    print('| client | CPU user+sys ms | peak RSS MiB | wall ms | TCP conns | HTTP requests |')
    print('|---|---|---|---|---|---|')
    for name, rs in results.items():
        print('| %s | %s | %s | %s | %s | %s |' % (
            name,
            summary([r[0] * 1000 for r in rs], '%.1f'),
            summary([r[1] / 1024 for r in rs], '%.1f'),
            summary([r[2] * 1000 for r in rs], '%.1f'),
            summary([r[3] for r in rs], '%d'),
            summary([r[4] for r in rs], '%d')))


def med(results, name, idx):
    return statistics.median(r[idx] for r in results[name])


class LatencyRelay:
    """A TCP relay on 127.0.0.1 that delivers every chunk half a round trip
    late in each direction and makes a new connection's first bytes wait one
    round trip (the TCP handshake).  Used where netem is not available: it
    models path latency, not loss or bandwidth."""

    def __init__(self, upstream_port, rtt_ms):
        self.up = upstream_port
        self.half = rtt_ms / 2000.0
        self.rtt = rtt_ms / 1000.0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            u = socket.create_connection(('127.0.0.1', self.up))
            for s_ in (c, u):
                s_.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            start = time.monotonic() + self.rtt
            self._pipe(c, u, start)
            self._pipe(u, c, 0)

    def _pipe(self, src, dst, not_before):
        q = []
        cv = threading.Condition()

        def reader():
            while True:
                try:
                    data = src.recv(65536)
                except OSError:
                    data = b''
                with cv:
                    q.append((max(time.monotonic(), not_before) + self.half, data))
                    cv.notify()
                if not data:
                    return

        def writer():
            while True:
                with cv:
                    while not q:
                        cv.wait()
                    due, data = q.pop(0)
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                try:
                    if data:
                        dst.sendall(data)
                    else:
                        dst.shutdown(socket.SHUT_WR)
                        return
                except OSError:
                    return

        threading.Thread(target=reader, daemon=True).start()
        threading.Thread(target=writer, daemon=True).start()

    def close(self):
        self.sock.close()


def relay_runs(args, tmp, env):
    """Wall time under latency against the minimum number of sequential
    round trips of each path:
      RPC/TCP with --rpc-port: TCP connect, bind, auth3 + EcDoConnectEx,
        EcDoDisconnect = 4;
      RPC/HTTP, Basic sent up front: TCP, TLS 1.3, the 100 Continue libcurl
        waits for before streaming the IN channel's 1 GiB body, RTS
        (CONN/A1..C2), bind, logon, disconnect = 7;
      RPC/HTTP, --http-auth any: + the unauthenticated request's 401 and the
        IN channel's reconnect (TCP, resumed TLS) = 10;
      -e with --autodiscover-url and Basic: one more TLS connection before
        the probes (TCP, TLS, POST) = 7 + 3 = 10."""
    sub = tempfile.mkdtemp(dir=tmp)
    proc, port, ca, log, epm_port = start_responder(sub)
    try:
        with open(os.path.join(sub, 'responder.out')) as f:
            tcp_port = int(re.search(r'tcp_port=(\d+)', f.read()).group(1))
        for rtt in (20, 50):
            https = LatencyRelay(port, rtt)
            store = LatencyRelay(tcp_port, rtt)
            base = [args.plugin, '-H', 'localhost', '-p', str(https.port), '--ca-file', ca,
                    '-u', 'EXAMPLE\\probe', '-m', MAILBOX, '-t', '20']
            tcp = [args.plugin, '--transport', 'tcp', '-H', '127.0.0.1', '--rpc-port',
                   str(store.port), '-u', 'EXAMPLE\\probe', '-m', MAILBOX, '-t', '20']
            auto = [args.plugin, '-e', 'probe@example.test', '--autodiscover-url',
                    'https://localhost:%d/autodiscover/autodiscover.xml' % https.port,
                    '--ca-file', ca, '-u', 'EXAMPLE\\probe', '-t', '20']
            cases = {
                'plugin (both probes)': (base, 10),
                '-e (Autodiscover), --http-auth basic': (auto + ['--http-auth', 'basic'], 10),
                'single (--probe encrypted)': (base + ['--probe', 'encrypted'], 10),
                'plugin --http-auth basic': (base + ['--http-auth', 'basic'], 7),
                'single --http-auth basic': (base + ['--http-auth', 'basic', '--probe',
                                                     'encrypted'], 7),
                'plugin --transport tcp --rpc-port': (tcp, 4),
            }
            res = run_set({k: v[0] for k, v in cases.items()}, env, log,
                          max(3, args.runs // 4))
            table(res, 'Latency relay, RTT %d ms' % rtt)
            print()
            for name, (_, minimum) in cases.items():
                w = med(res, name, 2) * 1000
                if minimum:
                    print('RTT %d ms, %s: %.0f ms = %.2f RTT; minimum %d RTT, target <= %d ms: %s'
                          % (rtt, name, w, w / rtt, minimum, (minimum + 1) * rtt,
                             'met' if w <= (minimum + 1) * rtt else 'MISSED'))
                else:
                    print('RTT %d ms, %s: %.0f ms = %.2f RTT' % (rtt, name, w, w / rtt))
            extra = med(res, '-e (Autodiscover), --http-auth basic', 2) - \
                med(res, 'plugin --http-auth basic', 2)
            print('RTT %d ms: Autodiscover adds %.0f ms = %.2f RTT (one TLS connection: '
                  'TCP, TLS, POST = 3 RTT): %s' % (rtt, extra * 1000, extra * 1000 / rtt,
                                                  'met' if extra * 1000 <= 4 * rtt else 'MISSED'))
            https.close()
            store.close()
    finally:
        proc.terminate()
        proc.wait()


def netem_runs(args, tmp, env):
    ns = 'rpcbench%d' % os.getpid()
    if os.geteuid() != 0 or not shutil.which('ip') or not shutil.which('tc'):
        print('\nnetem: skipped (needs root, ip and tc)')
        return
    if subprocess.run(['ip', 'netns', 'add', ns], capture_output=True).returncode != 0:
        print('\nnetem: skipped (cannot create a network namespace here)')
        return
    try:
        nse = ['ip', 'netns', 'exec', ns]
        subprocess.run(nse + ['ip', 'link', 'set', 'lo', 'up'], check=True)
        for rtt in (20, 50):
            # netem on lo delays each packet once; a round trip crosses lo twice.
            r = subprocess.run(nse + ['tc', 'qdisc', 'replace', 'dev', 'lo', 'root', 'netem',
                                      'delay', '%dms' % (rtt // 2)], capture_output=True)
            if r.returncode != 0:
                print('\nnetem: skipped (%s)' % r.stderr.decode().strip())
                return
            sub = tempfile.mkdtemp(dir=tmp)
            proc, port, ca, log, _ = start_responder(sub, nse)
            try:
                base = nse + [args.plugin, '-H', 'localhost', '-p', str(port), '--ca-file', ca,
                              '-u', 'EXAMPLE\\probe', '-m', MAILBOX, '-t', '20']
                res = run_set({'plugin (both probes)': base,
                               'single (--probe encrypted)': base + ['--probe', 'encrypted']},
                              env, log, max(3, args.runs // 4))
                table(res, 'Loopback with netem, RTT %d ms' % rtt)
                w = med(res, 'plugin (both probes)', 2) * 1000
                print('\nRTT %d ms: both probes %.0f ms = %.1f RTT; one probe %.0f ms = %.1f RTT' % (
                    rtt, w, w / rtt, med(res, 'single (--probe encrypted)', 2) * 1000,
                    med(res, 'single (--probe encrypted)', 2) * 1000 / rtt))
            finally:
                proc.terminate()
                proc.wait()
    finally:
        subprocess.run(['ip', 'netns', 'del', ns], capture_output=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--plugin', required=True)
    p.add_argument('--floor', required=True)
    p.add_argument('--runs', type=int, default=20)
    p.add_argument('--netem', action='store_true')
    p.add_argument('--relay', action='store_true',
                   help='also measure through a latency relay (RTT 20 and 50 ms)')
    args = p.parse_args()
    env = dict(os.environ, CHECK_RPC_ENCRYPTION_PASSWORD='Secret123!')
    tmp = tempfile.mkdtemp(prefix='rpcenc-bench-')
    try:
        proc, port, ca, log, epm_port = start_responder(tmp)
        try:
            base = [args.plugin, '-H', 'localhost', '-p', str(port), '--ca-file', ca,
                    '-u', 'EXAMPLE\\probe', '-m', MAILBOX]
            res = run_set({
                'floor': [args.floor],
                'plugin (both probes)': base,
                'single (--probe encrypted)': base + ['--probe', 'encrypted'],
                'plugin --http-auth basic': base + ['--http-auth', 'basic'],
                'plugin --transport tcp': [args.plugin, '--transport', 'tcp', '-H', '127.0.0.1',
                                           '-p', str(epm_port), '-u', 'EXAMPLE\\probe',
                                           '-m', MAILBOX],
                'impacket (both probes)': [PY, IMPACKET, str(port), MAILBOX],
            }, env, log, args.runs)
        finally:
            proc.terminate()
            proc.wait()
        table(res, 'Loopback, TLS 1.3, HTTP Basic, %d runs each (median (min..max))' % args.runs)
        fc, fr = med(res, 'floor', 0), med(res, 'floor', 1)
        pc, pr = med(res, 'plugin (both probes)', 0), med(res, 'plugin (both probes)', 1)
        ic = med(res, 'impacket (both probes)', 0)
        pw = med(res, 'plugin (both probes)', 2)
        sw = med(res, 'single (--probe encrypted)', 2)
        print('\nplugin above the link floor: %+.1f ms CPU, %+.2f MiB peak RSS' % (
            (pc - fc) * 1000, (pr - fr) / 1024))
        print('impacket / plugin CPU: %.1fx' % (ic / pc))
        print('both probes / one probe wall: %.2f (%.1f ms vs %.1f ms)' % (pw / sw, pw * 1000,
                                                                          sw * 1000))
        if args.netem:
            netem_runs(args, tmp, env)
        if args.relay:
            relay_runs(args, tmp, env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
