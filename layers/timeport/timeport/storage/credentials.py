"""Third-party tokens while an import runs: KMS-encrypted, bound to the import by encryption
context, stored beside the job and deleted when the job ends, however it ends."""

from datetime import timedelta

from timeport.clock import utc_now
from timeport.settings import get_settings
from timeport.storage.clients import aws_client
from timeport.storage.models import SourceCredential

KEEP_AT_MOST = timedelta(days=7)


def _kms():
    return aws_client("kms")


def _key(import_id: str) -> str:
    return "cred_" + import_id


def save_token(user_id: str, import_id: str, token: str, kms=None) -> None:
    ciphertext = (kms or _kms()).encrypt(
        KeyId=get_settings().credentials_key,
        Plaintext=token.encode("utf-8"),
        EncryptionContext={"import_id": import_id},
    )["CiphertextBlob"]
    SourceCredential(
        user_id, _key(import_id), ciphertext=ciphertext, expires_at_epoch=utc_now() + KEEP_AT_MOST
    ).save()


def load_token(user_id: str, import_id: str, kms=None) -> str | None:
    try:
        record = SourceCredential.get(user_id, _key(import_id), consistent_read=True)
    except SourceCredential.DoesNotExist:
        return None
    plaintext = (kms or _kms()).decrypt(
        CiphertextBlob=record.ciphertext, EncryptionContext={"import_id": import_id}
    )["Plaintext"]
    return plaintext.decode("utf-8")


def delete_token(user_id: str, import_id: str) -> None:
    SourceCredential(user_id, _key(import_id)).delete()
