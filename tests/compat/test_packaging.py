"""What packaging/ ships, checked against the real binary and the real
system tools (packaging/README.md):

* `tresor man` prints a roff page that groff renders without a warning;
  `--out-dir` writes one page per subcommand, tresor-server(1) with its
  signals; completion scripts come out for bash, zsh and fish.
* packaging/systemd/tresor.service passes `systemd-analyze verify` with no
  complaint; tresor.sysusers and tresor.tmpfiles make the user and the
  directories in a scratch root.
* packaging/tresor.toml is a configuration the binary accepts: a data
  directory initialised and served with it (paths pointed at the test's
  own) reports READY=1 and serves HTTPS.

The system tools are those of Debian's systemd and groff packages; a test
whose tool is missing is skipped."""

import os
import shutil
import socket
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

import smharness as h

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"
UNIT = PACKAGING / "systemd" / "tresor.service"


def tresor(*args, **kwargs):
    out = h.run_tresor(os.environ["TRESOR_BIN"], *args, **kwargs)
    assert out.returncode == 0, h.describe_run(out)
    return out


def need(tool):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")


def groff_warnings(page: Path) -> str:
    out = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(page)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stderr


def test_man_pages_render_and_document_the_server(tmp_path):
    page = tresor("man").stdout
    assert page.splitlines()[2].startswith(".TH tresor 1"), page[:200]
    assert "tresor\\-server(1)" in page and "Run the Tresor server" in page

    out_dir = tmp_path / "man1"
    tresor("man", "--out-dir", out_dir)
    pages = {p.name for p in out_dir.iterdir()}
    assert {"tresor.1", "tresor-server.1", "tresor-operator-init.1", "tresor-man.1"} <= pages
    assert (out_dir / "tresor.1").read_text() == page
    server = (out_dir / "tresor-server.1").read_text()
    assert "SIGHUP" in server and "\\-\\-tls\\-cert" in server and "READY=1" in server

    need("groff")
    for name in ("tresor.1", "tresor-server.1", "tresor-operator-init.1"):
        assert groff_warnings(out_dir / name) == "", name
    text = subprocess.run(["groff", "-man", "-Tutf8", "-P", "-c", str(out_dir / "tresor.1")],
                          capture_output=True, text=True, timeout=60, check=True).stdout
    assert "tresor-server(1)" in text and "tresor-man(1)" in text


def test_completion_scripts_for_bash_zsh_and_fish():
    scripts = {shell: tresor("completions", shell).stdout for shell in ("bash", "zsh", "fish")}
    assert scripts["zsh"].startswith("#compdef tresor")
    assert "complete -c tresor" in scripts["fish"]
    for shell, script in scripts.items():
        for word in ("server", "man", "tls-cert", "out-dir"):
            assert word in script, (shell, word)
    # The bash script is valid bash.
    check = subprocess.run(["bash", "-n"], input=scripts["bash"], capture_output=True, text=True,
                           timeout=60)
    assert check.returncode == 0, check.stderr


def test_the_unit_verifies(tmp_path):
    need("systemd-analyze")
    # verify checks that ExecStart= names an executable and that the
    # Documentation= man page exists: point both at what was built.
    unit = tmp_path / "tresor.service"
    unit.write_text(UNIT.read_text().replace("/usr/local/bin/tresor", os.environ["TRESOR_BIN"]))
    tresor("man", "--out-dir", tmp_path / "man" / "man1")
    out = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                         text=True, timeout=120,
                         env=dict(os.environ, MANPATH=str(tmp_path / "man"), SYSTEMD_PAGER=""))
    assert out.returncode == 0 and out.stdout + out.stderr == "", out.stdout + out.stderr

    # It is the unit the README describes: every directive the task asked for.
    text = UNIT.read_text()
    for line in ("Type=notify", "User=tresor", "Group=tresor", "StateDirectory=tresor",
                 "StateDirectoryMode=0700", "ProtectSystem=strict", "NoNewPrivileges=yes",
                 "MemoryDenyWriteExecute=yes", "LimitCORE=0", "CapabilityBoundingSet=\n",
                 "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
                 "SystemCallFilter=@system-service", "UMask=0077",
                 "LoadCredential=seal-key:/etc/tresor/seal.key",
                 "ExecReload=/bin/kill -HUP $MAINPID",
                 "--seal-key-file ${CREDENTIALS_DIRECTORY}/seal-key"):
        assert line in text, line


def test_sysusers_and_tmpfiles_make_the_user_and_directories(tmp_path):
    need("systemd-sysusers")
    need("systemd-tmpfiles")
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    for name in ("passwd", "group", "shadow", "gshadow"):
        (root / "etc" / name).touch()
    subprocess.run(["systemd-sysusers", f"--root={root}",
                    str(PACKAGING / "systemd" / "tresor.sysusers")],
                   check=True, capture_output=True, timeout=60)
    passwd = dict(line.split(":", 1) for line in (root / "etc/passwd").read_text().splitlines())
    fields = passwd["tresor"].split(":")
    uid, gid, home, shell = int(fields[1]), int(fields[2]), fields[4], fields[5]
    assert 0 < uid < 1000 and home == "/var/lib/tresor" and shell.endswith("nologin"), fields

    # systemd-tmpfiles reads only files named *.conf.
    conf = tmp_path / "tresor.conf"
    shutil.copyfile(PACKAGING / "systemd" / "tresor.tmpfiles", conf)
    subprocess.run(["systemd-tmpfiles", f"--root={root}", "--create", str(conf)],
                   check=True, capture_output=True, timeout=60)
    for d in ("etc/tresor", "etc/tresor/tls"):
        st = (root / d).stat()
        assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (0, gid, 0o750), d


@pytest.mark.persistent
def test_the_example_config_serves(persistent_supported, tmp_path):
    binary, data_dir, key_file = persistent_supported, tmp_path / "data", tmp_path / "seal.key"
    # The example, with the test's directory in place of /var/lib/tresor-backups
    # (no flag names it).
    example = (PACKAGING / "tresor.toml").read_text()
    assert 'dir = "/var/lib/tresor-backups"' in example
    config = tmp_path / "tresor.toml"
    config.write_text(example.replace("/var/lib/tresor-backups", str(tmp_path / "backups")))
    out = h.run_tresor(binary, "operator", "init", "--config", config, "--data-dir", data_dir,
                       "--seal-key-file", key_file)
    assert out.returncode == 0, h.describe_run(out)
    assert "sealed with `static`" in out.stdout
    cert, key = h.self_signed_certificate(tmp_path)

    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify.sock"))
    notify.settimeout(30)
    port = h.free_port()
    # The unit's command line, with the test's paths in place of /etc and /var.
    server = h.ServerProcess(
        [binary, "server", "--config", str(config), "--seal-key-file", str(key_file),
         "--data-dir", str(data_dir), "--listen", f"127.0.0.1:{port}",
         "--tls-cert", str(cert), "--tls-key", str(key)],
        port, tmp_path / "server.log", tmp_path,
        env=h.isolated_env(NOTIFY_SOCKET=str(tmp_path / "notify.sock")), tls_ca=cert)
    server.start()
    try:
        ready = notify.recv(4096).decode()
        assert "READY=1" in ready and f"STATUS=Serving https://127.0.0.1:{port}" in ready, ready
        context = ssl.create_default_context(cafile=str(cert))
        with urllib.request.urlopen(f"https://localhost:{port}/health", context=context,
                                    timeout=10) as r:
            assert r.read() == b'{"status":"ok","sealed":false,"audit":"ok"}'
        # The schedule's first backup is taken at once (none was there yet).
        deadline = time.monotonic() + 30
        while not list((tmp_path / "backups").glob("tresor-backup-*.tbk")):
            assert time.monotonic() < deadline, "the example's scheduled backup never came"
            time.sleep(0.1)
    finally:
        notify.close()
        assert server.stop() == 0
