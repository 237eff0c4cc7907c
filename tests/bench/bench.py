#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark of a full probe pair against the bundled responder on loopback.

Runs, N times each and interleaved:
  floor      a program linking libcurl only (tests/bench/floor.c) that
             initialises libcurl: the bare link floor;
  floor4     the same program doing four concurrent HTTPS GETs against the
             responder: the TLS cost of the four connections an RPC over
             HTTP probe pair needs;
  link floor a program linking the plugin's libraries that only initialises
             libcurl and loads OpenSSL's default+legacy providers;
  plugin     check_rpc_encryption, both probes (the normal check);
  single     check_rpc_encryption --probe encrypted (one probe alone);
  impacket   the same probe pair done by impacket (tests/responder/
             impacket_client.py);
  before: *  with --compare OLD, the same rows for an older build.
Every command runs under tests/bench/measure (fork, exec, wait4), which
reports the command's own CPU (user+sys), peak RSS and wall time: a command
forked from Python itself would report at least the interpreter's peak RSS
(Linux keeps it across execve).  Reports the median and spread (min..max)
and the TCP connections and HTTP requests the responder saw per run, the
shared libraries each binary loads (ldd), and with --callgrind the
instructions of one run of each (valgrind's callgrind: repeatable where
times on a shared machine are not).  With --netem it repeats plugin and
single inside a private network namespace whose loopback delays every
packet (RTT 20 and 50 ms), skipped with a message when namespaces or netem
are not permitted; with --relay it measures through a latency relay.

Usage: bench.py --plugin P --floor F --link-floor L --measure M
                [--compare OLD] [--runs N] [--netem] [--relay] [--callgrind]"""
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
MAILBOX_ID = '3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@example.test'  # MAPI/HTTP's MailboxId
PY = '/usr/bin/python3'


MAILBOX_ID = '3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f@example.test'
PLAIN_PORT = {}  # responder log -> its MAPI over HTTP plain door's port


def start_responder(tmp, prefix=(), extra=()):
    log = os.path.join(tmp, 'responder.log')
    out = os.path.join(tmp, 'responder.out')
    # The plain http door of MAPI over HTTP refuses (nothing listens), as
    # on a server that requires TLS.
    proc = subprocess.Popen(list(prefix) + [PY, RESPONDER, '--log', log, '--rpc-tcp',
                                            '--mapi-plain', 'closed'] + list(extra),
                            stdout=open(out, 'w'), stderr=subprocess.DEVNULL)
    for _ in range(150):
        with open(out) as f:
            m = re.search(r'READY port=(\d+) ca=(\S+) tcp_port=\d+ epm_port=(\d+)', f.read())
        if m:
            with open(out) as f:
                pm = re.search(r' plain_port=(\d+)', f.read())
            PLAIN_PORT[log] = pm.group(1) if pm else '1'
            return proc, int(m.group(1)), m.group(2), log, int(m.group(3))
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise SystemExit('responder did not start')


MEASURE = None


def measure(cmd, env, log):
    """One run: (cpu seconds, peak RSS KiB, wall seconds, connections, requests,
    exit status, output)."""
    before = open(log).read() if os.path.exists(log) else ''
    fd, res = tempfile.mkstemp(prefix='rpcenc-measure-')
    os.close(fd)
    try:
        proc = subprocess.run([MEASURE, res] + list(cmd), env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
        with open(res) as f:
            fields = f.read().split()
    finally:
        os.unlink(res)
    if proc.returncode != 0 or len(fields) != 4:
        raise SystemExit('measure failed for %s:\n%s' % (cmd, proc.stdout.decode(errors='replace')))
    cpu_ms, rss_kib, wall_ms, status = float(fields[0]), int(fields[1]), float(fields[2]), \
        int(fields[3])
    time.sleep(0.05)  # let the responder write its last lines
    after = open(log).read()[len(before):]
    conns = len(re.findall(r' accept (peer=|epm connection|tcp connection)', after))
    reqs = len(re.findall(r' http method=', after))
    return (cpu_ms / 1000, rss_kib, wall_ms / 1000, conns, reqs, status,
            proc.stdout.decode(errors='replace'))


def summary(values, fmt):
    return '%s (%s..%s)' % (fmt % statistics.median(values), fmt % min(values),
                            fmt % max(values))


def run_set(commands, env, log, runs):
    results = {name: [] for name in commands}
    for i in range(runs):
        for name, cmd in commands.items():
            r = measure(cmd, env, log)
            if r[5] != 0:
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


RELAY_BIN = None  # tests/bench/relay, when built (--relay-bin)


def LatencyRelay(upstream_port, rtt_ms):
    """A latency relay to 127.0.0.1:upstream_port: tests/bench/relay (C,
    one thread, poll) when it is built, else the slower PyLatencyRelay."""
    if RELAY_BIN:
        return CLatencyRelay(upstream_port, rtt_ms)
    return PyLatencyRelay(upstream_port, rtt_ms)


class CLatencyRelay:
    """tests/bench/relay UPSTREAM RTT: same model as PyLatencyRelay; its own
    cost per hop is a few microseconds, so the 0 ms relay rows stay close
    to the plugin's own times even on a loaded machine."""

    def __init__(self, upstream_port, rtt_ms):
        self.proc = subprocess.Popen([RELAY_BIN, str(upstream_port), str(rtt_ms)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        m = re.match(r'PORT (\d+)', line)
        if not m:
            self.proc.kill()
            raise SystemExit('relay did not start: %r' % line)
        self.port = int(m.group(1))

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


class PyLatencyRelay:
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


def with_before(args, commands):
    """commands plus, with --compare, the same commands run by the older
    build ('before: NAME'), interleaved with them."""
    if not args.compare:
        return commands
    if not hasattr(args, 'compare_help'):
        args.compare_help = subprocess.run([args.compare, '--help'], capture_output=True,
                                           text=True).stdout
    out = {}
    for name, v in commands.items():
        out[name] = v
        cmd = v[0] if isinstance(v, tuple) else v
        # Only what the older build knows (an option, or a --transport).
        known = all(c in args.compare_help for i, c in enumerate(cmd)
                    if c.startswith('--') or (i and cmd[i - 1] == '--transport'))
        if args.plugin in cmd and known:
            old = [args.compare if c == args.plugin else c for c in cmd]
            out['before: ' + name] = (old,) + v[1:] if isinstance(v, tuple) else old
    return out


def libraries(binary):
    """The shared libraries ldd says binary loads (sonames, vdso left out)."""
    out = subprocess.run(['ldd', binary], capture_output=True, text=True).stdout
    libs = set()
    for line in out.splitlines():
        name = line.split()[0] if line.split() else ''
        if name and 'vdso' not in name:
            libs.add(os.path.basename(name))
    return libs


def ldd_rows(args, res):
    print('\nShared libraries (ldd) and median peak RSS\n')
    print('| binary | libraries | peak RSS MiB (row) | libraries beyond the floor |')
    print('|---|---|---|---|')
    floor = libraries(args.floor)
    rows = [('floor', args.floor, 'floor'), ('link floor', args.link_floor, 'link floor'),
            ('plugin', args.plugin, 'plugin (both probes)')]
    if args.compare:
        rows.append(('before', args.compare, 'before: plugin (both probes)'))
    for label, binary, row in rows:
        libs = libraries(binary)
        extra = sorted(libs - floor)
        print('| %s | %d | %.1f (%s) | %s |' % (label, len(libs), med(res, row, 1) / 1024, row,
                                              ' '.join(extra) if extra else '-'))
    if args.compare:
        gone = sorted(libraries(args.compare) - libraries(args.plugin))
        new = sorted(libraries(args.plugin) - libraries(args.compare))
        print('\nbefore -> after: %d -> %d libraries; no longer loaded: %s; newly loaded: %s' % (
            len(libraries(args.compare)), len(libraries(args.plugin)),
            ' '.join(gone) or '-', ' '.join(new) or '-'))


def callgrind(commands, env):
    """Instructions (callgrind Ir) of one run of each command."""
    if not shutil.which('valgrind'):
        print('\ncallgrind: skipped (valgrind not installed)')
        return
    print('\nInstructions of one run (valgrind --tool=callgrind, Ir; repeatable to about 1%)\n')
    print('| client | instructions (M) |')
    print('|---|---|')
    tmp = tempfile.mkdtemp(prefix='rpcenc-callgrind-')
    try:
        for name, cmd in commands.items():
            out = os.path.join(tmp, 'cg.out')
            cmd, cenv = list(cmd), dict(env)
            if cmd[0] == 'env':  # env [-u NAME]... [NAME=VALUE]... CMD: callgrind the CMD
                cmd.pop(0)
                while cmd[0] == '-u' or '=' in cmd[0]:
                    if cmd[0] == '-u':
                        cenv.pop(cmd[1], None)
                        del cmd[:2]
                    else:
                        k, v = cmd.pop(0).split('=', 1)
                        cenv[k] = v
            # -t: valgrind slows the run about 50x; the responder waits.
            if 'check_rpc_encryption' in cmd[0]:
                cmd += ['-t', '60']
            r = subprocess.run(['valgrind', '--tool=callgrind', '--callgrind-out-file=' + out]
                               + cmd, env=cenv, capture_output=True, text=True)
            m = re.search(r'Collected : (\d+)', r.stderr)
            print('| %s | %s |' % (name, '%.1f' % (int(m.group(1)) / 1e6) if m and
                                  r.returncode == 0 else 'failed (exit %d)' % r.returncode))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def relay_runs(args, tmp, env):
    """Wall time under latency against the minimum number of sequential
    round trips of each path:
      RPC/TCP with --rpc-port and --auth ntlm: TCP connect, bind, auth3 +
        EcDoConnectEx, EcDoDisconnect = 4;
      the same with SPNEGO (auth type 9, the default): the last token goes
        in an alter_context that is answered, not in an auth3 = 5;
      RPC/HTTP, Basic sent up front: TCP, TLS 1.3, RTS (CONN/A1..C2), bind,
        logon, disconnect = 6 (no 100 Continue is waited for);
      RPC/HTTP, --http-auth any: + the NTLM NEGOTIATE's 401, which tells a
        Basic proxy (or carries an NTLM proxy's CHALLENGE), on the same
        connection = 7, and one more with SPNEGO's alter_context = 8;
      -e with --autodiscover-url and Basic: one more TLS connection before
        the probes (TCP, TLS, POST) = 6 + 3 = 9;
      MAPI/HTTP (--transport mapi, the plain door closed): TCP, TLS, Connect,
        Disconnect = 4, and the NTLM 401 before the Connect = 5."""
    sub = tempfile.mkdtemp(dir=tmp)
    proc, port, ca, log, epm_port = start_responder(sub)
    nsub = tempfile.mkdtemp(dir=tmp)
    nproc, nport, nca, nlog, _ = start_responder(nsub, extra=('--http-auth', 'ntlm'))
    try:
        with open(os.path.join(sub, 'responder.out')) as f:
            tcp_port = int(re.search(r'tcp_port=(\d+)', f.read()).group(1))
        base0 = {}
        for rtt in (0, 20, 50):
            https = LatencyRelay(port, rtt)
            nhttps = LatencyRelay(nport, rtt)
            store = LatencyRelay(tcp_port, rtt)
            base = [args.plugin, '-H', 'localhost', '-p', str(https.port), '--ca-file', ca,
                    '-u', 'EXAMPLE\\probe', '-m', MAILBOX, '-t', '20']
            tcp = [args.plugin, '--transport', 'tcp', '-H', '127.0.0.1', '--rpc-port',
                   str(store.port), '-u', 'EXAMPLE\\probe', '-m', MAILBOX, '-t', '20']
            ntlm = [args.plugin, '-H', 'localhost', '-p', str(nhttps.port), '--ca-file', nca,
                    '-u', 'EXAMPLE\\probe', '-m', MAILBOX, '-t', '20']
            auto = [args.plugin, '-e', 'probe@example.test', '--autodiscover-url',
                    'https://localhost:%d/autodiscover/autodiscover.xml' % https.port,
                    '--ca-file', ca, '-u', 'EXAMPLE\\probe', '-t', '20']
            mapi = [args.plugin, '--transport', 'mapi', '-H', 'localhost', '-p', str(https.port),
                    '--ca-file', ca, '--plain-port', '1', '-u', 'EXAMPLE\\probe', '-m', MAILBOX,
                    '--rpc-server', MAILBOX_ID, '-t', '20']
            nmapi = [args.plugin, '--transport', 'mapi', '-H', 'localhost', '-p',
                     str(nhttps.port), '--ca-file', nca, '--plain-port', '1', '-u',
                     'EXAMPLE\\probe', '-m', MAILBOX, '--rpc-server', MAILBOX_ID, '-t', '20']
            ntlm_rpc = ['--auth', 'ntlm']
            cases = {
                'plugin (both probes)': (base, 8),
                'plugin --auth ntlm': (base + ntlm_rpc, 7),
                '-e (Autodiscover), --http-auth basic': (auto + ['--http-auth', 'basic'], 10),
                'single (--probe encrypted)': (base + ['--probe', 'encrypted'], 8),
                'plugin --http-auth basic': (base + ['--http-auth', 'basic'], 7),
                'single --http-auth basic': (base + ['--http-auth', 'basic', '--probe',
                                                     'encrypted'], 7),
                'plugin --transport tcp --rpc-port': (tcp, 5),
                'plugin --transport tcp --rpc-port --auth ntlm': (tcp + ntlm_rpc, 4),
                'MAPI/HTTP --http-auth basic': (mapi + ['--http-auth', 'basic'], 4),
            }
            cases = with_before(args, cases)
            res = run_set({k: v[0] for k, v in cases.items()}, env, log,
                          max(3, args.runs // 4))
            ncases = with_before(args, {'plugin, NTLM proxy': (ntlm, 8),
                                        'MAPI/HTTP, NTLM proxy': (nmapi, 5)})
            nres = run_set({k: v[0] for k, v in ncases.items()}, env, nlog,
                           max(3, args.runs // 4))
            res.update(nres)
            cases.update(ncases)
            table(res, 'Latency relay, RTT %d ms' % rtt)
            print()
            if rtt == 0:
                # The same paths through the relay without delay: process
                # start, CPU and the relay's own hops, which no round trip
                # explains.
                base0 = {name: med(res, name, 2) for name in cases}
                continue
            for name, (_, minimum) in cases.items():
                w = med(res, name, 2) * 1000
                lat = (w - base0[name] * 1000) / rtt
                print('RTT %d ms, %s: %.0f ms = %.2f RTT; minimum %d RTT, target <= %d ms: %s; '
                      'above the 0 ms relay (%.0f ms): %.2f RTT'
                      % (rtt, name, w, w / rtt, minimum, (minimum + 1) * rtt,
                         'met' if w <= (minimum + 1) * rtt else 'MISSED',
                         base0[name] * 1000, lat))
            extra = med(res, '-e (Autodiscover), --http-auth basic', 2) - \
                med(res, 'plugin --http-auth basic', 2)
            print('RTT %d ms: Autodiscover adds %.0f ms = %.2f RTT (one TLS connection: '
                  'TCP, TLS, POST = 3 RTT): %s' % (rtt, extra * 1000, extra * 1000 / rtt,
                                                  'met' if extra * 1000 <= 4 * rtt else 'MISSED'))
            https.close()
            nhttps.close()
            store.close()
    finally:
        for pr in (proc, nproc):
            pr.terminate()
            pr.wait()


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
    global MEASURE, RELAY_BIN
    p = argparse.ArgumentParser()
    p.add_argument('--plugin', required=True)
    p.add_argument('--floor', required=True, help='tests/bench/floor')
    p.add_argument('--link-floor', required=True, help='tests/bench/link_floor')
    p.add_argument('--measure', required=True, help='tests/bench/measure')
    p.add_argument('--compare', help='an older build of the plugin: adds "before:" rows')
    p.add_argument('--runs', type=int, default=20)
    p.add_argument('--netem', action='store_true')
    p.add_argument('--relay', action='store_true',
                   help='also measure through a latency relay (RTT 20 and 50 ms)')
    p.add_argument('--relay-bin', help='tests/bench/relay (the C latency relay)')
    p.add_argument('--callgrind', action='store_true',
                   help='also count the instructions of one run of each client')
    args = p.parse_args()
    MEASURE = args.measure
    RELAY_BIN = args.relay_bin
    env = dict(os.environ, CHECK_RPC_ENCRYPTION_PASSWORD='Secret123!')
    tmp = tempfile.mkdtemp(prefix='rpcenc-bench-')
    try:
        proc, port, ca, log, epm_port = start_responder(tmp)
        try:
            base = [args.plugin, '-H', 'localhost', '-p', str(port), '--ca-file', ca,
                    '-u', 'EXAMPLE\\probe', '-m', MAILBOX]
            tcp = [args.plugin, '--transport', 'tcp', '-H', '127.0.0.1', '-p', str(epm_port),
                   '-u', 'EXAMPLE\\probe', '-m', MAILBOX]
            mapi = base + ['--transport', 'mapi', '--plain-port', PLAIN_PORT[log],
                           '--rpc-server', MAILBOX_ID]
            floor4 = [args.floor, '4', 'https://localhost:%d/' % port, ca]
            # The system trust store (no --ca-file), the way a monitoring host
            # runs the plugin: a hashed directory holding the test CA.
            certs = os.path.join(tmp, 'certs')
            os.mkdir(certs)
            shutil.copy(ca, certs)
            subprocess.run(['openssl', 'rehash', certs], check=True)
            system = ['env', '-u', 'SSL_CERT_FILE', 'SSL_CERT_DIR=' + certs] + \
                [c for c in base if c not in ('--ca-file', ca)]
            commands = with_before(args, {
                'floor': [args.floor],
                'floor4': floor4,
                'link floor': [args.link_floor],
                'plugin (both probes)': base,
                'plugin, system trust store': system,
                'single (--probe encrypted)': base + ['--probe', 'encrypted'],
                'plugin --http-auth basic': base + ['--http-auth', 'basic'],
                'plugin --transport tcp': tcp,
                'plugin --transport tcp --auth ntlm': tcp + ['--auth', 'ntlm'],
                'plugin --transport mapi (both probes)': mapi,
            })
            commands['impacket (both probes)'] = [PY, IMPACKET, str(port), MAILBOX]
            res = run_set(commands, env, log, args.runs)
            table(res, 'Loopback, TLS 1.3, HTTP Basic, %d runs each (median (min..max))'
                  % args.runs)
            if args.callgrind:
                callgrind({k: commands[k] for k in commands
                           if not k.startswith('impacket') and 'single' not in k
                           and 'basic' not in k}, env)
        finally:
            proc.terminate()
            proc.wait()
        nsub = tempfile.mkdtemp(dir=tmp)
        nproc, nport, nca, nlog, _ = start_responder(nsub, extra=('--http-auth', 'ntlm'))
        try:
            nbase = [args.plugin, '-H', 'localhost', '-p', str(nport), '--ca-file', nca,
                     '-u', 'EXAMPLE\\probe', '-m', MAILBOX]
            nres = run_set(with_before(args, {
                'plugin, NTLM proxy (any)': nbase,
                'plugin, NTLM proxy, --http-auth ntlm': nbase + ['--http-auth', 'ntlm'],
                'plugin --transport mapi, NTLM': nbase + [
                    '--transport', 'mapi', '--plain-port', PLAIN_PORT[nlog],
                    '--rpc-server', MAILBOX_ID]}),
                env, nlog, args.runs)
        finally:
            nproc.terminate()
            nproc.wait()
        table(nres, 'Loopback, TLS 1.3, HTTP NTLM with channel binding (the plugin\'s own), '
              '%d runs each' % args.runs)
        ldd_rows(args, res)
        fc, fr = med(res, 'floor', 0), med(res, 'floor', 1)
        f4c, f4r = med(res, 'floor4', 0), med(res, 'floor4', 1)
        print()
        for who in ('', 'before: ') if args.compare else ('',):
            pc, pr = med(res, who + 'plugin (both probes)', 0), \
                med(res, who + 'plugin (both probes)', 1)
            tc = med(res, who + 'plugin --transport tcp', 0)
            print('%spair above floor4: %+.1f ms CPU (target <= +3: %s), %+.2f MiB peak RSS '
                  '(target <= +1: %s)' % (
                      who, (pc - f4c) * 1000, 'met' if (pc - f4c) * 1000 <= 3 else 'MISSED',
                      (pr - f4r) / 1024, 'met' if (pr - f4r) / 1024 <= 1 else 'MISSED'))
            print('%sRPC/TCP above the bare floor: %+.1f ms CPU (target <= +3: %s)' % (
                who, (tc - fc) * 1000, 'met' if (tc - fc) * 1000 <= 3 else 'MISSED'))
        pc = med(res, 'plugin (both probes)', 0)
        ic = med(res, 'impacket (both probes)', 0)
        pw = med(res, 'plugin (both probes)', 2)
        sw = med(res, 'single (--probe encrypted)', 2)
        print('impacket / plugin CPU: %.1fx' % (ic / pc))
        t9, t10 = med(res, 'plugin --transport tcp', 0), \
            med(res, 'plugin --transport tcp --auth ntlm', 0)
        w9, w10 = med(res, 'plugin --transport tcp', 2), \
            med(res, 'plugin --transport tcp --auth ntlm', 2)
        print('RPC/TCP, SPNEGO (type 9) vs NTLM (type 10): %+.1f ms CPU, %+.1f ms wall'
              % ((t9 - t10) * 1000, (w9 - w10) * 1000))
        mc, mw = med(res, 'plugin --transport mapi (both probes)', 0), \
            med(res, 'plugin --transport mapi (both probes)', 2)
        print('MAPI over HTTP pair vs RPC over HTTP pair (Basic): %.1f vs %.1f ms CPU, '
              '%.1f vs %.1f ms wall' % (mc * 1000, pc * 1000, mw * 1000, pw * 1000))
        print('MAPI over HTTP pair vs RPC over HTTP pair (NTLM): %.1f vs %.1f ms CPU, '
              '%.1f vs %.1f ms wall' % (
                  med(nres, 'plugin --transport mapi, NTLM', 0) * 1000,
                  med(nres, 'plugin, NTLM proxy (any)', 0) * 1000,
                  med(nres, 'plugin --transport mapi, NTLM', 2) * 1000,
                  med(nres, 'plugin, NTLM proxy (any)', 2) * 1000))
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
