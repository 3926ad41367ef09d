"""The installation's signing authority and each user's signing key.

The key material is a handful of small named files (`KeyFiles`). For an embedded record
they are files in the data folder's pki/ (every file 0600, every folder 0700); a record
may keep them itself instead (any `KeyFiles`), so that every workstation of a shared
record can sign and no key sits in a shared folder. The names:

    pki/authority/certificate.pem   the authority's certificate (the trust root of `verify`)
    pki/authority/key.pem           its private key, PKCS#8, encrypted under a random
                                    key-encryption key (KEK)
    pki/authority/admins.json       the KEK wrapped once per administrator: scrypt of the
                                    administrator's password -> AES-256-GCM
    pki/users/NAME/certificate.pem  the user's certificate, issued by the authority
    pki/users/NAME/key.pem          the user's private key, PKCS#8 (BestAvailableEncryption)
                                    under the user's own password, stretched first with
                                    scrypt (salt and cost in key.json): PKCS#8 alone does
                                    only 2048 PBKDF2 rounds, too few against a stolen copy
    pki/users/NAME/retired/         keys and certificates replaced by `reissue_user`
    pki/authority/revoked.crl       the revocation list (CRL, PEM), signed by the authority:
                                    the certificates of disabled accounts and re-issued keys

So only an administrator (someone who knows an administrator's password) can issue a key,
and only the user can sign with theirs. Nothing here is ever logged with a password.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.x509.oid import NameOID

from desktop_app.paths import write_private

AUTHORITY_VALIDITY = timedelta(days=365 * 30)
USER_VALIDITY = timedelta(days=365 * 25)  # notes are kept for decades; verify checks them
WRAP_FORMAT = "neurocheck-authority-wrap/1"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1  # OWASP's scrypt minimum; about 0.4 s
KEY_FORMAT = "neurocheck-user-key/1"
USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
ADMIN_ROLE = "admin"


class PkiError(Exception):
    """A signing-key operation that cannot be done; the message is safe to show and log."""


class SigningError(PkiError):
    """A user's signing key cannot be used (unknown user, wrong password, damaged key)."""


class AuthorityError(PkiError):
    """The installation authority is missing, already set up, or the admin cannot unlock it."""


class AuthorityUnreadable(AuthorityError):
    """The authority's certificate is there but is not a certificate."""


@dataclass(frozen=True)
class SignerIdentity:
    """Who a certificate names: login name, printed name, credentials."""

    name: str
    full_name: str
    credentials: str | None


@dataclass(frozen=True)
class NoteSigner:
    """A user's unlocked signing key: what `sign_note` needs (see `load_signer`)."""

    identity: SignerIdentity
    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey
    authority_certificate: x509.Certificate

    @property
    def name(self) -> str:
        return self.identity.name

    @property
    def full_name(self) -> str:
        return self.identity.full_name

    @property
    def credentials(self) -> str | None:
        return self.identity.credentials

    def pyhanko_signer(self):
        """The pyHanko `SimpleSigner` for this key (built on demand; imports pyHanko)."""
        from asn1crypto import keys as asn1_keys
        from asn1crypto import x509 as asn1_x509
        from pyhanko.sign import signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        der = serialization.Encoding.DER
        key_der = self.private_key.private_bytes(
            der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        cert = asn1_x509.Certificate.load(self.certificate.public_bytes(der))
        root = asn1_x509.Certificate.load(self.authority_certificate.public_bytes(der))
        return signers.SimpleSigner(
            signing_cert=cert,
            signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
            cert_registry=SimpleCertificateStore.from_certs([root]),
            # The verifier holds the root; a copy in the signature would be unsigned bytes.
            embed_roots=False,
        )


# -- where the keys are kept -------------------------------------------------------------

class KeyFiles(Protocol):
    """The key material, by name relative to pki/ ("authority/key.pem",
    "users/NAME/certificate.pem"). Every write is whole or not at all."""

    def read(self, name: str) -> bytes | None:
        """The content named `name`, or None when there is none."""
        ...

    def write(self, name: str, content: bytes) -> None: ...

    def rename(self, old: str, new: str) -> None:
        """Move `old` to `new` (a retired key keeps its bytes under a new name)."""
        ...


class KeyFolder:
    """Key material as private files in a folder (the data folder's pki/)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def read(self, name: str) -> bytes | None:
        try:
            return (self.root / name).read_bytes()
        except FileNotFoundError:
            return None

    def write(self, name: str, content: bytes) -> None:
        path = self.root / name
        _private_dir(path.parent)
        write_private(path, content)

    def rename(self, old: str, new: str) -> None:
        target = self.root / new
        _private_dir(target.parent)
        os.replace(self.root / old, target)


class KeyCopy:
    """Key material copied out of where it is kept, to read after that is closed (`verify`
    of a note against a record on a server)."""

    def __init__(self, content: dict[str, bytes]) -> None:
        self.content = dict(content)

    def read(self, name: str) -> bytes | None:
        return self.content.get(name)

    def write(self, name: str, content: bytes) -> None:
        raise PkiError("a copy of the signing keys is for reading only")

    def rename(self, old: str, new: str) -> None:
        raise PkiError("a copy of the signing keys is for reading only")


# Every function below takes where the keys are: a data folder (its pki/ files) or any
# `KeyFiles` (a record that keeps them).
KeysAt = Path | str | KeyFiles


def key_files(where: KeysAt) -> KeyFiles:
    """The `KeyFiles` of a data folder, or `where` itself when it is one already."""
    if isinstance(where, (str, os.PathLike)):
        return KeyFolder(pki_dir(Path(where)))
    return where


def pki_dir(data_dir: Path) -> Path:
    """The PKI folder inside a data folder."""
    return Path(data_dir) / "pki"


AUTHORITY_CERTIFICATE = "authority/certificate.pem"
AUTHORITY_KEY = "authority/key.pem"
AUTHORITY_WRAPS = "authority/admins.json"
REVOCATION_LIST = "authority/revoked.crl"


def _user_file(name: str, file_name: str) -> str:
    _check_name(name)
    return f"users/{name}/{file_name}"


def authority_certificate_path(data_dir: Path) -> Path:
    """Where this installation's authority certificate lives (the trust root for `verify`)."""
    return pki_dir(data_dir) / AUTHORITY_CERTIFICATE


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not USER_NAME.fullmatch(name):
        raise PkiError(
            "a user name is 1-64 letters, digits, '.', '_', '@' or '-', starting with a "
            "letter or digit"
        )


def _check_password(password: str) -> bytes:
    if not isinstance(password, str) or not password:
        raise PkiError("a signing password must not be empty")
    return password.encode("utf-8")


def _private_dir(path: Path) -> None:
    """Create `path` and any missing parents, each readable by the owner only."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        if os.name == "posix":
            os.chmod(folder, 0o700)


def _read(files: KeyFiles, name: str, missing: PkiError) -> bytes:
    content = files.read(name)
    if content is None:
        raise missing
    return content


# -- authority ---------------------------------------------------------------------------

def authority_exists(data_dir: KeysAt) -> bool:
    """True when this data folder has its signing authority."""
    return key_files(data_dir).read(AUTHORITY_CERTIFICATE) is not None


def load_authority_certificate(data_dir: KeysAt) -> x509.Certificate:
    """This installation's authority certificate."""
    pem = _read(key_files(data_dir), AUTHORITY_CERTIFICATE,
                AuthorityError("this installation has no signing authority yet"))
    try:
        return x509.load_pem_x509_certificate(pem)
    except ValueError as error:
        raise AuthorityUnreadable("this installation's authority certificate cannot be read: it "
                             "was changed outside NeuroCheck") from error


def setup_authority(
    data_dir: KeysAt,
    admin_name: str,
    admin_password: str,
    institution: str = "NeuroCheck installation",
) -> None:
    """Create the installation's signing authority, unlockable by `admin_name` only.

    Refuses when the data folder already has one (a second authority would orphan every
    key it issued).
    """
    _check_name(admin_name)
    secret = _check_password(admin_password)
    files = key_files(data_dir)
    if files.read(AUTHORITY_CERTIFICATE) is not None or files.read(AUTHORITY_KEY) is not None:
        raise AuthorityError("this installation already has a signing authority")
    key = ec.generate_private_key(ec.SECP384R1())
    installation_id = secrets.token_hex(8)
    subject = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, f"NeuroCheck signing authority {installation_id}"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, institution or "NeuroCheck installation"),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, installation_id),
    ])
    now = datetime.now(UTC)
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + AUTHORITY_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA384())
    )
    kek = secrets.token_bytes(32)
    files.write(AUTHORITY_KEY, _encrypt_key(key, _kek_passphrase(kek)))
    _write_wraps(files, {admin_name: _wrap(kek, admin_name, secret, certificate)})
    # The certificate last: its presence is what `authority_exists` reads.
    files.write(AUTHORITY_CERTIFICATE, certificate.public_bytes(serialization.Encoding.PEM))


def grant_authority(
    data_dir: KeysAt, name: str, password: str, *, admin_name: str, admin_password: str
) -> None:
    """Let user `name` (with `password`) issue keys too; `admin_name` must already can."""
    _check_name(name)
    secret = _check_password(password)
    certificate = load_authority_certificate(data_dir)
    kek = _unwrap_kek(data_dir, admin_name, admin_password, certificate)
    _add_wrap(data_dir, name, secret, kek, certificate)


def _add_wrap(
    data_dir: KeysAt, name: str, secret: bytes, kek: bytes, certificate: x509.Certificate
) -> None:
    wraps = _read_wraps(data_dir)
    wraps[name] = _wrap(kek, name, secret, certificate)
    _write_wraps(data_dir, wraps)


def revoke_authority(data_dir: KeysAt, name: str) -> None:
    """Take from `name` the power to issue keys (never the last administrator's)."""
    wraps = _read_wraps(data_dir)
    if name not in wraps:
        return
    if len(wraps) == 1:
        raise AuthorityError("the last administrator of the signing authority cannot be removed")
    del wraps[name]
    _write_wraps(data_dir, wraps)


def authority_holders(data_dir: KeysAt) -> list[str]:
    """The user names that can unlock the authority (administrators)."""
    return sorted(_read_wraps(data_dir))


def _kek_passphrase(kek: bytes) -> bytes:
    return base64.b64encode(kek)


def _wrap_aad(name: str, certificate: x509.Certificate) -> bytes:
    # Binds a wrap to its administrator and to this authority: it cannot be moved to
    # another name or installation.
    fingerprint = certificate.fingerprint(hashes.SHA256()).hex()
    return f"{WRAP_FORMAT}|{name}|{fingerprint}".encode()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _new_kdf() -> dict[str, Any]:
    """Fresh scrypt parameters (a new salt) for stretching a password."""
    return {"kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
            "salt": _b64(secrets.token_bytes(16))}


def _stretch(secret: bytes, params: dict[str, Any]) -> bytes:
    """32 bytes from a password, as `params` (from `_new_kdf`) say."""
    if params.get("kdf") != "scrypt":
        raise PkiError("a key file uses an unknown password method")
    salt = base64.b64decode(params["salt"])
    return Scrypt(salt=salt, length=32, n=params["n"], r=params["r"], p=params["p"]).derive(secret)


def _wrap(kek: bytes, name: str, secret: bytes, certificate: x509.Certificate) -> dict[str, Any]:
    params, nonce = _new_kdf(), secrets.token_bytes(12)
    sealed = AESGCM(_stretch(secret, params)).encrypt(nonce, kek, _wrap_aad(name, certificate))
    return {**params, "cipher": "AES-256-GCM", "nonce": _b64(nonce), "sealed": _b64(sealed)}


def _read_wraps(data_dir: KeysAt) -> dict[str, dict[str, Any]]:
    raw = _read(key_files(data_dir), AUTHORITY_WRAPS,
                AuthorityError("this installation has no signing authority yet"))
    content = json.loads(raw)
    if content.get("format") != WRAP_FORMAT:
        raise AuthorityError("the authority's administrator file is not in a known format")
    return dict(content["admins"])


def _write_wraps(data_dir: KeysAt, wraps: dict[str, dict[str, Any]]) -> None:
    body = {"format": WRAP_FORMAT, "admins": dict(sorted(wraps.items()))}
    key_files(data_dir).write(AUTHORITY_WRAPS, json.dumps(body, indent=2).encode("utf-8"))


def _unwrap_kek(
    data_dir: KeysAt, admin_name: str, admin_password: str, certificate: x509.Certificate
) -> bytes:
    secret = _check_password(admin_password)
    wrap = _read_wraps(data_dir).get(admin_name)
    if wrap is None:
        raise AuthorityError("this user cannot issue signing keys (not an administrator)")
    unb64 = base64.b64decode
    try:
        return AESGCM(_stretch(secret, wrap)).decrypt(
            unb64(wrap["nonce"]), unb64(wrap["sealed"]), _wrap_aad(admin_name, certificate)
        )
    except InvalidTag:
        raise AuthorityError("wrong password for this administrator") from None


def _unlock_authority(
    data_dir: KeysAt, admin_name: str, admin_password: str
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey, bytes]:
    """The authority's certificate, private key and key-encryption key."""
    certificate = load_authority_certificate(data_dir)
    kek = _unwrap_kek(data_dir, admin_name, admin_password, certificate)
    pem = _read(key_files(data_dir), AUTHORITY_KEY,
                AuthorityError("the authority's private key is missing"))
    try:
        key = serialization.load_pem_private_key(pem, _kek_passphrase(kek))
    except ValueError:
        raise AuthorityError("the authority's private key cannot be unlocked") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or (
        key.public_key().public_numbers() != certificate.public_key().public_numbers()
    ):
        raise AuthorityError("the authority's private key does not match its certificate")
    return certificate, key, kek


# -- users -------------------------------------------------------------------------------

def _encrypt_key(key: ec.EllipticCurvePrivateKey, secret: bytes) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(secret),
    )


def _save_user_key(files: KeyFiles, name: str, key: ec.EllipticCurvePrivateKey,
                   secret: bytes) -> None:
    params = _new_kdf()
    files.write(_user_file(name, "key.json"),
                json.dumps({"format": KEY_FORMAT, **params}, indent=2).encode("utf-8"))
    files.write(_user_file(name, "key.pem"),
                _encrypt_key(key, _b64(_stretch(secret, params)).encode()))


def _open_user_key(files: KeyFiles, name: str, secret: bytes,
                   missing: PkiError) -> ec.EllipticCurvePrivateKey:
    params = json.loads(_read(files, _user_file(name, "key.json"), missing))
    pem = _read(files, _user_file(name, "key.pem"), missing)
    try:
        key = serialization.load_pem_private_key(pem, _b64(_stretch(secret, params)).encode())
    except (ValueError, TypeError):
        raise SigningError("wrong password for this signing key") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise SigningError("this user's signing key is of an unknown kind")
    return key


def user_has_key(data_dir: KeysAt, name: str) -> bool:
    """True when `name` has a signing key in this installation."""
    return key_files(data_dir).read(_user_file(name, "certificate.pem")) is not None


def _issue(
    data_dir: KeysAt, name: str, full_name: str, credentials: str | None, secret: bytes,
    authority: x509.Certificate, authority_key: ec.EllipticCurvePrivateKey,
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [
        x509.NameAttribute(NameOID.COMMON_NAME, full_name.strip()),
        x509.NameAttribute(NameOID.USER_ID, name),
    ]
    if credentials and credentials.strip():
        attributes.append(x509.NameAttribute(NameOID.TITLE, credentials.strip()))
    organisation = authority.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    if organisation:
        attributes.append(organisation[0])
    now = datetime.now(UTC)
    public = key.public_key()
    authority_ski = authority.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attributes))
        .issuer_name(authority.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(min(now + USER_VALIDITY, authority.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(authority_ski.value),
            critical=False,
        )
        .sign(authority_key, hashes.SHA384())
    )
    files = key_files(data_dir)
    _save_user_key(files, name, key, secret)
    files.write(_user_file(name, "certificate.pem"),
                certificate.public_bytes(serialization.Encoding.PEM))


def enrol_user(
    data_dir: KeysAt,
    name: str,
    full_name: str,
    credentials: str | None,
    password: str,
    *,
    role: str,
    admin_name: str,
    admin_password: str,
) -> None:
    """Issue `name` a signing key and certificate from the installation authority.

    The key is encrypted under the user's `password`. An administrator (`admin_name`,
    `admin_password`) must unlock the authority. When `role` is "admin" the user may issue
    keys too. Refuses a user who already has a key (see `reissue_user`).
    """
    _check_name(name)
    secret = _check_password(password)
    _check_full_name(full_name)
    if user_has_key(data_dir, name):
        raise PkiError("this user already has a signing key")
    authority, authority_key, kek = _unlock_authority(data_dir, admin_name, admin_password)
    _issue(data_dir, name, full_name, credentials, secret, authority, authority_key)
    if role == ADMIN_ROLE:
        _add_wrap(data_dir, name, secret, kek, authority)


def _check_full_name(full_name: str) -> None:
    if not isinstance(full_name, str) or not full_name.strip():
        raise PkiError("a signing key needs the user's full name")


def reissue_user(
    data_dir: KeysAt,
    name: str,
    full_name: str,
    credentials: str | None,
    password: str,
    *,
    admin_name: str,
    admin_password: str,
    role: str | None = None,
) -> None:
    """Give `name` a new key and certificate (forgotten password, new name or credentials,
    an account enabled again), encrypted under `password`.

    The old certificate is revoked (the revocation list names it from now on) and its
    files move to `retired/`. When `role` is "admin" the user's power to issue keys is
    sealed again under the new password.
    """
    files = key_files(data_dir)
    secret = _check_password(password)
    _check_full_name(full_name)
    if not user_has_key(files, name):
        raise PkiError("this user has no signing key to replace")
    # Unlock first, so a wrong admin password retires nothing.
    authority, authority_key, kek = _unlock_authority(files, admin_name, admin_password)
    old = x509.load_pem_x509_certificate(
        _read(files, _user_file(name, "certificate.pem"),
              PkiError("this user has no signing key to replace")))
    _add_to_revocation_list(files, authority, authority_key, old.serial_number,
                            x509.ReasonFlags.superseded)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    for file_name in ("key.pem", "key.json", "certificate.pem"):
        files.rename(_user_file(name, file_name),
                     _user_file(name, f"retired/{stamp}/{file_name}"))
    _issue(files, name, full_name, credentials, secret, authority, authority_key)
    if role == ADMIN_ROLE:
        _add_wrap(files, name, secret, kek, authority)


# -- the revocation list ------------------------------------------------------------------

def revocation_list_path(data_dir: Path) -> Path:
    """Where the authority publishes its revocation list (PEM) in a data folder."""
    return pki_dir(data_dir) / REVOCATION_LIST


def revoke_user_key(data_dir: KeysAt, name: str, *, admin_name: str,
                    admin_password: str) -> None:
    """Put `name`'s current certificate on the revocation list (the account was disabled):
    a copy of the key signs nothing `verify` accepts from now on."""
    pem = _read(key_files(data_dir), _user_file(name, "certificate.pem"),
                PkiError("this user has no signing key"))
    authority, authority_key, _ = _unlock_authority(data_dir, admin_name, admin_password)
    certificate = x509.load_pem_x509_certificate(pem)
    _add_to_revocation_list(data_dir, authority, authority_key, certificate.serial_number,
                            x509.ReasonFlags.cessation_of_operation)


def _add_to_revocation_list(data_dir: KeysAt, authority: x509.Certificate,
                            authority_key: ec.EllipticCurvePrivateKey, serial: int,
                            reason: x509.ReasonFlags) -> None:
    """Publish the list again with `serial` on it (kept when it is there already)."""
    now = datetime.now(UTC)
    current = load_revocation_list(data_dir)
    entries = list(current) if current is not None else []
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(authority.subject)
        .last_update(now - timedelta(minutes=5))
        # Nothing fetches a newer list: this one stands until the authority changes it.
        .next_update(authority.not_valid_after_utc)
    )
    for entry in entries:
        builder = builder.add_revoked_certificate(entry)
    if all(entry.serial_number != serial for entry in entries):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(now)
            .add_extension(x509.CRLReason(reason), critical=False)
            .build())
    number = 1
    if current is not None:
        number = current.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number + 1
    builder = builder.add_extension(x509.CRLNumber(number), critical=False)
    crl = builder.sign(authority_key, hashes.SHA384())
    key_files(data_dir).write(REVOCATION_LIST, crl.public_bytes(serialization.Encoding.PEM))


def load_revocation_list(data_dir: KeysAt) -> x509.CertificateRevocationList | None:
    """The authority's revocation list (None when nothing was ever revoked).

    `AuthorityError` when the file is there but not signed by this installation's
    authority: a list that cannot be trusted is never read as "nothing revoked".
    """
    pem = key_files(data_dir).read(REVOCATION_LIST)
    if pem is None:
        return None
    try:
        crl = x509.load_pem_x509_crl(pem)
    except ValueError:
        raise AuthorityError("the revocation list is damaged") from None
    authority = load_authority_certificate(data_dir)
    if crl.issuer != authority.subject or not crl.is_signature_valid(authority.public_key()):
        raise AuthorityError("the revocation list is not signed by this installation's "
                             "authority")
    return crl


def revoked_at(data_dir: KeysAt, certificate: x509.Certificate) -> datetime | None:
    """When `certificate` was revoked, or None when it is not on the list."""
    crl = load_revocation_list(data_dir)
    if crl is None:
        return None
    entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
    return entry.revocation_date_utc if entry is not None else None


def load_signer(data_dir: KeysAt, name: str, password: str) -> NoteSigner:
    """Unlock `name`'s signing key with their password (asked again at each signing).

    Raises `SigningError` with a message safe to show: no key, wrong password, or a key
    that this installation's authority did not issue.
    """
    try:
        _check_name(name)
    except PkiError as error:
        raise SigningError(str(error)) from None
    if not password:
        raise SigningError("wrong password for this signing key")
    files = key_files(data_dir)
    missing = SigningError("this user has no signing key; an administrator must enrol them")
    cert_pem = _read(files, _user_file(name, "certificate.pem"), missing)
    key = _open_user_key(files, name, password.encode("utf-8"), missing)
    certificate = x509.load_pem_x509_certificate(cert_pem)
    try:
        authority = load_authority_certificate(files)
    except AuthorityError as error:
        raise SigningError(str(error)) from None
    if key.public_key().public_numbers() != certificate.public_key().public_numbers():
        raise SigningError("this user's signing key does not match their certificate")
    try:
        certificate.verify_directly_issued_by(authority)
    except (InvalidSignature, ValueError, TypeError) as error:
        raise SigningError(
            "this user's certificate was not issued by this installation's authority"
        ) from error
    try:
        revoked = revoked_at(files, certificate)
    except AuthorityError as error:
        raise SigningError(str(error)) from None
    if revoked is not None:
        raise SigningError("this user's signing key was revoked (account disabled or key "
                           "re-issued)")
    return NoteSigner(identity_of(certificate), certificate, key, authority)


def change_password(data_dir: KeysAt, name: str, old_password: str,
                    new_password: str) -> None:
    """Re-encrypt `name`'s signing key (and their authority wrap, if any) under a new password."""
    files = key_files(data_dir)
    signer = load_signer(files, name, old_password)
    secret = _check_password(new_password)
    wraps = _read_wraps(files) if authority_exists(files) else {}
    if name in wraps:
        certificate = load_authority_certificate(files)
        kek = _unwrap_kek(files, name, old_password, certificate)
        wraps[name] = _wrap(kek, name, secret, certificate)
    _save_user_key(files, name, signer.private_key, secret)
    if name in wraps:
        _write_wraps(files, wraps)


def identity_of(certificate: x509.Certificate) -> SignerIdentity:
    """The user a certificate names (login name, printed name, credentials)."""
    subject = certificate.subject

    def first(oid: x509.ObjectIdentifier) -> str | None:
        values = subject.get_attributes_for_oid(oid)
        return str(values[0].value) if values else None

    return SignerIdentity(
        name=first(NameOID.USER_ID) or "",
        full_name=first(NameOID.COMMON_NAME) or "",
        credentials=first(NameOID.TITLE),
    )
