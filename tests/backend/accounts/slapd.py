"""A real OpenLDAP server for the hospital-login tests: Debian's ``slapd``, started on a free port as the current
user with its own configuration (``slapd -f``) and an mdb database in a temporary folder, seeded with ``ldapadd``
(organisational units, people with passwords, ``groupOfNames`` groups), stopped and removed afterwards.

The directory looks like a small hospital's: ``ou=people`` (the staff), ``ou=groups`` (the two MyoQA groups and an
unrelated one), ``ou=services`` (the read-only account MyoQA binds with to find users and their groups). Anonymous
users may read nothing; a user may bind with their own password.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SLAPD = "/usr/sbin/slapd"
SCHEMA = Path("/etc/ldap/schema")
MODULES = Path("/usr/lib/ldap")
SUFFIX = "dc=hospital,dc=test"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PW = "root-secret-for-tests"
SERVICE_DN = f"cn=myoqa-reader,ou=services,{SUFFIX}"
SERVICE_PW = "reader-secret-for-tests"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
SUPERVISORS = f"cn=myoqa-supervisors,{GROUPS}"
TRAINEES = f"cn=myoqa-trainees,{GROUPS}"
RADIOLOGY = f"cn=radiology,{GROUPS}"

#: uid -> (given name, surname, password, groups)
PEOPLE_SEED: dict[str, tuple[str, str, str, list[str]]] = {
    "sara.sup": ("Sara", "Supervisor", "sara-directory-pw", [SUPERVISORS]),
    "tom.trainee": ("Tom", "Trainee", "tom-directory-pw", [TRAINEES]),
    "olga.outsider": ("Olga", "Outsider", "olga-directory-pw", [RADIOLOGY]),
    "max.mover": ("Max", "Mover", "max-directory-pw", [TRAINEES]),
    "bea.both": ("Bea", "Both", "bea-directory-pw", [SUPERVISORS, TRAINEES]),
}


def missing() -> str | None:
    """Why the tests cannot run here, or None."""
    if not Path(SLAPD).exists():
        return "OpenLDAP slapd not installed (Debian packages slapd and ldap-utils; .ci/run installs them)"
    for tool in ("ldapadd", "ldapmodify"):
        if shutil.which(tool) is None:
            return f"{tool} not found (Debian package ldap-utils; .ci/run installs it)"
    if not (MODULES / "back_mdb.so").exists() and not list(MODULES.glob("back_mdb*")):
        return f"slapd's mdb backend not found in {MODULES}"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(folder: Path) -> str:
    schemas = "\n".join(f"include {SCHEMA / n}.schema" for n in ("core", "cosine", "inetorgperson", "nis"))
    return f"""{schemas}
modulepath {MODULES}
moduleload back_mdb
pidfile {folder / "slapd.pid"}
argsfile {folder / "slapd.args"}
database mdb
maxsize 33554432
suffix "{SUFFIX}"
rootdn "{ROOT_DN}"
rootpw {ROOT_PW}
directory {folder / "db"}
access to attrs=userPassword
    by self write
    by anonymous auth
    by * none
access to *
    by dn.exact="{SERVICE_DN}" read
    by self read
    by * none
"""


def _seed() -> str:
    entries = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Test Hospital\ndc: hospital\n",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups\n",
        f"dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services\n",
        f"dn: {SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
        f"cn: myoqa-reader\nuserPassword: {SERVICE_PW}\n",
    ]
    for uid, (given, sn, pw, _) in PEOPLE_SEED.items():
        entries.append(
            f"dn: uid={uid},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {given} {sn}\ngivenName: {given}\n"
            f"sn: {sn}\nmail: {uid}@hospital.test\nuserPassword: {pw}\n"
        )
    for group in (SUPERVISORS, TRAINEES, RADIOLOGY):
        members = [f"uid={uid},{PEOPLE}" for uid, (*_, groups) in PEOPLE_SEED.items() if group in groups]
        cn = group.split(",")[0].split("=")[1]
        entries.append(
            f"dn: {group}\nobjectClass: groupOfNames\ncn: {cn}\n" + "".join(f"member: {m}\n" for m in members)
        )
    return "\n".join(entries)


@dataclass
class Slapd:
    """A running slapd: its URI, and ``modify`` to change the directory as its administrator would."""

    uri: str
    process: subprocess.Popen
    folder: Path

    def ldap(self, tool: str, ldif: str) -> None:
        """Run ``ldapadd`` / ``ldapmodify`` as the directory's administrator."""
        subprocess.run(
            [tool, "-x", "-H", self.uri, "-D", ROOT_DN, "-w", ROOT_PW],
            input=ldif,
            text=True,
            check=True,
            capture_output=True,
            timeout=30,
        )

    def modify(self, ldif: str) -> None:
        self.ldap("ldapmodify", ldif)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


def start() -> Slapd:
    """Start and seed a slapd; raises RuntimeError (with slapd's output) when it does not come up."""
    folder = Path(tempfile.mkdtemp(prefix="myoqa-slapd-"))
    (folder / "db").mkdir()
    conf = folder / "slapd.conf"
    conf.write_text(_config(folder))
    port = free_port()
    uri = f"ldap://127.0.0.1:{port}"
    log = (folder / "slapd.log").open("w")
    # -d 0: stay in the foreground (this process owns it) and log nothing but errors.
    process = subprocess.Popen([SLAPD, "-f", str(conf), "-h", f"{uri}/", "-d", "0"], stdout=log, stderr=log)
    server = Slapd(uri=uri, process=process, folder=folder)
    deadline = time.monotonic() + 20
    while True:
        if process.poll() is not None:
            out = (folder / "slapd.log").read_text()
            server.stop()
            raise RuntimeError(f"slapd exited with status {process.returncode}: {out}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError("slapd did not start listening within 20 s") from None
            time.sleep(0.1)
    try:
        server.ldap("ldapadd", _seed())
    except subprocess.CalledProcessError as exc:
        server.stop()
        raise RuntimeError(f"seeding slapd failed: {exc.stderr}") from None
    return server
