"""Signing keys: an installation authority only administrators can use, one key per user."""

from __future__ import annotations

import json
import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization

from desktop_app.report import pki
from tests.report.conftest import (
    ADMIN,
    ADMIN_PASSWORD,
    NURSE,
    NURSE_PASSWORD,
    SHIPPED_SCRYPT_N,
    make_installation,
)


def test_setup_creates_the_authority_once(installation):
    assert pki.authority_exists(installation.data_dir)
    with pytest.raises(pki.AuthorityError, match="already has a signing authority"):
        pki.setup_authority(installation.data_dir, "other", "other-pass")


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_every_file_is_private_to_the_owner(installation):
    folder = pki.pki_dir(installation.data_dir)
    for path in [folder, *folder.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path


def test_user_key_opens_with_the_users_password_only(installation):
    signer = installation.signer()
    assert (signer.name, signer.full_name, signer.credentials) == (NURSE, "Zoë Ngô-Ærøe",
                                                                   "RN, BSN")
    with pytest.raises(pki.SigningError, match="^wrong password for this signing key$"):
        pki.load_signer(installation.data_dir, NURSE, "wrong-password")
    with pytest.raises(pki.SigningError, match="wrong password"):
        pki.load_signer(installation.data_dir, NURSE, "")
    with pytest.raises(pki.SigningError, match="no signing key"):
        pki.load_signer(installation.data_dir, "nobody", NURSE_PASSWORD)


def test_keys_are_stored_encrypted(installation):
    folder = pki.pki_dir(installation.data_dir)
    user_key = (folder / "users" / NURSE / "key.pem").read_bytes()
    authority_key = (folder / "authority" / "key.pem").read_bytes()
    for pem, password in ((user_key, NURSE_PASSWORD), (authority_key, ADMIN_PASSWORD)):
        assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        with pytest.raises((ValueError, TypeError)):
            serialization.load_pem_private_key(pem, None)
        with pytest.raises(ValueError):  # the password alone does not open it
            serialization.load_pem_private_key(pem, password.encode())
    wraps = (folder / "authority" / "admins.json").read_text()
    assert ADMIN_PASSWORD not in wraps
    assert json.loads(wraps)["admins"][ADMIN]["kdf"] == "scrypt"


def test_the_shipped_password_stretching_is_costly(installation, monkeypatch):
    monkeypatch.setattr(pki, "SCRYPT_N", SHIPPED_SCRYPT_N)  # not the tests' cheap one
    assert pki.SCRYPT_N >= 2**17
    pki.enrol_user(installation.data_dir, "slow", "Slow Sam", None, "slow-pass-1",
                   role="nurse", admin_name=ADMIN, admin_password=ADMIN_PASSWORD)
    params = json.loads((pki.pki_dir(installation.data_dir) / "users" / "slow" / "key.json")
                        .read_text())
    assert params["n"] >= 2**17


def test_only_an_administrator_can_issue_keys(installation):
    folder = installation.data_dir
    with pytest.raises(pki.AuthorityError, match="not an administrator"):
        pki.enrol_user(folder, "x", "X", None, "x-pass-123", role="nurse",
                       admin_name=NURSE, admin_password=NURSE_PASSWORD)
    with pytest.raises(pki.AuthorityError, match="wrong password for this administrator"):
        pki.enrol_user(folder, "x", "X", None, "x-pass-123", role="nurse",
                       admin_name=ADMIN, admin_password="guess")
    assert not pki.user_has_key(folder, "x")


def test_a_new_administrator_can_issue_keys_and_a_user_is_enrolled_once(installation):
    installation.enrol("boss", "Bea Boss", "boss-pass-1", role="admin")
    assert pki.authority_holders(installation.data_dir) == [ADMIN, "boss"]
    pki.enrol_user(installation.data_dir, "new", "Nia New", "RN", "new-pass-1", role="nurse",
                   admin_name="boss", admin_password="boss-pass-1")
    assert pki.load_signer(installation.data_dir, "new", "new-pass-1").full_name == "Nia New"
    with pytest.raises(pki.PkiError, match="already has a signing key"):
        installation.enrol("new", "Nia New", "other-pass-1")


def test_grant_and_revoke_authority(installation):
    folder = installation.data_dir
    pki.grant_authority(folder, NURSE, NURSE_PASSWORD, admin_name=ADMIN,
                        admin_password=ADMIN_PASSWORD)
    assert NURSE in pki.authority_holders(folder)
    pki.revoke_authority(folder, NURSE)
    assert pki.authority_holders(folder) == [ADMIN]
    with pytest.raises(pki.AuthorityError, match="last administrator"):
        pki.revoke_authority(folder, ADMIN)


def test_change_password_re_encrypts_key_and_authority_wrap(installation):
    folder = installation.data_dir
    pki.change_password(folder, ADMIN, ADMIN_PASSWORD, "new-admin-pass")
    with pytest.raises(pki.SigningError):
        pki.load_signer(folder, ADMIN, ADMIN_PASSWORD)
    assert pki.load_signer(folder, ADMIN, "new-admin-pass").name == ADMIN
    pki.enrol_user(folder, "x", "X", None, "x-pass-123", role="nurse", admin_name=ADMIN,
                   admin_password="new-admin-pass")
    with pytest.raises(pki.SigningError, match="wrong password"):
        pki.change_password(folder, NURSE, "wrong", "whatever-1")


def test_reissue_keeps_the_old_key_retired(installation):
    folder = installation.data_dir
    old = installation.signer().certificate
    pki.reissue_user(folder, NURSE, "Zoë Ngô-Ærøe", "RN, MSN", "fresh-pass-1",
                     admin_name=ADMIN, admin_password=ADMIN_PASSWORD)
    new = pki.load_signer(folder, NURSE, "fresh-pass-1")
    assert new.credentials == "RN, MSN" and new.certificate != old
    retired = list((pki.pki_dir(folder) / "users" / NURSE / "retired").glob("*/certificate.pem"))
    assert len(retired) == 1


def test_a_key_from_another_installation_is_not_accepted(installation, other_installation):
    # Someone copies a user folder from elsewhere into this data folder.
    import shutil

    source = pki.pki_dir(other_installation.data_dir) / "users" / NURSE
    target = pki.pki_dir(installation.data_dir) / "users" / NURSE
    shutil.rmtree(target)
    shutil.copytree(source, target)
    with pytest.raises(pki.SigningError, match="not issued by this installation"):
        pki.load_signer(installation.data_dir, NURSE, NURSE_PASSWORD)


@pytest.mark.parametrize("name", ["", "../x", ".hidden", "a b", "x" * 65, "name/../.."])
def test_unsafe_user_names_are_refused(installation, name):
    with pytest.raises(pki.PkiError):
        installation.enrol(name, "Full Name", "pass-1234")
    with pytest.raises(pki.SigningError):
        pki.load_signer(installation.data_dir, name, "pass-1234")


def test_messages_never_carry_the_password(tmp_path):
    installation = make_installation(tmp_path / "d")
    secret = "Tr0ub4dor&3-secret"
    for action in (
        lambda: pki.load_signer(installation.data_dir, NURSE, secret),
        lambda: pki.enrol_user(installation.data_dir, "y", "Y", None, "y-pass-123",
                               role="nurse", admin_name=ADMIN, admin_password=secret),
    ):
        with pytest.raises(pki.PkiError) as caught:
            action()
        assert secret not in str(caught.value)


def test_reissue_puts_the_old_certificate_on_the_signed_revocation_list(installation):
    folder = installation.data_dir
    old = installation.signer().certificate
    assert pki.load_revocation_list(folder) is None and pki.revoked_at(folder, old) is None
    pki.reissue_user(folder, NURSE, "Zoë Ngô-Ærøe", "RN", "fresh-pass-1",
                     admin_name=ADMIN, admin_password=ADMIN_PASSWORD)
    crl = pki.load_revocation_list(folder)
    authority = pki.load_authority_certificate(folder)
    assert crl.is_signature_valid(authority.public_key())
    assert pki.revoked_at(folder, old) is not None
    assert pki.revoked_at(folder, pki.load_signer(folder, NURSE, "fresh-pass-1").certificate) is None
    pki.revoke_user_key(folder, NURSE, admin_name=ADMIN, admin_password=ADMIN_PASSWORD)
    again = pki.load_revocation_list(folder)
    assert len(list(again)) == 2
    number = pki.x509.CRLNumber
    assert (again.extensions.get_extension_for_class(number).value.crl_number
            > crl.extensions.get_extension_for_class(number).value.crl_number)
    with pytest.raises(pki.SigningError, match="revoked"):
        pki.load_signer(folder, NURSE, "fresh-pass-1")


def test_a_revocation_list_not_signed_by_the_authority_is_never_read_as_empty(
        installation, other_installation):
    other = other_installation.data_dir
    pki.revoke_user_key(other, NURSE, admin_name=ADMIN, admin_password=ADMIN_PASSWORD)
    # someone swaps in a list signed by another authority (one that revokes nothing here)
    pki.revocation_list_path(installation.data_dir).write_bytes(
        pki.revocation_list_path(other).read_bytes())
    with pytest.raises(pki.AuthorityError, match="not signed by this installation"):
        pki.load_revocation_list(installation.data_dir)
    with pytest.raises(pki.SigningError, match="revocation list"):
        installation.signer()


def test_revoking_needs_an_administrators_password(installation):
    with pytest.raises(pki.AuthorityError):
        pki.revoke_user_key(installation.data_dir, NURSE, admin_name=NURSE,
                            admin_password=NURSE_PASSWORD)
    assert pki.load_revocation_list(installation.data_dir) is None


class DictKeyFiles:
    """Key material kept in memory, as a record that holds its keys would keep it."""

    def __init__(self) -> None:
        self.content: dict[str, bytes] = {}

    def read(self, name: str) -> bytes | None:
        return self.content.get(name)

    def write(self, name: str, content: bytes) -> None:
        self.content[name] = bytes(content)

    def rename(self, old: str, new: str) -> None:
        self.content[new] = self.content.pop(old)


def test_the_keys_can_live_anywhere_that_keeps_named_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    keys = DictKeyFiles()
    pki.setup_authority(keys, ADMIN, ADMIN_PASSWORD)
    pki.enrol_user(keys, NURSE, "Zoë Ngô-Ærøe", "RN", NURSE_PASSWORD, role="nurse",
                   admin_name=ADMIN, admin_password=ADMIN_PASSWORD)
    assert pki.authority_exists(keys) and pki.user_has_key(keys, NURSE)
    first = pki.load_signer(keys, NURSE, NURSE_PASSWORD)

    pki.change_password(keys, NURSE, NURSE_PASSWORD, "a-new-password")
    with pytest.raises(pki.SigningError, match="wrong password"):
        pki.load_signer(keys, NURSE, NURSE_PASSWORD)
    pki.reissue_user(keys, NURSE, "Zoë Ngô-Ærøe", "RN", "the-third-password",
                     admin_name=ADMIN, admin_password=ADMIN_PASSWORD)
    second = pki.load_signer(keys, NURSE, "the-third-password")
    assert second.certificate.serial_number != first.certificate.serial_number
    assert pki.revoked_at(keys, first.certificate) is not None
    assert any(name.startswith(f"users/{NURSE}/retired/") for name in keys.content)

    pki.revoke_user_key(keys, NURSE, admin_name=ADMIN, admin_password=ADMIN_PASSWORD)
    with pytest.raises(pki.SigningError, match="revoked"):
        pki.load_signer(keys, NURSE, "the-third-password")
    assert sorted(keys.content) == sorted({
        "authority/certificate.pem", "authority/key.pem", "authority/admins.json",
        "authority/revoked.crl", f"users/{NURSE}/certificate.pem", f"users/{NURSE}/key.pem",
        f"users/{NURSE}/key.json", *(n for n in keys.content if "/retired/" in n)})
    assert list(tmp_path.iterdir()) == []  # nothing was written to any folder
